package io.tandem.hdfs;

/** Configuration keys the NameNode plugin and the NameNode's identity guard read from the NameNode's configuration (hdfs-site.xml). */
public final class HdfsCutKeys {
  /**
   * ZooKeeper connect string of the primary's HBase quorum, where the controller publishes cuts.
   * Required: with it unset the plugin stays idle (and logs so), and fenced cuts with HDFS
   * directories fail at their HDFS step.
   */
  public static final String ZK_QUORUM = "tandem.cut.zookeeper.quorum";

  /** Znode under which cuts are published; must match the RegionServers' and the controller's. */
  public static final String CUT_ROOT = "tandem.cut.zk.root";
  public static final String CUT_ROOT_DEFAULT = io.tandem.core.cut.CutProtocol.DEFAULT_ROOT;

  /** Session timeout of the plugin's ZooKeeper session, in ms. */
  public static final String ZK_SESSION_TIMEOUT_MS = "tandem.cut.zookeeper.session.timeout.ms";
  public static final int ZK_SESSION_TIMEOUT_MS_DEFAULT = 30_000;

  /**
   * Local directory where the NameNode's identity guard keeps the protected directories it last
   * read, so that after a restart without the controller's ZooKeeper it refuses writes to them
   * until its first read. Empty: the NameNode's first {@code dfs.namenode.name.dir}.
   */
  public static final String GUARD_STATE_DIR = "tandem.guard.hdfs.state.dir";

  private HdfsCutKeys() {
  }
}
