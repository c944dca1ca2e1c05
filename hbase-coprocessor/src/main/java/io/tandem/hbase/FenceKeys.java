package io.tandem.hbase;

import io.tandem.core.config.ServerKeys;

/**
 * The keys the write fence reads from the RegionServer's configuration (hbase-site.xml), with
 * their defaults as the types {@link io.tandem.core.config.ServerConf} reads. Defined, with their
 * docs, in {@link ServerKeys}.
 */
public final class FenceKeys {
  /** Znode under which the controller publishes cuts, in the RegionServer's own ZooKeeper. */
  public static final String CUT_ROOT = ServerKeys.CUT_ZK_ROOT.name();
  public static final String CUT_ROOT_DEFAULT = ServerKeys.CUT_ZK_ROOT.defaultValue();

  /**
   * ZooKeeper connect string to watch for cuts. Empty (the default) means the RegionServer's own
   * quorum ({@code hbase.zookeeper.quorum} + client port), which is where the controller publishes.
   */
  public static final String ZK_QUORUM = ServerKeys.CUT_ZK_QUORUM.name();

  /** Session timeout of the fence's ZooKeeper session, in ms. */
  public static final String ZK_SESSION_TIMEOUT_MS = ServerKeys.CUT_ZK_SESSION_TIMEOUT_MS.name();
  public static final int ZK_SESSION_TIMEOUT_MS_DEFAULT =
      Integer.parseInt(ServerKeys.CUT_ZK_SESSION_TIMEOUT_MS.defaultValue());

  /** Most threads per RegionServer that flush fenced regions in parallel while arming. */
  public static final String FLUSH_THREADS = ServerKeys.FENCE_FLUSH_THREADS.name();
  public static final int FLUSH_THREADS_DEFAULT = Integer.parseInt(ServerKeys.FENCE_FLUSH_THREADS.defaultValue());

  /** Longest lease a cut spec may ask for, in ms; a spec asking for more is refused. */
  public static final String LEASE_MAX_MS = ServerKeys.FENCE_LEASE_MAX_MS.name();
  public static final long LEASE_MAX_MS_DEFAULT = Long.parseLong(ServerKeys.FENCE_LEASE_MAX_MS.defaultValue());

  private FenceKeys() {
  }
}
