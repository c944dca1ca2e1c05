package io.tandem.hbase;

import java.io.Closeable;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.ServerName;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.core.identity.GuardKeys;
import io.tandem.core.identity.GuardState;
import io.tandem.core.identity.GuardView;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.identity.ProtectedSets;
import io.tandem.core.zk.ZkAcl;

/**
 * One RegionServer's identity guard: it follows the identity record and the protected data sets in
 * the controller's ZooKeeper, and tells {@link TandemGuardObserver} whether this cluster may take
 * application writes to protected tables.
 *
 * <p>Invariants:
 * <ul>
 *   <li>whenever its session to the controller's ZooKeeper is not connected, {@link #view()}
 *       refuses (the client sees a partition within 2/3 of the session timeout, before the server
 *       expires the session);</li>
 *   <li>its ephemeral member node says {@code allowsWrites=false} for an epoch only once no write
 *       let in under an earlier, allowing view is still on its way into a region (drained), so the
 *       controller may promote the other cluster as soon as it reads that ack.</li>
 * </ul>
 *
 * <p>One per RegionServer ({@link ServerName}), shared by the observers of its regions and closed
 * with the last of them; a mini cluster's RegionServers in one JVM each get their own. ZooKeeper
 * is reached with the plain client (the RegionServer's Curator version varies between
 * deployments). Reads, watches and acks run on one event thread; the write path only reads a
 * volatile field, plus one atomic counter for writes to protected tables on the primary.
 */
