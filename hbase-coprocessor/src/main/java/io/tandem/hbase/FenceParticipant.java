package io.tandem.hbase;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hadoop.conf.Configuration;

import io.tandem.core.config.ServerConf;
import io.tandem.core.config.TandemKeys;
import org.apache.hadoop.hbase.ServerName;
import org.apache.hadoop.hbase.regionserver.HRegion;
import org.apache.hadoop.hbase.zookeeper.ZKConfig;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.zk.ZkSession;
import io.tandem.core.cut.ArmAck;
import io.tandem.core.cut.CutAbort;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.cut.CutSpec;

/**
 * One RegionServer's side of the consistent cut: it watches the cuts the controller publishes in
 * ZooKeeper and moves the fences of its regions through each cut's phases.
 *
 * <ul>
 *   <li>ARMING: fence every local region of the cut's tables (writes get
 *       {@code RegionTooBusyException}), wait for in-flight writes to leave, start a flush of each
 *       region in parallel and, as soon as every flush has snapshotted its memstore, ack
 *       {@code armed/<server>} with the regions and the arm-to-ack latency. When the flushes have
 *       written their files, rewrite the ack with {@code flushed=true}.</li>
 *   <li>RELEASED: writes flow again; the regions' flushes and bulk loads stay refused so their files
 *       keep showing the cut until the controller has taken the SKIPFLUSH table snapshots.</li>
 *   <li>DONE (or the cut node deleted): drop everything.</li>
 *   <li>Lease expired first (controller dead or slow): drop everything and write
 *       {@code aborted/<server>}; the controller then fails the cut.</li>
 * </ul>
 *
 * <p>A region that opens here while a cut is ARMING is fenced before it serves a write (and the
 * ack is rewritten to include it). A region that opens, or closes, while a cut is RELEASED may
 * carry writes after the cut into its files, so the cut is aborted.
 *
 * <p>One instance per RegionServer ({@link ServerName}), shared by all region coprocessor
 * instances on that server and closed when the last of them stops; several RegionServers of a
 * mini cluster in one JVM each get their own. ZooKeeper events and cut phases are handled on one
 * event thread; region hooks only touch in-memory state under a short lock.
 */
