package io.tandem.hdfs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BatchedRemoteIterator.BatchedEntries;
import org.apache.hadoop.hdfs.protocol.OpenFileEntry;
import org.apache.hadoop.hdfs.protocol.OpenFilesIterator.OpenFilesType;
import org.apache.hadoop.hdfs.server.namenode.NameNode;
import org.apache.hadoop.hdfs.server.protocol.NamenodeProtocols;
import org.apache.hadoop.util.ServicePlugin;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.config.ServerConf;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.cut.CutSpec;
import io.tandem.core.cut.HdfsAck;
import io.tandem.core.zk.ZkSession;

/**
 * The NameNode side of Tandem's consistent cut, loaded with {@code dfs.namenode.plugins}. It watches
 * the cuts the controller publishes in the primary's ZooKeeper; when a cut gets
 * {@code hdfs-request} (the controller sends it once every RegionServer has armed its fence), it
 * snapshots all the cut's directories at one instant ({@link MultiDirSnapshotter}) and answers
 * at {@code hdfs} with the snapshot paths and how long it held the namesystem lock.
 *
 * <p>It refuses a cut's snapshots (a failed ack whose reason names the key) while
 * {@code dfs.namenode.snapshot.capture.openfiles} is false: see {@link MultiDirSnapshotter}.
 *
 * <p>It also lends the NameNode to this NameNode's identity guard ({@link TandemAttributeProvider}),
 * which on demotion has it end the writes of files open under protected directories
 * ({@link #endOpenWrites}): block allocation and close run no permission check, so a stream opened
 * while the cluster was primary would otherwise keep writing after the guard refuses.
 *
 * <p>Only the active NameNode answers. It holds nothing between cuts and needs no lease.
 * ZooKeeper is reached lazily: the NameNode starts (and serves) whether or not ZooKeeper is up,
 * and the plugin keeps retrying in the background.
 */
public final class TandemNameNodePlugin implements ServicePlugin {
  private static final Logger LOG = LoggerFactory.getLogger(TandemNameNodePlugin.class);

  /**
   * True only in a negative-control test of the chain check: the NameNodes of this JVM then also
   * snapshot a cut the controller has already released, the guard against a controller that
   * releases too early taken out. Nothing in the product sets it.
   */
  private static volatile boolean snapshotAfterRelease;

  /** For negative-control tests only (see {@link #snapshotAfterRelease}); {@code false} restores the guard. */
  public static void breakFenceForNegativeControl(boolean snapshotReleasedCuts) {
    snapshotAfterRelease = snapshotReleasedCuts;
    if (snapshotReleasedCuts) {
      LOG.warn("TandemNameNodePlugin: this JVM's NameNodes snapshot released cuts too, on purpose: a negative control");
    }
  }
  private static final long ZK_CALL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final String PARTICIPANT = "namenode";

  private NameNode nameNode;
  private MultiDirSnapshotter snapshotter;
  private CutProtocol protocol;
  private ScheduledExecutorService events;
  private ZkSession zk;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final Set<String> answered = new HashSet<>();
  /** Specs of cuts seen while they arm, so the HDFS request costs no extra ZooKeeper read. */
  private final Map<String, byte[]> specs = new HashMap<>();
  private final Watcher watcher = e -> scheduleRefresh(0);
  private volatile boolean stopped;

