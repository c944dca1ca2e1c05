package io.tandem.controller.cut;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.SnapshotDescription;
import org.apache.hadoop.hbase.client.SnapshotType;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.TandemConf;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.fault.FaultPoints;
import io.tandem.core.config.ConfigKey;
import io.tandem.core.config.ServerKeys;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.cut.ArmAck;
import io.tandem.core.cut.CutAbort;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.cut.CutSpec;
import io.tandem.core.cut.HdfsAck;
import io.tandem.core.zk.ZkAcl;

/**
 * The consistent cut: all HBase tables and HDFS directories of a plan show one instant.
 *
 * <p>Why it is consistent. Every region of the cut's tables is fenced (refuses writes, has drained
 * the writes in flight, and a flush has snapshotted its memstore) before the HDFS snapshots are
 * taken, and stays fenced until {@code released}; so every region's data equals its state at any
 * instant between "all armed" and "released", and the NameNode plugin snapshots every directory at
 * one instant inside that window. That flush writes exactly the snapshotted data to files even
 * after writes resume; other flushes and bulk loads of the fenced regions stay refused until
 * {@code done}, so the SKIPFLUSH table snapshots, taken once the fixing flushes are committed,
 * capture exactly the cut. The fence window (what writers feel) is therefore arm + drain + memstore
 * snapshot + one HDFS snapshot: neither the flush's file writes nor the table snapshots.
 *
 * <p>Steps: clock skew check → balancer, split and merge off → publish the cut → wait until, for
 * every region, the RegionServer hosting it (per hbase:meta) acked it (fenced, drained, and the
 * fixing flush has snapshotted the memstore) → ask the NameNode plugin for the directory
 * snapshots → release writes → wait until the fixing flushes are committed → SKIPFLUSH table
 * snapshots (in parallel) → check that
 * no participant aborted, the lease did not run out, and no region moved or reopened since "all
 * armed" → {@code done}. Any failure writes {@code done} as failed (every participant drops
 * everything), deletes the cut's snapshots and throws ({@link CutAbortedException} when a
 * participant's abort note failed it); the switches are restored either way.
 *
 * <p>The switches' state from before the cut is kept in the primary's ZooKeeper while they are off
 * ({@link ClusterSwitches}), so a controller killed mid-cut leaves them off only until the next
 * cut or {@link #recoverSwitches()} gives them back, once its ZooKeeper session
 * ({@code tandem.zk.session.timeout.ms}) has ended.
 *
 * <p>One cut at a time per instance ({@link #take} is synchronized): the balancer and split/merge
 * switches are cluster-wide state. Thread-safe; close it to drop its ZooKeeper session.
 */