public final class FenceParticipant implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(FenceParticipant.class);
  private static final ConcurrentMap<String, FenceParticipant> BY_SERVER = new ConcurrentHashMap<>();
  private static final long ZK_CALL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private enum LocalPhase { ARMING, ACKED, RELEASED }

  /**
   * Ways to break the fence on purpose, so the chain test can show it catches each one (its
   * negative controls). Nothing in the product sets one: only a test, in the JVM of an embedded
   * cluster, through {@link #breakFenceForNegativeControl}.
   */
  public enum Breakage {
    /** The fence as designed. */
    NONE,
    /** Ack without waiting for the writes that passed the fence check before it went up. */
    ACK_BEFORE_DRAIN,
    /** Ack as flushed without the fixing flush, so the SKIPFLUSH table snapshots miss the memstore. */
    SKIPFLUSH_WITHOUT_FLUSH
  }

  private static volatile Breakage breakage = Breakage.NONE;

  /** For negative-control tests only (see {@link Breakage}); {@code NONE} restores the fence. */
  public static void breakFenceForNegativeControl(Breakage b) {
    breakage = Objects.requireNonNull(b, "breakage");
    if (b != Breakage.NONE) {
      LOG.warn("the fence of this JVM's RegionServers is broken on purpose ({}): a negative control", b);
    }
  }

  private static final class ActiveCut {
    final CutSpec spec;
    final long seenNanos;
    final Set<RegionFence> regions = new LinkedHashSet<>();
    LocalPhase phase = LocalPhase.ARMING;
    ScheduledFuture<?> lease;
    long drainMs;
    long flushMs;
    volatile boolean flushed;
    long fencedAtNanos;

    ActiveCut(CutSpec spec, long seenNanos) {
      this.spec = spec;
      this.seenNanos = seenNanos;
    }

    String id() {
      return spec.cutId();
    }
  }

  private final String server;
  /** Distinguishes two participants of one server loaded by different class loaders. */
  private final String ackName;
  private final CutProtocol protocol;
  private final ScheduledExecutorService events;
  private final ExecutorService flushPool;
  private final ZkSession zk;
  private final long leaseMaxMs;
  private final Watcher watcher = e -> scheduleRefresh(0);
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final Object lock = new Object();
  // guarded by lock
  private final Map<String, RegionFence> regions = new HashMap<>();
  private final Map<String, ActiveCut> cuts = new HashMap<>();
  private int refs;
  // event thread only
  private final Set<String> ignored = new HashSet<>();
  private volatile boolean closed;

  private FenceParticipant(String server, Configuration conf) throws IOException {
    this.server = server;
    this.ackName = CutProtocol.nodeName(server) + "~" + UUID.randomUUID().toString().substring(0, 8);
    ServerConf sc = new ServerConf(conf, "hbase-site.xml");
    this.protocol = cutProtocol(sc, FenceKeys.CUT_ROOT, FenceKeys.CUT_ROOT_DEFAULT);
    this.events = Executors.newSingleThreadScheduledExecutor(daemon("tandem-fence-" + server));
    int flushThreads = sc.intAtLeast(FenceKeys.FLUSH_THREADS, FenceKeys.FLUSH_THREADS_DEFAULT, 1);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(flushThreads, flushThreads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemon("tandem-fence-flush-" + server));
    pool.allowCoreThreadTimeOut(true); // threads exist only around a cut
    this.flushPool = pool;
    String quorum = sc.trimmed(FenceKeys.ZK_QUORUM, "");
    if (quorum.isEmpty()) {
      quorum = ZKConfig.getZKQuorumServersString(conf);
    }
    this.leaseMaxMs = sc.durationMs(FenceKeys.LEASE_MAX_MS, FenceKeys.LEASE_MAX_MS_DEFAULT, 1);
    this.zk = new ZkSession("Tandem fence", quorum,
        sc.timeoutMs(FenceKeys.ZK_SESSION_TIMEOUT_MS, FenceKeys.ZK_SESSION_TIMEOUT_MS_DEFAULT), sc.zkAcl(),
        () -> scheduleRefresh(0));
    LOG.info("Tandem fence participant for {} watching {} on ZooKeeper {}", server, protocol.root(), quorum);
    scheduleRefresh(0);
  }

  /** The cut protocol under the configured root; the default root when it is empty or refused. */
  static CutProtocol cutProtocol(ServerConf sc, String key, String def) {
    String root = sc.trimmed(key, def);
    try {
      return new CutProtocol(root);
    } catch (RuntimeException e) {
      sc.refuse(key, root, "is not a usable znode path (" + e.getMessage() + ")", def,
          "write an absolute znode path equal to tandem-site's " + key);
      return new CutProtocol(def);
    }
  }

  /**
   * The participant of {@code server}, created on first use. Every call must be matched by one
   * {@link #release()}.
   */
  static FenceParticipant acquire(ServerName server, Configuration conf) throws IOException {
    synchronized (BY_SERVER) {
      FenceParticipant p = BY_SERVER.get(server.toString());
      if (p == null) {
        p = new FenceParticipant(server.toString(), conf);
        BY_SERVER.put(server.toString(), p);
      }
      p.refs++;
      return p;
    }
  }

  /** Drops one reference; the last one closes the participant. */
  void release() {
    synchronized (BY_SERVER) {
      if (--refs == 0) {
        BY_SERVER.remove(server, this);
        close();
      }
    }
  }

  /** The participant currently serving {@code serverName} ({@code host,port,startcode}), if any. */
  public static Optional<FenceParticipant> forServer(String serverName) {
    return Optional.ofNullable(BY_SERVER.get(serverName));
  }

  /** Ids of the cuts this participant currently holds anything for. */
  public Set<String> activeCuts() {
    synchronized (lock) {
      return Set.copyOf(cuts.keySet());
    }
  }

  // ---------------------------------------------------------------- region hooks (any thread)

  /** A region of this server started; fenced at once if a cut covering it is arming. */
  void regionOpened(RegionFence fence) {
    List<ActiveCut> toAbort = new ArrayList<>();
    List<ActiveCut> toReack = new ArrayList<>();
    synchronized (lock) {
      regions.put(fence.encodedName(), fence);
      for (ActiveCut c : cuts.values()) {
        if (!c.spec.coversTable(fence.table())) {
          continue;
        }
        if (c.phase == LocalPhase.RELEASED) {
          toAbort.add(c);
        } else {
          fence.addFencing(c.id());
          c.regions.add(fence);
          if (c.phase == LocalPhase.ACKED) {
            toReack.add(c);
          }
        }
      }
    }
    for (ActiveCut c : toReack) {
      events.execute(() -> writeAck(c));
    }
    for (ActiveCut c : toAbort) {
      events.execute(() -> abort(c, fence + " opened on " + server
          + " after the cut was released: its files may hold writes made after the cut"));
    }
  }

  /** A region is about to close; if a released cut still holds it, the cut cannot stay consistent. */
  void regionClosing(RegionFence fence) {
    List<ActiveCut> toAbort = new ArrayList<>();
    synchronized (lock) {
      for (ActiveCut c : cuts.values()) {
        if (c.phase == LocalPhase.RELEASED && c.regions.contains(fence)) {
          toAbort.add(c);
        }
      }
    }
    for (ActiveCut c : toAbort) {
      events.execute(() -> abort(c, fence + " closed on " + server
          + " while the cut held its flushes: the close flushed writes made after the cut"));
    }
  }

  void regionClosed(RegionFence fence) {
    synchronized (lock) {
      regions.remove(fence.encodedName(), fence);
      for (ActiveCut c : cuts.values()) {
        c.regions.remove(fence);
      }
    }
  }

  // ---------------------------------------------------------------- event thread

  private void scheduleRefresh(long delayMs) {
    if (closed) {
      return;
    }
    if (delayMs > 0) {
      events.schedule(() -> scheduleRefresh(0), delayMs, TimeUnit.MILLISECONDS);
    } else if (refreshQueued.compareAndSet(false, true)) {
      try {
        events.execute(this::refresh);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        refreshQueued.set(false);
      }
    }
  }

  /** Reads all cuts and their phases (setting watches again) and acts on what changed. */
  private void refresh() {
    refreshQueued.set(false);
    if (closed) {
      return;
    }
    long deadline = System.nanoTime() + ZK_CALL_NANOS;
    try {
      List<String> ids = zk.children(protocol.root(), watcher, deadline);
      Set<String> present = new HashSet<>(ids);
      for (ActiveCut c : activeCutList()) {
        if (!present.contains(c.id())) {
          finish(c, "cut node deleted");
        }
      }
      ignored.retainAll(present);
      for (String id : ids) {
        if (!ignored.contains(id)) {
          refreshCut(id, deadline);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Tandem fence {}: could not read cuts from ZooKeeper ({}); retrying", server, e.toString());
      scheduleRefresh(1000);
    }
  }

  private void refreshCut(String id, long deadline) throws IOException {
    ActiveCut c;
    synchronized (lock) {
      c = cuts.get(id);
    }
    String path;
    try {
      path = protocol.cutPath(id);
    } catch (IllegalArgumentException e) {
      ignored.add(id);
      return;
    }
    List<String> children = zk.children(path, watcher, deadline);
    CutProtocol.Phase phase = CutProtocol.phaseOf(children);
    if (c != null) {
      if (phase == CutProtocol.Phase.DONE) {
        finish(c, null);
      } else if (phase == CutProtocol.Phase.RELEASED && c.phase != LocalPhase.RELEASED) {
        releaseWrites(c);
      }
      return;
    }
    if (phase == CutProtocol.Phase.DONE) {
      ignored.add(id);
      return;
    }
    byte[] data = zk.data(path, deadline);
    if (data == null) {
      return;
    }
    CutSpec spec;
    try {
      spec = CutSpec.decode(data);
    } catch (IllegalArgumentException e) {
      LOG.warn("Tandem fence {}: ignoring cut {}: {}", server, id, e.getMessage());
      ignored.add(id);
      return;
    }
    long now = System.currentTimeMillis();
    if (spec.staleAt(now)) {
      LOG.info("Tandem fence {}: ignoring stale cut {} (published at {}, lease {} ms)", server, id,
          spec.createdAtMs(), spec.leaseMs());
      ignored.add(id);
      return;
    }
    if (phase == CutProtocol.Phase.ARMING && now > spec.armDeadlineMs()) {
      LOG.info("Tandem fence {}: cut {} is past its arm deadline; not fencing", server, id);
      ignored.add(id);
      return;
    }
    if (spec.leaseMs() > leaseMaxMs) {
      // Refused before anything is held: written to the cut's aborted dir so the controller
      // names this server and the limit, instead of timing out.
      ignored.add(id);
      ActiveCut refused = new ActiveCut(spec, System.nanoTime());
      abort(refused, "lease of " + spec.leaseMs() + " ms is above " + FenceKeys.LEASE_MAX_MS + " = " + leaseMaxMs
          + " ms on " + server + "; lower " + TandemKeys.FENCE_LEASE_MS.name() + " or raise " + FenceKeys.LEASE_MAX_MS + " in hbase-site");
      return;
    }
    ActiveCut cut = new ActiveCut(spec, System.nanoTime());
    boolean hostsRegions;
    synchronized (lock) {
      cuts.put(id, cut);
      hostsRegions = regions.values().stream().anyMatch(r -> spec.coversTable(r.table()));
    }
    cut.lease = events.schedule(() -> leaseExpired(cut), spec.leaseMs(), TimeUnit.MILLISECONDS);
    if (phase == CutProtocol.Phase.ARMING) {
      arm(cut);
    } else {
      cut.phase = LocalPhase.RELEASED;
      if (hostsRegions) {
        abort(cut, "first saw the cut after it was released while hosting regions of its tables that "
            + server + " never fenced for it");
      }
    }
  }

  private void arm(ActiveCut cut) {
    CutSpec spec = cut.spec;
    List<RegionFence> mine;
    synchronized (lock) {
      for (RegionFence r : regions.values()) {
        if (spec.coversTable(r.table())) {
          r.addFencing(cut.id());
          cut.regions.add(r);
        }
      }
      mine = new ArrayList<>(cut.regions);
      cut.fencedAtNanos = System.nanoTime();
    }
    long now = System.nanoTime();
    long deadline = Math.min(cut.seenNanos + TimeUnit.MILLISECONDS.toNanos(spec.leaseMs()),
        now + TimeUnit.MILLISECONDS.toNanos(Math.max(0, spec.armDeadlineMs() - System.currentTimeMillis())));
    Breakage broken = breakage;
    for (RegionFence r : mine) {
      if (broken != Breakage.ACK_BEFORE_DRAIN && !r.awaitDrained(deadline)) {
        abort(cut, r + " still had " + r.inFlight() + " write operations in flight at the arm deadline");
        return;
      }
    }
    long drained = System.nanoTime();
    if (broken == Breakage.SKIPFLUSH_WITHOUT_FLUSH) {
      cut.drainMs = TimeUnit.NANOSECONDS.toMillis(drained - now);
      cut.flushed = true;
      if (writeAck(cut)) {
        cut.phase = LocalPhase.ACKED;
      }
      return;
    }
    // Flush every fenced region in parallel; ack as soon as each flush has snapshotted its
    // memstore (milliseconds), not when the files are written (the slow part): writes may flow
    // again from then on, the flushes will still write exactly the cut.
    List<RegionFence.FixPointFlush> trackers = new ArrayList<>();
    List<CompletableFuture<Boolean>> flushes = new ArrayList<>();
    for (RegionFence r : mine) {
      RegionFence.FixPointFlush tracker = new RegionFence.FixPointFlush();
      trackers.add(tracker);
      flushes.add(CompletableFuture.supplyAsync(() -> flushFenced(r, tracker, deadline), flushPool));
    }
    for (int i = 0; i < mine.size(); i++) {
      CompletableFuture<Boolean> f = flushes.get(i);
      try {
        while (!trackers.get(i).awaitSnapshotTaken(TimeUnit.MILLISECONDS.toNanos(5)) && !f.isDone()) {
          if (System.nanoTime() - deadline > 0) {
            abort(cut, "flush of " + mine.get(i) + " did not snapshot its memstore by the arm deadline");
            return;
          }
        }
        if (f.isDone() && !f.join()) {
          synchronized (lock) {
            cut.regions.remove(mine.get(i));
          }
        }
      } catch (CompletionException e) {
        abort(cut, "flush of " + mine.get(i) + " failed: " + e.getCause());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    cut.drainMs = TimeUnit.NANOSECONDS.toMillis(drained - now);
    cut.flushMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drained);
    if (!writeAck(cut)) {
      return;
    }
    cut.phase = LocalPhase.ACKED;
    CompletableFuture.allOf(flushes.toArray(new CompletableFuture<?>[0])).whenComplete((ok, err) -> {
      try {
        events.execute(() -> {
          if (err != null) {
            abort(cut, "a fixing flush failed after its memstore snapshot: " + err.getCause());
          } else {
            cut.flushMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drained);
            cut.flushed = true;
            writeAck(cut);
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // participant closed meanwhile
      }
    });
  }

  /**
   * Flushes all stores of a fenced, drained region. A flush already running makes HBase return
   * CANNOT_FLUSH at once (what came after that flush's snapshot is still in the memstore), so it
   * waits for it and flushes again; the region is fenced meanwhile, so nothing new arrives.
   *
   * @return false if the region is closing (it leaves this server; its next host fences it)
   * @throws CompletionException wrapping the IOException of a failed flush
   */
  private static boolean flushFenced(RegionFence fence, RegionFence.FixPointFlush tracker, long deadlineNanos) {
    try {
      if (!(fence.region() instanceof HRegion)) {
        throw new IOException(fence + " is not an HRegion; cannot flush it");
      }
      HRegion region = (HRegion) fence.region();
      List<byte[]> families = new ArrayList<>(region.getTableDescriptor().getColumnFamilyNames());
      while (true) {
        if (region.isClosing() || region.isClosed()) {
          tracker.markSnapshotTaken();
          return false;
        }
        HRegion.FlushResult r = region.flushcache(families, false, tracker);
        if (r.isFlushSucceeded() || r.getResult() == HRegion.FlushResult.Result.CANNOT_FLUSH_MEMSTORE_EMPTY) {
          tracker.markSnapshotTaken();
          return true;
        }
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (leftMs <= 0) {
          throw new IOException(fence + " could not be flushed by the arm deadline: " + r);
        }
        region.waitForFlushes(leftMs);
      }
    } catch (IOException e) {
      throw new CompletionException(e);
    }
  }

  /** @return true if the ack is in ZooKeeper */
  private boolean writeAck(ActiveCut cut) {
    List<String> names = new ArrayList<>();
    synchronized (lock) {
      if (cuts.get(cut.id()) != cut) {
        return false;
      }
      for (RegionFence r : cut.regions) {
        names.add(r.encodedName());
      }
    }
    long armToAck = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut.seenNanos);
    ArmAck ack = new ArmAck(server, names, armToAck, cut.drainMs, cut.flushMs, cut.flushed);
    try {
      if (!zk.put(protocol.armedDir(cut.id()), protocol.armedDir(cut.id()) + "/" + ackName, ack.encode(),
          System.nanoTime() + ZK_CALL_NANOS)) {
        finish(cut, "cut node deleted");
        return false;
      }
      LOG.info("Tandem fence {}: cut {} {} {} regions {} ms after seeing it, {} ms after it was published"
          + " (drain {} ms, flush {} ms)", server, cut.id(), cut.flushed ? "flushed" : "armed", names.size(), armToAck,
          System.currentTimeMillis() - cut.spec.createdAtMs(), cut.drainMs, cut.flushMs);
      return true;
    } catch (IOException e) {
      abort(cut, "could not write the arm ack: " + e.getMessage());
      return false;
    }
  }

  private void releaseWrites(ActiveCut cut) {
    long fencedMs;
    synchronized (lock) {
      cut.phase = LocalPhase.RELEASED;
      for (RegionFence r : cut.regions) {
        r.releaseToHolding(cut.id());
      }
      fencedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut.fencedAtNanos);
    }
    LOG.info("Tandem fence {}: cut {} released writes after {} ms; holding flushes of {} regions", server,
        cut.id(), fencedMs, cut.regions.size());
  }

  private void leaseExpired(ActiveCut cut) {
    boolean holdsAnything;
    synchronized (lock) {
      if (cuts.get(cut.id()) != cut) {
        return;
      }
      holdsAnything = !cut.regions.isEmpty();
    }
    if (holdsAnything) {
      abort(cut, "lease of " + cut.spec.leaseMs() + " ms expired before the cut was done"
          + " (controller gone or too slow); fence and flush hold dropped");
    } else {
      finish(cut, "lease expired");
    }
  }

  /** Drops everything the cut holds here first (writes resume at once), then records why. */
  private void abort(ActiveCut cut, String reason) {
    finish(cut, reason);
    LOG.warn("Tandem fence {}: aborting cut {}: {}", server, cut.id(), reason);
    try {
      CutAbort note = new CutAbort(server, reason, System.currentTimeMillis());
      zk.put(protocol.abortedDir(cut.id()), protocol.abortedDir(cut.id()) + "/" + ackName, note.encode(),
          System.nanoTime() + ZK_CALL_NANOS);
    } catch (IOException e) {
      LOG.error("Tandem fence {}: could not record the abort of cut {} in ZooKeeper: {}", server, cut.id(),
          e.getMessage());
    }
  }

  private void finish(ActiveCut cut, String why) {
    synchronized (lock) {
      if (cuts.get(cut.id()) != cut) {
        return;
      }
      cuts.remove(cut.id());
      for (RegionFence r : cut.regions) {
        r.drop(cut.id());
      }
    }
    if (cut.lease != null) {
      cut.lease.cancel(false);
    }
    ignored.add(cut.id());
    LOG.debug("Tandem fence {}: cut {} finished{}", server, cut.id(), why == null ? "" : " (" + why + ")");
  }

  private List<ActiveCut> activeCutList() {
    synchronized (lock) {
      return new ArrayList<>(cuts.values());
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (lock) {
      for (ActiveCut c : cuts.values()) {
        for (RegionFence r : c.regions) {
          r.drop(c.id());
        }
      }
      cuts.clear();
    }
    events.shutdownNow();
    flushPool.shutdownNow();
    zk.close();
    LOG.info("Tandem fence participant for {} closed", server);
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