public final class IdentityGuard implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityGuard.class);
  private static final ConcurrentMap<String, IdentityGuard> BY_SERVER = new ConcurrentHashMap<>();
  private static final AtomicBoolean WARNED_OFF = new AtomicBoolean();
  private static final long RETRY_MS = 1000;
  /** Which guard, if any, the current handler thread counted a batch (slot 0) or bulk load (1) against. */
  private static final ThreadLocal<IdentityGuard[]> ENTERED = ThreadLocal.withInitial(() -> new IdentityGuard[2]);
  static final int BATCH = 0;
  static final int BULK_LOAD = 1;

  private final String server;
  private final String cluster;
  private final String member;
  private final IdentityLayout layout;
  private final String quorum;
  private final io.tandem.core.zk.ZkAcl acl;
  private final int sessionTimeoutMs;
  private final Set<String> bypassUsers;
  private final GuardState state;
  private final ScheduledExecutorService events;
  private final AtomicLong inflight = new AtomicLong();
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final CountDownLatch firstRead = new CountDownLatch(1);
  private final long firstReadDeadlineNanos;
  private volatile Session session;
  private volatile boolean closed;
  // event thread only
  private long memberSessionId;
  /** The last view logged; a lost connection logs its own line and records its view here. */
  private volatile GuardView logged;
  // guarded by BY_SERVER
  private int refs;

  private IdentityGuard(String server, Configuration conf, String quorum) {
    this.server = server;
    this.quorum = quorum;
    this.cluster = conf.getTrimmed(GuardKeys.CLUSTER_NAME.name(), GuardKeys.CLUSTER_NAME.defaultValue());
    this.layout = new IdentityLayout(new io.tandem.core.config.ServerConf(conf, "hbase-site.xml")
        .trimmed(GuardKeys.ZK_ROOT.name(), GuardKeys.ZK_ROOT.defaultValue()));
    this.acl = new io.tandem.core.config.ServerConf(conf, "hbase-site.xml").zkAcl();
    this.sessionTimeoutMs = new io.tandem.core.config.ServerConf(conf, "hbase-site.xml").timeoutMs(
        GuardKeys.SESSION_TIMEOUT_MS.name(), Integer.parseInt(GuardKeys.SESSION_TIMEOUT_MS.defaultValue()));
    this.bypassUsers = GuardKeys.parseUsers(conf.get(GuardKeys.BYPASS_USERS.name(), ""));
    // The suffix tells apart two guards of one server loaded by different class loaders.
    this.member = "regionserver-" + server + "~" + UUID.randomUUID().toString().substring(0, 8);
    this.state = new GuardState(GuardView.unknown(cluster, true));
    this.firstReadDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs);
    this.events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-guard-" + server);
      t.setDaemon(true);
      return t;
    });
    if (cluster.isEmpty()) {
      LOG.error("Tandem identity guard on {}: {} is not set, so this cluster is never primary; once an identity"
          + " record exists it refuses application writes to protected tables", server, GuardKeys.CLUSTER_NAME.name());
    }
    LOG.info("Tandem identity guard on {} (cluster {}) follows {} on ZooKeeper {} as member {}; bypass users {}",
        server, cluster, layout.identity(), quorum, member, bypassUsers);
    events.execute(this::connect);
  }

  /**
   * The guard of {@code server}, created on first use; every non-null result must be matched by
   * one {@link #release()}. Blocks, at most until one session timeout after the guard was created,
   * until it has read the record once, so a region does not serve writes before its server knows
   * its identity (until then the guard refuses every write to the user tables it guards).
   *
   * @return null when the guard is off ({@code tandem.guard.zk.quorum} unset)
   * @throws IllegalArgumentException if the guard's configuration is invalid
   */
  static IdentityGuard acquire(ServerName server, Configuration conf) {
    String quorum = conf.getTrimmed(GuardKeys.ZK_QUORUM.name(), "");
    if (quorum.isEmpty()) {
      if (WARNED_OFF.compareAndSet(false, true)) {
        LOG.warn("Tandem identity guard is off: {} is not set, so this cluster refuses no writes whatever its identity",
            GuardKeys.ZK_QUORUM.name());
      }
      return null;
    }
    IdentityGuard g;
    synchronized (BY_SERVER) {
      g = BY_SERVER.get(server.toString());
      if (g == null) {
        g = new IdentityGuard(server.toString(), conf, quorum);
        BY_SERVER.put(server.toString(), g);
      }
      g.refs++;
    }
    g.awaitFirstRead();
    return g;
  }

  private void awaitFirstRead() {
    long left = firstReadDeadlineNanos - System.nanoTime();
    try {
      if (left > 0 && !firstRead.await(left, TimeUnit.NANOSECONDS)) {
        LOG.warn("Tandem identity guard on {} has not read its identity from {} within {} ms; it refuses application"
            + " writes to this server's tables until it does", server, quorum, sessionTimeoutMs);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Drops one reference; the last one closes the guard (and removes its member node). */
  void release() {
    synchronized (BY_SERVER) {
      if (--refs > 0) {
        return;
      }
      BY_SERVER.remove(server, this);
    }
    // Outside the lock: closing the session waits on ZooKeeper, and other servers' regions may be opening.
    close();
  }

  // ---------------------------------------------------------------- the write path (any thread)

  /** The view in force: one volatile read. */
  GuardView view() {
    return state.view();
  }

  /** The refusal of a write to {@code table} before this guard's first read. */
  String notReadYet(String table) {
    return "Tandem guard has not read the identity record yet (RegionServer " + server + ", cluster "
        + (cluster.isEmpty() ? "(unnamed)" : cluster) + ", controller's ZooKeeper " + quorum
        + " not reached since start): writes to " + table + " are refused until it has";
  }

  boolean bypasses(String shortUserName) {
    return shortUserName != null && bypassUsers.contains(shortUserName);
  }

  /**
   * Counts a write to a protected table that {@code seen} allows, so a later demotion waits for it
   * before acking. Must be matched by {@link #exitIfEntered(int)} on the same thread.
   *
   * @return null if the write may go on (it is counted), else the refusing view now in force (not counted)
   */
  GuardView enter(GuardView seen, int slot) {
    IdentityGuard[] entered = ENTERED.get();
    if (entered[slot] == this) {
      return null; // nested on this thread: the outer write is counted already
    }
    inflight.incrementAndGet();
    // Read again after counting: a demotion publishes its view, then waits for the count to drain;
    // one of the two sides sees the other.
    GuardView now = state.view();
    if (now == seen || now.allowsProtectedWrites()) {
      entered[slot] = this;
      return null;
    }
    inflight.decrementAndGet();
    return now;
  }

  /** Ends a write counted by {@link #enter} on this thread, if there is one. */
  void exitIfEntered(int slot) {
    if (inflight.get() == 0) {
      return; // this thread cannot have counted anything here
    }
    IdentityGuard[] entered = ENTERED.get();
    if (entered[slot] == this) {
      entered[slot] = null;
      inflight.decrementAndGet();
    }
  }

  // ---------------------------------------------------------------- ZooKeeper (event thread)

  /** One ZooKeeper session; events of a replaced session are ignored. */
  private final class Session implements Watcher {
    volatile ZooKeeper zk;

    @Override
    public void process(WatchedEvent event) {
      if (closed || session != this) {
        return;
      }
      if (event.getType() != Event.EventType.None) {
        scheduleRefresh();
        return;
      }
      switch (event.getState()) {
        case SyncConnected:
        case ConnectedReadOnly:
          ZooKeeper z = zk;
          if (z != null) {
            LOG.info("Tandem identity guard on {} connected to {} (session 0x{}, timeout {} ms); reading its identity",
                server, quorum, Long.toHexString(z.getSessionId()), z.getSessionTimeout());
          }
          scheduleRefresh();
          break;
        case Disconnected:
          lost("disconnected from");
          break;
        case Expired:
          lost("session expired on");
          submit(IdentityGuard.this::connect);
          break;
        case AuthFailed:
          LOG.error("Tandem identity guard on {}: authentication to ZooKeeper {} failed", server, quorum);
          break;
        default:
          break;
      }
    }
  }

  /** Runs on ZooKeeper's event thread: refuse at once, no I/O. */
  private void lost(String how) {
    GuardView before = state.view();
    GuardView now = state.connectionLost();
    logged = now;
    if (before != now) {
      LOG.warn("Tandem identity guard on {} {} the controller's ZooKeeper {}: refusing application writes to protected"
          + " tables until it reconnects (was {})", server, how, quorum, before.describe());
    }
  }

  private void connect() {
    if (closed) {
      return;
    }
    Session old = session;
    Session fresh = new Session();
    session = fresh;
    memberSessionId = 0;
    if (old != null && old.zk != null) {
      closeQuietly(old.zk);
    }
    try {
      ZooKeeper opened = new ZooKeeper(quorum, sessionTimeoutMs, fresh);
      acl.authenticate(opened);
      fresh.zk = opened;
      // A SyncConnected that came before zk was assigned found nothing to read with; read now.
      scheduleRefresh();
    } catch (Exception e) {
      LOG.error("Tandem identity guard on {}: cannot open a ZooKeeper session to {}; retrying", server, quorum, e);
      schedule(this::connect, RETRY_MS);
    }
  }

  private void scheduleRefresh() {
    if (refreshQueued.compareAndSet(false, true)) {
      if (!submit(this::refresh)) {
        refreshQueued.set(false);
      }
    }
  }

  private void refresh() {
    refreshQueued.set(false);
    Session s = session;
    ZooKeeper zk = s == null ? null : s.zk;
    if (closed || zk == null || !zk.getState().isConnected()) {
      return; // the next SyncConnected brings us back
    }
    long generation = state.generation();
    GuardView read;
    try {
      byte[] rec = readWatched(zk, layout.identity());
      byte[] sets = readWatched(zk, layout.protectedSets());
      read = decode(rec, sets);
    } catch (KeeperException e) {
      LOG.warn("Tandem identity guard on {}: could not read {} ({}); retrying", server, layout.identity(), e.toString());
      schedule(this::scheduleRefresh, RETRY_MS);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    GuardView now = state.apply(generation, read);
    if (now == null) {
      return; // the connection dropped meanwhile; the reconnect reads again
    }
    firstRead.countDown();
    logChange(now);
    ackWhenDrained(now, System.nanoTime(), false);
  }

  private GuardView decode(byte[] rec, byte[] sets) {
    ProtectedSets protectedSets;
    try {
      protectedSets = ProtectedSets.decode(sets);
    } catch (IllegalArgumentException e) {
      // Not knowing what to protect, keep protecting what we knew.
      protectedSets = state.view().sets();
      LOG.error("Tandem identity guard on {}: {} is unreadable ({}); keeping the previous protected sets", server,
          layout.protectedSets(), e.getMessage());
    }
    if (rec == null) {
      return GuardView.read(cluster, null, protectedSets);
    }
    try {
      return GuardView.read(cluster, IdentityRecord.decode(rec), protectedSets);
    } catch (IllegalArgumentException e) {
      LOG.error("Tandem identity guard on {}: the identity record {} is unreadable ({}); refusing", server,
          layout.identity(), e.getMessage());
      return GuardView.unreadable(cluster, e.getMessage(), protectedSets);
    }
  }

  /** Data of {@code path} with a watch on it, or null (and an existence watch) if it does not exist. */
  private static byte[] readWatched(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    while (true) {
      try {
        return zk.getData(path, true, null);
      } catch (KeeperException.NoNodeException e) {
        if (zk.exists(path, true) == null) {
          return null;
        }
        // created between the two calls: read it
      }
    }
  }

  private void logChange(GuardView now) {
    if (now.sameAs(logged)) {
      return;
    }
    if (now.allowsProtectedWrites()) {
      LOG.info("Tandem identity guard on {} (cluster {}): {}; application writes to protected tables are allowed",
          server, cluster, now.describe());
    } else {
      LOG.warn("Tandem identity guard on {} (cluster {}): {}; application writes to protected tables are refused",
          server, cluster, now.describe());
    }
    logged = now;
  }

  /**
   * Writes the ack of {@code view} once it is in force: at once if it allows writes, else once the
   * writes let in under earlier views have left (checked every millisecond; a newer view takes over).
   */
  private void ackWhenDrained(GuardView view, long since, boolean warned) {
    if (closed || state.view() != view) {
      return;
    }
    if (!view.allowsProtectedWrites() && inflight.get() > 0) {
      long waitedMs = (System.nanoTime() - since) / 1_000_000;
      boolean warn = !warned && waitedMs >= 1000;
      if (warn) {
        LOG.warn("Tandem identity guard on {}: {} writes admitted before the change are still in flight after {} ms;"
            + " its ack waits for them", server, inflight.get(), waitedMs);
      }
      schedule(() -> ackWhenDrained(view, since, warned || warn), 1);
      return;
    }
    writeAck(view);
  }

  private void writeAck(GuardView view) {
    Session s = session;
    ZooKeeper zk = s == null ? null : s.zk;
    if (zk == null) {
      return;
    }
    byte[] data = view.ack(member, Instant.now()).encode();
    String path = layout.member(cluster, member);
    try {
      long sid = zk.getSessionId();
      if (memberSessionId != sid) {
        createMember(zk, path, data, sid);
        memberSessionId = sid;
      } else {
        try {
          zk.setData(path, data, -1);
        } catch (KeeperException.NoNodeException e) {
          createMember(zk, path, data, sid);
        }
      }
    } catch (KeeperException e) {
      if (e instanceof KeeperException.NoAuthException) {
        LOG.warn("Tandem identity guard on {}: ZooKeeper refused its ack {} ({}): the controller makes {} when it"
            + " starts, and this server's " + ZkAcl.AUTH_KEY + " in hbase-site must be credentials of an id in "
            + ZkAcl.PARTICIPANT_IDS_KEY + "; retrying", server, path, e.getMessage(), layout.membersRoot());
        schedule(this::scheduleRefresh, RETRY_MS);
      } else if (!(e instanceof KeeperException.ConnectionLossException || e instanceof KeeperException.SessionExpiredException)) {
        LOG.warn("Tandem identity guard on {}: could not write its ack {} ({}); retrying", server, path, e.toString());
        schedule(this::scheduleRefresh, RETRY_MS);
      }
      // connection trouble: the reconnect reads again and acks again
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void createMember(ZooKeeper zk, String path, byte[] data, long sid)
      throws KeeperException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        zk.create(path, data, acl.acl(io.tandem.core.zk.ZkAcl.Kind.SHARED), CreateMode.EPHEMERAL);
        return;
      } catch (KeeperException.NoNodeException e) {
        if (attempt > 2) {
          throw e;
        }
        createParents(zk, path);
      } catch (KeeperException.NodeExistsException e) {
        Stat st = zk.exists(path, false);
        if (st != null && st.getEphemeralOwner() == sid) {
          zk.setData(path, data, -1);
          return;
        }
        if (st != null) {
          // Left by an earlier session of ours that the server has not expired yet.
          try {
            zk.delete(path, -1);
          } catch (KeeperException.NoNodeException gone) {
            // expired meanwhile
          }
        }
      }
    }
  }

  private void createParents(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    int i = 0;
    while ((i = path.indexOf('/', i + 1)) > 0) {
      String parent = path.substring(0, i);
      if (zk.exists(parent, false) != null) {
        // ZooKeeper checks the right to create before whether the node exists: ask first.
        continue;
      }
      try {
        zk.create(parent, new byte[0], acl.acl(io.tandem.core.zk.ZkAcl.identityKind(layout, parent)),
            CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException e) {
        // there already
      }
    }
  }

  private boolean submit(Runnable r) {
    try {
      events.execute(r);
      return true;
    } catch (RejectedExecutionException e) {
      return false; // closed
    }
  }

  private void schedule(Runnable r, long delayMs) {
    try {
      events.schedule(r, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private static void closeQuietly(ZooKeeper zk) {
    try {
      zk.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.debug("ignoring failure closing ZooKeeper", e);
    }
  }

  /** Closes the session (its member node goes with it). Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    events.shutdownNow();
    Session s = session;
    if (s != null && s.zk != null) {
      closeQuietly(s.zk);
    }
    LOG.info("Tandem identity guard on {} closed", server);
  }

  /** This guard's member name under {@code members/<cluster>}. */
  String member() {
    return member;
  }
}