public final class FencedCutTaker implements CutTaker, Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(FencedCutTaker.class);
  private static final String NAMENODE = "namenode";

  /**
   * Time limits and places of the fenced cut.
   *
   * @param leaseMs       longest any participant holds writes or flushes for one cut
   * @param armTimeoutMs  how long every RegionServer has to arm and ack
   * @param hdfsTimeoutMs how long the NameNode plugin has to snapshot the directories
   * @param maxSkewMs     the largest clock skew at which a cut may run
   * @param zkRoot        where cuts live in the primary's ZooKeeper
   * @param clockProbeDir HDFS directory the clock probe may use
   * @param zkSessionTimeoutMs session timeout of the client of the primary's ZooKeeper: how long a
   *                      dead controller's hold on the switches outlives it
   * @param zkAcl         the controller's credentials and the ACLs of what it writes there
   */
  public record Settings(long leaseMs, long armTimeoutMs, long hdfsTimeoutMs, long maxSkewMs, String zkRoot,
      String clockProbeDir, int zkSessionTimeoutMs, ZkAcl zkAcl) {
    public Settings {
      if (leaseMs <= 0 || armTimeoutMs <= 0 || hdfsTimeoutMs <= 0 || maxSkewMs < 0) {
        throw new IllegalArgumentException("cut settings must be positive: lease " + leaseMs + " ms, arm timeout "
            + armTimeoutMs + " ms, HDFS timeout " + hdfsTimeoutMs + " ms, max skew " + maxSkewMs + " ms");
      }
      if (armTimeoutMs >= leaseMs) {
        throw new IllegalArgumentException(CutKeys.ARM_TIMEOUT_MS.name() + " (" + armTimeoutMs
            + " ms) must be shorter than " + TandemKeys.FENCE_LEASE_MS.name() + " (" + leaseMs + " ms)");
      }
      Objects.requireNonNull(zkRoot, "zkRoot");
      Objects.requireNonNull(clockProbeDir, "clockProbeDir");
      Objects.requireNonNull(zkAcl, "zkAcl");
      if (zkSessionTimeoutMs <= 0) {
        throw new IllegalArgumentException(TandemKeys.ZK_SESSION_TIMEOUT_MS.name() + " must be positive: "
            + zkSessionTimeoutMs + " ms");
      }
    }

    /** From tandem-site.xml keys (missing keys take their defaults). */
    public static Settings from(Configuration conf) {
      return new Settings(getLong(conf, TandemKeys.FENCE_LEASE_MS), getLong(conf, CutKeys.ARM_TIMEOUT_MS),
          getLong(conf, CutKeys.HDFS_TIMEOUT_MS), getLong(conf, TandemKeys.MAX_SKEW_MS),
          conf.getTrimmed(CutKeys.ZK_ROOT.name(), CutKeys.ZK_ROOT.defaultValue()),
          conf.getTrimmed(CutKeys.CLOCK_PROBE_DIR.name(), CutKeys.CLOCK_PROBE_DIR.defaultValue()),
          (int) getLong(conf, TandemKeys.ZK_SESSION_TIMEOUT_MS), TandemConf.zkAcl(conf));
    }

    public static Settings defaults() {
      return from(new Configuration(false));
    }

    public Settings withLeaseMs(long ms) {
      return new Settings(ms, Math.min(armTimeoutMs, Math.max(1, ms / 2)), hdfsTimeoutMs, maxSkewMs, zkRoot,
          clockProbeDir, zkSessionTimeoutMs, zkAcl);
    }

    public Settings withMaxSkewMs(long ms) {
      return new Settings(leaseMs, armTimeoutMs, hdfsTimeoutMs, ms, zkRoot, clockProbeDir, zkSessionTimeoutMs, zkAcl);
    }

    public Settings withZkSessionTimeoutMs(int ms) {
      return new Settings(leaseMs, armTimeoutMs, hdfsTimeoutMs, maxSkewMs, zkRoot, clockProbeDir, ms, zkAcl);
    }

    private static long getLong(Configuration conf, ConfigKey key) {
      String v = conf.getTrimmed(key.name(), key.defaultValue());
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key.name() + "=\"" + v + "\" is not a whole number of ms (default "
            + key.defaultValue() + ")");
      }
    }
  }

  /** Points inside a cut where a test can stand in for a controller that stalls or dies. */
  interface Hooks {
    Hooks NONE = new Hooks() {
    };

    /** After every region is armed and acked, before the HDFS snapshots. */
    default void afterArmed(String cutId) throws IOException {
    }

    /** After the table snapshots exist, before the checks that decide the outcome. */
    default void beforeVerify(String cutId) throws IOException {
    }

    /**
     * True only for a negative control that breaks the fence: release the writes before the
     * HDFS snapshots, then call {@link #afterEarlyRelease} before asking for them.
     */
    default boolean releaseBeforeHdfsSnapshots() {
      return false;
    }

    /** With {@link #releaseBeforeHdfsSnapshots}: writes flow again, the HDFS snapshots are not taken yet. */
    default void afterEarlyRelease(String cutId) throws IOException {
    }
  }

  /** Where a region is served, as hbase:meta says; the open sequence number changes on every reopen. */
  private record Placement(String server, long openSeqNum) {
  }

  /**
   * Wakes a waiting loop when any of its watches fires and remembers which paths changed, so the
   * loop re-reads only those. Watches set in earlier rounds stay live and still wake it.
   */
  private static final class ZkSignal implements CuratorWatcher {
    private final Semaphore events = new Semaphore(0);
    private final Set<String> changed = ConcurrentHashMap.newKeySet();

    @Override
    public void process(WatchedEvent event) {
      if (event.getPath() != null) {
        changed.add(event.getPath());
      }
      events.release();
    }

    /** Forgets wake-ups already seen; call before reading, so a change after the read still wakes. */
    void clear() {
      events.drainPermits();
    }

    /** True once for each change of {@code path} seen since the last call for it. */
    boolean changed(String path) {
      return changed.remove(path);
    }

    void await(long maxMs) throws InterruptedException {
      events.tryAcquire(maxMs, TimeUnit.MILLISECONDS);
    }
  }

  private final ClusterConnection primary;
  private final ClusterConnection secondary;
  private final Settings settings;
  private final CutProtocol protocol;
  private final ClockSkewProbe clock;
  private final Hooks hooks;
  private CuratorFramework zk;

  /**
   * @param primary   the cluster the cut is taken on (its hbase-site gives the ZooKeeper quorum)
   * @param secondary checked for clock skew too; may be null
   */
  public FencedCutTaker(ClusterConnection primary, ClusterConnection secondary, Settings settings) {
    this(primary, secondary, settings, new ClockSkewProbe(System::currentTimeMillis, settings.clockProbeDir()),
        Hooks.NONE);
  }

  FencedCutTaker(ClusterConnection primary, ClusterConnection secondary, Settings settings, ClockSkewProbe clock,
      Hooks hooks) {
    this.primary = Objects.requireNonNull(primary, "primary");
    this.secondary = secondary;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.protocol = new CutProtocol(settings.zkRoot());
    this.clock = Objects.requireNonNull(clock, "clock");
    this.hooks = Objects.requireNonNull(hooks, "hooks");
  }

  private synchronized CuratorFramework zk() throws IOException {
    if (zk == null) {
      zk = ClusterSwitches.connect(primary, settings.zkSessionTimeoutMs(), settings.zkAcl(), settings.zkRoot());
    }
    return zk;
  }

  private ClusterSwitches switches() throws IOException {
    return new ClusterSwitches(primary, zk(), ClusterSwitches.pathFor(settings.zkRoot()));
  }

  /**
   * Gives back the switches a cut of a controller that died left off (see
   * {@link ClusterSwitches#recover()}); a new leader calls this. Blocks for ZooKeeper and HBase.
   */
  public synchronized java.util.Optional<ClusterSwitches.Recovered> recoverSwitches() throws IOException {
    return switches().recover();
  }

  /** Measures clock skew of the primary (NameNode, ZooKeeper) and the secondary (NameNode). */
  public List<ClockSkewProbe.Measurement> measureClocks() throws IOException {
    List<ClockSkewProbe.Measurement> ms = new ArrayList<>();
    ms.add(clock.hdfs(primary));
    ms.add(clock.zookeeper(primary.name(), zk(), clockParent()));
    if (secondary != null) {
      ms.add(clock.hdfs(secondary));
    }
    return ms;
  }

  private String clockParent() {
    return ClusterSwitches.siblingOf(protocol.root(), "clock");
  }

  @Override
  public synchronized CutResult take(CutPlan plan) throws IOException {
    String cutId = CutProtocol.checkId(plan.cutId(), "cutId");
    long t0 = System.nanoTime();
    List<ClockSkewProbe.Measurement> skew = measureClocks();
    ClockSkewProbe.requireWithin(skew, settings.maxSkewMs());
    LOG.info("cut {}: clocks {}", cutId, skew);

    Admin admin = primary.hbase().getAdmin();
    DistributedFileSystem fs = primary.fs();
    try {
      List<TableName> tables = new ArrayList<>();
      for (String t : plan.tables()) {
        TableName tn = TableName.valueOf(t);
        if (!admin.tableExists(tn)) {
          throw new CutRefusedException("table " + t + " does not exist on primary cluster " + primary.name());
        }
        tables.add(tn);
      }
      for (String d : plan.dirs()) {
        Path p = new Path(d);
        if (!fs.exists(p)) {
          throw new CutRefusedException("directory " + d + " does not exist on primary cluster " + primary.name());
        }
        fs.allowSnapshot(p);
      }
      ClusterSwitches.Hold switches = switches().hold(cutId);
      try {
        return fenced(plan, cutId, tables, admin, fs, t0);
      } finally {
        giveBack(switches);
        deleteCutNode(cutId);
      }
    } finally {
      admin.close();
    }
  }

  private CutResult fenced(CutPlan plan, String cutId, List<TableName> tables, Admin admin,
      DistributedFileSystem fs, long t0) throws IOException {
    CuratorFramework zk = zk();
    List<String> tablesDone = new ArrayList<>();
    List<String> dirsDone = new ArrayList<>();
    boolean published = false;
    try {
      // Read before publishing, to keep hbase:meta scans out of the fence window; a region that
      // moves meanwhile is found by the refresh in awaitAcks, and any move after "all armed" by verify.
      Map<String, Placement> initialPlacement = placements(tables);
      long publishNanos = System.nanoTime();
      long nowMs = System.currentTimeMillis();
      CutSpec spec = new CutSpec(cutId, tables.stream().map(TableName::getNameAsString).toList(),
          plan.dirSnapshots(), settings.leaseMs(), nowMs + settings.armTimeoutMs(), nowMs, settings.maxSkewMs());
      publish(zk, spec);
      published = true;
      FaultPoints.reach(FaultPoints.CUT_ARM);

      Map<String, Long> ackLatency = new TreeMap<>();
      Map<String, Placement> armedPlacement = awaitAcks(zk, cutId, tables, initialPlacement, false,
          publishNanos + TimeUnit.MILLISECONDS.toNanos(settings.armTimeoutMs()), ackLatency);
      long armedNanos = System.nanoTime();
      hooks.afterArmed(cutId);
      FaultPoints.reach(FaultPoints.CUT_FENCE);

      Instant takenAt = Instant.now();
      long lockHoldMs = 0;
      boolean releasedEarly = hooks.releaseBeforeHdfsSnapshots();
      if (releasedEarly) {
        zk.create().forPath(protocol.child(cutId, CutProtocol.RELEASED));
        hooks.afterEarlyRelease(cutId);
      }
      if (!plan.dirSnapshots().isEmpty()) {
        long h0 = System.nanoTime();
        dirsDone.addAll(plan.dirs());
        zk.create().forPath(protocol.child(cutId, CutProtocol.HDFS_REQUEST));
        HdfsAck hdfs = awaitHdfs(zk, cutId, h0 + TimeUnit.MILLISECONDS.toNanos(settings.hdfsTimeoutMs()));
        if (!hdfs.ok()) {
          dirsDone.clear();
          throw new IOException("the NameNode could not snapshot the cut's directories: " + hdfs.error());
        }
        lockHoldMs = hdfs.lockHoldMs();
        ackLatency.put(NAMENODE, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - h0));
      }

      if (!releasedEarly) {
        zk.create().forPath(protocol.child(cutId, CutProtocol.RELEASED));
      }
      long releasedNanos = System.nanoTime();
      long fenceWindowMs = TimeUnit.NANOSECONDS.toMillis(releasedNanos - publishNanos);
      awaitAcks(zk, cutId, tables, armedPlacement, true,
          publishNanos + TimeUnit.MILLISECONDS.toNanos(settings.leaseMs()), new HashMap<>());

      snapshotTables(admin, plan, tables, tablesDone, publishNanos);
      hooks.beforeVerify(cutId);
      FaultPoints.reach(FaultPoints.CUT_SNAPSHOT);
      verify(zk, cutId, tables, armedPlacement, publishNanos);

      zk.create().forPath(protocol.child(cutId, CutProtocol.DONE),
          CutProtocol.encodeDone(CutProtocol.OUTCOME_COMMITTED, null));
      long snapshotMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      LOG.info("cut {}: consistent; fence window {} ms (arm+ack {} ms, HDFS lock held {} ms), {} table and {} dir"
          + " snapshots, {} ms in all; acks {}", cutId, fenceWindowMs,
          TimeUnit.NANOSECONDS.toMillis(armedNanos - publishNanos), lockHoldMs, tablesDone.size(), dirsDone.size(),
          snapshotMs, ackLatency);
      return new CutResult(takenAt, true, fenceWindowMs, ackLatency, snapshotMs, "fenced");
    } catch (Exception e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      if (published) {
        markFailed(zk, cutId, reason);
      }
      SnapshotCleanup.deleteQuietly(admin, fs, tablesDone, plan, dirsDone);
      LOG.warn("cut {} failed and left no snapshot: {}", cutId, reason);
      if (e instanceof CutRefusedException || e instanceof CutAbortedException) {
        throw (IOException) e;
      }
      throw new IOException("cut " + cutId + " failed on primary cluster " + primary.name() + ": " + reason, e);
    }
  }

  private void publish(CuratorFramework zk, CutSpec spec) throws Exception {
    String cutId = spec.cutId();
    if (zk.checkExists().forPath(protocol.root()) == null) {
      try {
        zk.create().creatingParentsIfNeeded().forPath(protocol.root());
      } catch (KeeperException.NodeExistsException ignored) {
        // made concurrently
      }
    }
    try {
      zk.transaction().forOperations(
          zk.transactionOp().create().forPath(protocol.cutPath(cutId), spec.encode()),
          zk.transactionOp().create().forPath(protocol.armedDir(cutId)),
          zk.transactionOp().create().forPath(protocol.abortedDir(cutId)));
    } catch (KeeperException.NodeExistsException e) {
      throw new CutRefusedException("cut id " + cutId + " is already in use in " + protocol.root() + " on primary "
          + primary.name());
    }
  }

  /**
   * Waits until every region of the tables is acked by the RegionServer hbase:meta says serves it
   * ({@code flushed} also requires that server's fixing flushes to be committed).
   *
   * @param placement where regions were when the cut was published; refreshed while regions are
   *                  missing (one moved before its old server armed it). The caller's final check
   *                  compares it with the placement after the snapshots, so a stale entry can only
   *                  fail a cut, never pass a wrong one.
   * @return the placement the acks were checked against
   */
  private Map<String, Placement> awaitAcks(CuratorFramework zk, String cutId, List<TableName> tables,
      Map<String, Placement> placement, boolean flushed, long deadline, Map<String, Long> ackLatency)
      throws Exception {
    long placementAt = System.nanoTime();
    // Every ZooKeeper read here is a round trip inside the fence window, so an ack node is read
    // again only when its watch says it changed, and the aborted list only when its watch fires.
    // One signal serves the whole wait, so a watch set in an earlier round still wakes this loop.
    ZkSignal signal = new ZkSignal();
    String armedDir = protocol.armedDir(cutId);
    Map<String, ArmAck> acks = new HashMap<>();
    boolean firstRound = true;
    while (true) {
      signal.clear();
      List<String> ackNodes = zk.getChildren().usingWatcher(signal).forPath(armedDir);
      if (signal.changed(protocol.abortedDir(cutId)) || firstRound) {
        failIfAborted(zk, cutId, signal);
      }
      firstRound = false;
      Map<String, Set<String>> acked = new HashMap<>();
      Map<String, Long> latency = new TreeMap<>();
      for (String node : ackNodes) {
        String path = armedDir + "/" + node;
        ArmAck ack = acks.get(path);
        if (ack == null || signal.changed(path)) {
          ack = ArmAck.decode(zk.getData().usingWatcher(signal).forPath(path));
          acks.put(path, ack);
        }
        if (ack.flushed() || !flushed) {
          acked.computeIfAbsent(ack.server(), k -> new HashSet<>()).addAll(ack.regions());
        }
        latency.merge(ack.server(), ack.armToAckMs(), Math::max);
      }
      List<String> missing = uncovered(placement, acked);
      // A cut of directories only has no region to wait for.
      if (missing.isEmpty() && (tables.isEmpty() || !placement.isEmpty())) {
        ackLatency.putAll(latency);
        return placement;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException((flushed ? "not every fenced region committed its fixing flush in time: "
            : "not every region was fenced within " + settings.armTimeoutMs() + " ms: ")
            + String.join(", ", missing.subList(0, Math.min(10, missing.size())))
            + (missing.size() > 10 ? " and " + (missing.size() - 10) + " more" : "")
            + " (is TandemRegionObserver loaded for the table, and is that RegionServer alive?)");
      }
      // Re-read hbase:meta only when waiting cannot help: every server that should ack a missing
      // region has acked without it (the region moved), or now and then as a safety net. Scans
      // of hbase:meta while servers are still arming would only lengthen the fence window.
      boolean stale = false;
      for (Map.Entry<String, Placement> e : placement.entrySet()) {
        Set<String> got = acked.get(e.getValue().server());
        if (e.getValue().server() == null || (got != null && !got.contains(e.getKey()))) {
          stale = true;
          break;
        }
      }
      long sinceRead = System.nanoTime() - placementAt;
      if ((stale && sinceRead > TimeUnit.MILLISECONDS.toNanos(100)) || sinceRead > TimeUnit.SECONDS.toNanos(2)) {
        placement = placements(tables);
        placementAt = System.nanoTime();
        continue;
      }
      signal.await(50);
    }
  }

  private static List<String> uncovered(Map<String, Placement> placement, Map<String, Set<String>> acked) {
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Placement> e : placement.entrySet()) {
      Placement p = e.getValue();
      if (p.server() == null) {
        missing.add("region " + e.getKey() + " (not online)");
      } else if (!acked.getOrDefault(p.server(), Set.of()).contains(e.getKey())) {
        missing.add("region " + e.getKey() + " on " + p.server());
      }
    }
    return missing;
  }

  /** Encoded region name to its placement, read from hbase:meta (default replicas only). */
  private Map<String, Placement> placements(List<TableName> tables) throws IOException {
    Map<String, Placement> out = new LinkedHashMap<>();
    for (TableName t : tables) {
      try (RegionLocator locator = primary.hbase().getRegionLocator(t)) {
        for (HRegionLocation loc : locator.getAllRegionLocations()) {
          RegionInfo ri = loc.getRegion();
          if (ri == null || ri.getReplicaId() != RegionInfo.DEFAULT_REPLICA_ID) {
            continue;
          }
          out.put(ri.getEncodedName(), new Placement(
              loc.getServerName() == null ? null : loc.getServerName().toString(), loc.getSeqNum()));
        }
      }
    }
    return out;
  }

  private HdfsAck awaitHdfs(CuratorFramework zk, String cutId, long deadline) throws Exception {
    String path = protocol.child(cutId, CutProtocol.HDFS);
    ZkSignal signal = new ZkSignal();
    boolean firstRound = true;
    while (true) {
      signal.clear();
      // Read first: once the ack's watch fires, this is the only round trip before "released".
      try {
        return HdfsAck.decode(zk.getData().forPath(path));
      } catch (KeeperException.NoNodeException notYet) {
        // set a watch below
      }
      if (zk.checkExists().usingWatcher(signal).forPath(path) != null) {
        continue;
      }
      if (signal.changed(protocol.abortedDir(cutId)) || firstRound) {
        failIfAborted(zk, cutId, signal);
      }
      firstRound = false;
      if (System.nanoTime() - deadline > 0) {
        throw new IOException("the NameNode plugin did not snapshot the cut's directories within "
            + settings.hdfsTimeoutMs() + " ms (is io.tandem.hdfs.TandemNameNodePlugin in dfs.namenode.plugins, with "
            + ServerKeys.CUT_ZK_QUORUM.name() + " set, on the active NameNode?)");
      }
      signal.await(100);
    }
  }

  private void snapshotTables(Admin admin, CutPlan plan, List<TableName> tables, List<String> done,
      long publishNanos) throws IOException {
    long deadline = publishNanos + TimeUnit.MILLISECONDS.toNanos(settings.leaseMs());
    List<String> names = new ArrayList<>();
    List<Future<Void>> futures = new ArrayList<>();
    for (TableName t : tables) {
      String name = snapshotName(plan, t);
      names.add(name);
      futures.add(admin.snapshotAsync(new SnapshotDescription(name, t, SnapshotType.SKIPFLUSH)));
    }
    IOException first = null;
    for (int i = 0; i < futures.size(); i++) {
      try {
        futures.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        done.add(names.get(i));
      } catch (ExecutionException e) {
        if (first == null) {
          first = new IOException("snapshot " + names.get(i) + " of " + tables.get(i) + " failed: "
              + e.getCause().getMessage(), e.getCause());
        }
      } catch (TimeoutException e) {
        // It may still complete: delete it with the others if the cut fails.
        done.add(names.get(i));
        if (first == null) {
          first = new IOException("snapshot " + names.get(i) + " of " + tables.get(i) + " did not finish within the "
              + settings.leaseMs() + " ms lease");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while taking snapshots", e);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static String snapshotName(CutPlan plan, TableName t) {
    String name = plan.tableSnapshots().get(t.getNameAsString());
    if (name == null) {
      name = plan.tableSnapshots().get(t.getNameWithNamespaceInclAsString());
    }
    return Objects.requireNonNull(name, "no snapshot name for " + t);
  }

  private void verify(CuratorFramework zk, String cutId, List<TableName> tables, Map<String, Placement> armed,
      long publishNanos) throws Exception {
    failIfAborted(zk, cutId);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - publishNanos);
    if (tookMs >= settings.leaseMs()) {
      throw new IOException("the cut took " + tookMs + " ms, longer than its " + settings.leaseMs()
          + " ms lease: participants may have dropped their flush hold before the snapshots existed");
    }
    Map<String, Placement> now = placements(tables);
    List<String> moved = new ArrayList<>();
    for (Map.Entry<String, Placement> e : armed.entrySet()) {
      Placement after = now.get(e.getKey());
      if (!e.getValue().equals(after)) {
        moved.add("region " + e.getKey() + " " + e.getValue() + " -> " + after);
      }
    }
    if (!moved.isEmpty()) {
      throw new IOException("regions moved or reopened while the cut held them, so their snapshots may hold later"
          + " writes: " + moved);
    }
  }

  private void failIfAborted(CuratorFramework zk, String cutId) throws Exception {
    failIfAborted(zk, cutId, null);
  }

  /** @param watcher if not null, watches the aborted list for the next abort */
  private void failIfAborted(CuratorFramework zk, String cutId, CuratorWatcher watcher) throws Exception {
    String dir = protocol.abortedDir(cutId);
    List<String> aborted = watcher == null ? zk.getChildren().forPath(dir) : zk.getChildren().usingWatcher(watcher).forPath(dir);
    if (!aborted.isEmpty()) {
      List<CutAbort> why = new ArrayList<>();
      for (String node : aborted) {
        try {
          why.add(CutAbort.decode(zk.getData().forPath(dir + "/" + node)));
        } catch (RuntimeException | KeeperException e) {
          why.add(new CutAbort(node, "its abort note is unreadable (" + e + ")", 0));
        }
      }
      throw new CutAbortedException(cutId, primary.name(), why);
    }
  }

  @Override
  public synchronized void abandon(String cutId) throws IOException {
    CutProtocol.checkId(cutId, "cutId");
    CuratorFramework zk = zk();
    try {
      if (zk.checkExists().forPath(protocol.cutPath(cutId)) != null
          && zk.checkExists().forPath(protocol.child(cutId, CutProtocol.DONE)) == null) {
        markFailed(zk, cutId, "abandoned: the controller running it died");
      }
    } catch (Exception e) {
      throw new IOException("could not end cut " + cutId + " in the ZooKeeper of " + primary.name() + ": " + e, e);
    }
    deleteCutNode(cutId);
    switches().abandon(cutId);
  }

  private void markFailed(CuratorFramework zk, String cutId, String reason) {
    try {
      zk.create().forPath(protocol.child(cutId, CutProtocol.DONE), CutProtocol.encodeDone(CutProtocol.OUTCOME_FAILED,
          reason.length() > 2000 ? reason.substring(0, 2000) : reason));
    } catch (Exception e) {
      LOG.warn("cut {}: could not mark it failed in ZooKeeper ({}); participants drop it at their lease", cutId,
          e.toString());
    }
  }

  private void deleteCutNode(String cutId) {
    try {
      zk().delete().quietly().deletingChildrenIfNeeded().forPath(protocol.cutPath(cutId));
    } catch (Exception e) {
      LOG.warn("cut {}: could not delete its znode: {}", cutId, e.toString());
    }
  }

  /**
   * Leaves the switches; when that fails, drops this taker's ZooKeeper session, so its hold ends
   * with the session and the next cut or recovery (here or in any process) gives them back.
   */
  private void giveBack(ClusterSwitches.Hold switches) {
    try {
      switches.close();
    } catch (IOException e) {
      LOG.error("cut {}: could not give back the balancer, split and merge switches of {} ({}); dropping this"
          + " controller's ZooKeeper session so the next cut or 'tandem gc' restores them", switches.holder(),
          primary.name(), e.toString());
      close();
    }
  }

  @Override
  public synchronized void close() {
    if (zk != null) {
      zk.close();
      zk = null;
    }
  }
}
