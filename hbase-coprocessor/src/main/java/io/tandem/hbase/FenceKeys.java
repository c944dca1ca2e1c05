package io.tandem.hbase;

/**
 * Configuration keys the write fence reads from the RegionServer's configuration (hbase-site.xml),
 * each with its default.
 */
public final class FenceKeys {
  /** Znode under which the controller publishes cuts, in the RegionServer's own ZooKeeper. */
  public static final String CUT_ROOT = "tandem.cut.zk.root";
  public static final String CUT_ROOT_DEFAULT = io.tandem.core.cut.CutProtocol.DEFAULT_ROOT;

  /**
   * ZooKeeper connect string to watch for cuts. Empty (the default) means the RegionServer's own
   * quorum ({@code hbase.zookeeper.quorum} + client port), which is where the controller publishes.
   */
  public static final String ZK_QUORUM = "tandem.cut.zookeeper.quorum";

  /** Session timeout of the fence's ZooKeeper session, in ms. */
  public static final String ZK_SESSION_TIMEOUT_MS = "tandem.cut.zookeeper.session.timeout.ms";
  public static final int ZK_SESSION_TIMEOUT_MS_DEFAULT = 30_000;

  /**
   * Most threads per RegionServer that flush fenced regions in parallel while arming. A thread
   * stays busy until its flush has written its file, but the ack only waits for each flush's
   * memstore snapshot; so with fewer threads than fenced regions on the server, the last regions'
   * snapshots wait for earlier flushes to write their files, and the fence window grows by whole
   * flushes (measured: 75 regions per server with 32 threads held writes 3.5-10 s). Threads exist
   * only while a cut flushes (idle ones end after 60 s), one per fenced region up to this many.
   */
  public static final String FLUSH_THREADS = "tandem.fence.flush.threads";
  public static final int FLUSH_THREADS_DEFAULT = 256;

  /**
   * Longest lease a cut spec may ask for, in ms. The lease is how long the RegionServer holds
   * writes and flushes for a cut; a spec asking for more is refused (aborted, not fenced), so a
   * spec written by anyone but the controller cannot freeze tables for long. Keep it at or above
   * tandem-site's {@code tandem.fence.lease.ms} (default 30000).
   */
  public static final String LEASE_MAX_MS = "tandem.fence.lease.max.ms";
  public static final long LEASE_MAX_MS_DEFAULT = 120_000;

  private FenceKeys() {
  }
}
