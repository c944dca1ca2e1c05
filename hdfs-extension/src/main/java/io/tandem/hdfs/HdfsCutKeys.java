package io.tandem.hdfs;

import io.tandem.core.config.ServerKeys;

/**
 * The keys the NameNode plugin reads from the NameNode's configuration (hdfs-site.xml), with their
 * defaults as the types {@link io.tandem.core.config.ServerConf} reads. Defined, with their docs,
 * in {@link ServerKeys}; the identity guard's keys are {@link io.tandem.core.identity.GuardKeys}.
 */
public final class HdfsCutKeys {
  /**
   * ZooKeeper connect string of the primary's HBase quorum, where the controller publishes cuts.
   * Required: with it unset the plugin stays idle (and logs so), and fenced cuts with HDFS
   * directories fail at their HDFS step.
   */
  public static final String ZK_QUORUM = ServerKeys.CUT_ZK_QUORUM.name();

  /** Znode under which cuts are published; must match the RegionServers' and the controller's. */
  public static final String CUT_ROOT = ServerKeys.CUT_ZK_ROOT.name();
  public static final String CUT_ROOT_DEFAULT = ServerKeys.CUT_ZK_ROOT.defaultValue();

  /** Session timeout of the plugin's ZooKeeper session, in ms. */
  public static final String ZK_SESSION_TIMEOUT_MS = ServerKeys.CUT_ZK_SESSION_TIMEOUT_MS.name();
  public static final int ZK_SESSION_TIMEOUT_MS_DEFAULT =
      Integer.parseInt(ServerKeys.CUT_ZK_SESSION_TIMEOUT_MS.defaultValue());

  private HdfsCutKeys() {
  }
}