  @Override
  public void start(Object service) {
    if (!(service instanceof NameNode)) {
      LOG.warn("TandemNameNodePlugin started by {}, not a NameNode; it does nothing",
          service == null ? "null" : service.getClass().getName());
      return;
    }
    nameNode = (NameNode) service;
    Configuration conf = nameNode.getConf();
    lendToGuard(conf);
    String capture = MultiDirSnapshotter.openFilesProblem(conf);
    if (capture != null) {
      LOG.error("TandemNameNodePlugin: every fenced cut with HDFS directories will be refused: {}", capture);
    }
    ServerConf sc = new ServerConf(conf, "hdfs-site.xml");
    String quorum = sc.trimmed(HdfsCutKeys.ZK_QUORUM, "");
    if (quorum.isEmpty()) {
      LOG.warn("TandemNameNodePlugin idle: {} is not set, so it cannot see cuts; fenced cuts with HDFS"
          + " directories will fail at their HDFS step", HdfsCutKeys.ZK_QUORUM);
      return;
    }
    snapshotter = new MultiDirSnapshotter(nameNode);
    protocol = cutProtocol(sc);
    events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-namenode-cuts");
      t.setDaemon(true);
      return t;
    });
    try {
      zk = new ZkSession("Tandem NameNode plugin", quorum,
          sc.timeoutMs(HdfsCutKeys.ZK_SESSION_TIMEOUT_MS, HdfsCutKeys.ZK_SESSION_TIMEOUT_MS_DEFAULT), sc.zkAcl(),
          () -> scheduleRefresh(0));
    } catch (IOException | RuntimeException e) {
      sc.refuse(HdfsCutKeys.ZK_QUORUM, quorum, "cannot be used (" + e + ")", "no cut watching (fenced cuts with HDFS"
          + " directories fail)", "write the primary's HBase ZooKeeper quorum as host:port,...");
      return;
    }
    LOG.info("TandemNameNodePlugin watching {} on ZooKeeper {}", protocol.root(), quorum);
    scheduleRefresh(0);
  }

  private void lendToGuard(Configuration conf) {
    TandemAttributeProvider provider = TandemAttributeProvider.of(conf);
    if (provider == null) {
      LOG.info("TandemNameNodePlugin: this NameNode's attribute provider is not Tandem's; no identity guard to serve");
      return;
    }
    provider.endOpenWritesWith(this::endOpenWrites);
  }

  /** The holder name the NameNode's lease recovery is asked for on the guard's behalf. */
  static final String LEASE_RECOVERER = "tandem-identity-guard";

  /**
   * Ends the writes of every file open under {@code dirs}: forces recovery of each one's lease
   * (the NameNode's own recoverLease, as the NameNode's user), which takes the lease from the
   * writer at once, so its next addBlock, pipeline update or complete fails. Bytes it streams into
   * its current block stop when a DataNode of the pipeline starts the block's recovery, which it
   * is told at its next heartbeat: so this blocks until every such file is closed, or two heartbeat
   * intervals have passed (the DataNodes have stopped the writers by then even if a recovery
   * failed, as it can when it races a packet being written; the NameNode then retries it later),
   * or {@code deadlineNanos}. Only the active NameNode does anything.
   *
   * @return a one-line summary: how many files, closed or not, and any failure
   */
  String endOpenWrites(Collection<String> dirs, long deadlineNanos) {
    if (nameNode == null || !nameNode.isActiveState()) {
      return "not the active NameNode; nothing to end";
    }
    NamenodeProtocols rpc = nameNode.getRpcServer();
    List<String> open = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    int ended = 0;
    for (String dir : new TreeSet<>(dirs)) {
      long prev = 0;
      while (true) {
        BatchedEntries<OpenFileEntry> batch;
        try {
          batch = rpc.listOpenFiles(prev, EnumSet.of(
              OpenFilesType.ALL_OPEN_FILES), dir);
        } catch (IOException | RuntimeException e) {
          failed.add("listing " + dir + ": " + e);
          break;
        }
        for (int i = 0; i < batch.size(); i++) {
          OpenFileEntry f = batch.get(i);
          prev = f.getId();
          try {
            ended++;
            if (!rpc.recoverLease(f.getFilePath(), LEASE_RECOVERER)) {
              open.add(f.getFilePath());
            }
          } catch (IOException | RuntimeException e) {
            failed.add(f.getFilePath() + " (writer " + f.getClientName() + "): " + e);
          }
        }
        if (!batch.hasMore() || batch.size() == 0) {
          break;
        }
      }
    }
    long heartbeatMs = nameNode.getConf().getTimeDuration("dfs.heartbeat.interval", 3, TimeUnit.SECONDS,
        TimeUnit.MILLISECONDS);
    long until = Math.min(deadlineNanos, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * heartbeatMs + 500));
    while (!open.isEmpty() && System.nanoTime() < until && !stopped) {
      open.removeIf(path -> {
        try {
          return rpc.isFileClosed(path);
        } catch (IOException | RuntimeException e) {
          return true; // gone (deleted, or its writer closed it first)
        }
      });
      if (!open.isEmpty()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
    return ended + " open files' leases taken from their writers, " + (ended - open.size()) + " closed"
        + (open.isEmpty() ? "" : ", still under block recovery (writers stopped): " + open)
        + (failed.isEmpty() ? "" : "; FAILED: " + failed);
  }

  /** The cut protocol under the configured root; the default root when it is empty or refused. */
  static CutProtocol cutProtocol(ServerConf sc) {
    String root = sc.trimmed(HdfsCutKeys.CUT_ROOT, HdfsCutKeys.CUT_ROOT_DEFAULT);
    try {
      return new CutProtocol(root);
    } catch (RuntimeException e) {
      sc.refuse(HdfsCutKeys.CUT_ROOT, root, "is not a usable znode path (" + e.getMessage() + ")",
          HdfsCutKeys.CUT_ROOT_DEFAULT, "write an absolute znode path equal to tandem-site's " + HdfsCutKeys.CUT_ROOT);
      return new CutProtocol(HdfsCutKeys.CUT_ROOT_DEFAULT);
    }
  }

  private void scheduleRefresh(long delayMs) {
    if (stopped || events == null) {
      return;
    }
    try {
      if (delayMs > 0) {
        events.schedule(() -> scheduleRefresh(0), delayMs, TimeUnit.MILLISECONDS);
      } else if (refreshQueued.compareAndSet(false, true)) {
        events.execute(this::refresh);
      }
    } catch (RejectedExecutionException e) {
      refreshQueued.set(false);
    }
  }

  private void refresh() {
    refreshQueued.set(false);
    if (stopped) {
      return;
    }
    long deadline = System.nanoTime() + ZK_CALL_NANOS;
    try {
      List<String> ids = zk.children(protocol.root(), watcher, deadline);
      answered.retainAll(new HashSet<>(ids));
      specs.keySet().retainAll(new HashSet<>(ids));
      for (String id : ids) {
        if (!answered.contains(id)) {
          handle(id, deadline);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("TandemNameNodePlugin: could not read cuts from ZooKeeper ({}); retrying", e.toString());
      scheduleRefresh(1000);
    }
  }

  private void handle(String id, long deadline) throws IOException {
    String path;
    try {
      path = protocol.cutPath(id);
    } catch (IllegalArgumentException e) {
      answered.add(id);
      return;
    }
    List<String> children = zk.children(path, watcher, deadline);
    CutProtocol.Phase phase = CutProtocol.phaseOf(children);
    boolean tooLate = phase == CutProtocol.Phase.DONE
        || (phase == CutProtocol.Phase.RELEASED && !snapshotAfterRelease);
    if (children.contains(CutProtocol.HDFS) || tooLate) {
      answered.add(id);
      return;
    }
    byte[] data = specs.get(id);
    if (data == null) {
      // Read while the cut arms (its spec never changes), off the path from request to ack.
      data = zk.data(path, deadline);
      if (data == null) {
        return;
      }
      specs.put(id, data);
    }
    if (!children.contains(CutProtocol.HDFS_REQUEST)) {
      return;
    }
    if (!nameNode.isActiveState()) {
      LOG.info("TandemNameNodePlugin: not the active NameNode; leaving cut {} to the active one", id);
      answered.add(id);
      return;
    }
    HdfsAck ack;
    try {
      CutSpec spec = CutSpec.decode(data);
      ack = spec.dirSnapshots().isEmpty()
          ? HdfsAck.success(Map.of(), 0)
          : snapshotter.snapshotAll(spec.dirSnapshots());
    } catch (IllegalArgumentException e) {
      ack = HdfsAck.failure("unreadable cut " + id + ": " + e.getMessage(), 0);
    }
    answered.add(id);
    specs.remove(id);
    if (!zk.put(null, protocol.child(id, CutProtocol.HDFS), ack.encode(), deadline)) {
      LOG.warn("TandemNameNodePlugin: cut {} vanished before its HDFS ack could be written", id);
    }
  }

  @Override
  public void stop() {
    stopped = true;
    if (events != null) {
      events.shutdownNow();
    }
    if (zk != null) {
      zk.close();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
