package io.tandem.hdfs;

import java.io.Closeable;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.hadoop.conf.Configuration;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
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

/**
 * The NameNode's identity guard: it follows the identity record and the protected data sets in the
 * controller's ZooKeeper, and tells {@link TandemAttributeProvider}'s enforcer whether this cluster
 * may take application writes to protected directories.
 *
 * <p>Invariants:
 * <ul>
 *   <li>whenever its session to the controller's ZooKeeper is not connected, {@link #view()}
 *       refuses (the client sees a partition within 2/3 of the session timeout, before the server
 *       expires the session);</li>
 *   <li>its ephemeral member node is rewritten after every view it publishes, with that view's
 *       epoch and whether it allows writes.</li>
 * </ul>
 * Until its first read it refuses nothing: it cannot name the protected directories, and refusing
 * every path would refuse HBase's own files.
 *
 * <p>One per NameNode, owned by the provider. ZooKeeper is reached with the plain client. Reads,
 * watches and acks run on one event thread; the enforcer, which runs under the namesystem lock,
 * only reads a volatile field.
 */
public final class IdentityGuard implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityGuard.class);
  private static final AtomicBoolean WARNED_OFF = new AtomicBoolean();
  private static final long RETRY_MS = 1000;

  private final String server;
  private final String cluster;
  private final String member;
  private final IdentityLayout layout;
  private final String quorum;
  private final int sessionTimeoutMs;
  private final Set<String> bypassUsers;
  private final GuardState state;
  private final ScheduledExecutorService events;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private volatile Session session;
  private volatile boolean closed;
  // event thread only
  private long memberSessionId;
  /** The last view logged; a lost connection logs its own line and records its view here. */
  private volatile GuardView logged;

  /**
   * Starts following the record (the session opens in the background; nothing here blocks on ZooKeeper).
   *
   * @param name how this NameNode is named in logs and in its member node
   * @return null when the guard is off ({@code tandem.guard.zk.quorum} unset)
   * @throws IllegalArgumentException if the guard's configuration is invalid
   */
  static IdentityGuard start(String name, Configuration conf) {
    String quorum = conf.getTrimmed(GuardKeys.ZK_QUORUM.name(), "");
    if (quorum.isEmpty()) {
      if (WARNED_OFF.compareAndSet(false, true)) {
        LOG.warn("Tandem identity guard is off: {} is not set, so this NameNode refuses no writes whatever its"
            + " cluster's identity", GuardKeys.ZK_QUORUM.name());
      }
      return null;
    }
    return new IdentityGuard(name, conf, quorum);
  }

  private IdentityGuard(String server, Configuration conf, String quorum) {
    this.server = server;
    this.quorum = quorum;
    this.cluster = conf.getTrimmed(GuardKeys.CLUSTER_NAME.name(), GuardKeys.CLUSTER_NAME.defaultValue());
    this.layout = new IdentityLayout(new io.tandem.core.config.ServerConf(conf, "hdfs-site.xml")
        .trimmed(GuardKeys.ZK_ROOT.name(), GuardKeys.ZK_ROOT.defaultValue()));
    this.sessionTimeoutMs = new io.tandem.core.config.ServerConf(conf, "hdfs-site.xml").timeoutMs(
        GuardKeys.SESSION_TIMEOUT_MS.name(), Integer.parseInt(GuardKeys.SESSION_TIMEOUT_MS.defaultValue()));
    this.bypassUsers = GuardKeys.parseUsers(conf.get(GuardKeys.BYPASS_USERS.name(), ""));
    // The suffix tells apart two NameNodes of one host and process (mini clusters).
    this.member = server + "~" + UUID.randomUUID().toString().substring(0, 8);
    this.state = new GuardState(GuardView.unknown(cluster, false));
    this.events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tandem-guard-" + server);
      t.setDaemon(true);
      return t;
    });
    if (cluster.isEmpty()) {
      LOG.error("Tandem identity guard on {}: {} is not set, so this cluster is never primary; once an identity"
          + " record exists it refuses application writes to protected directories", server,
          GuardKeys.CLUSTER_NAME.name());
    }
    LOG.info("Tandem identity guard on {} (cluster {}) follows {} on ZooKeeper {} as member {}; bypass users {}",
        server, cluster, layout.identity(), quorum, member, bypassUsers);
    events.execute(this::connect);
  }

  // ---------------------------------------------------------------- the write path (any thread)

  /** The view in force: one volatile read. */
  GuardView view() {
    return state.view();
  }

  boolean bypasses(String shortUserName) {
    return shortUserName != null && bypassUsers.contains(shortUserName);
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
          + " directories until it reconnects (was {})", server, how, quorum, before.describe());
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
      fresh.zk = new ZooKeeper(quorum, sessionTimeoutMs, fresh);
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
    logChange(now);
    writeAck(now);
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
      LOG.info("Tandem identity guard on {} (cluster {}): {}; application writes to protected directories are allowed",
          server, cluster, now.describe());
    } else {
      LOG.warn("Tandem identity guard on {} (cluster {}): {}; application writes to protected directories are refused",
          server, cluster, now.describe());
    }
    logged = now;
  }

  /**
   * Writes the ack of {@code view}, now in force. The enforcer checks and the namespace change
   * it guards happen under one hold of the namesystem write lock, so an operation that passed
   * under the previous view can outlast this ack by at most the rest of that hold.
   */
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
      if (!(e instanceof KeeperException.ConnectionLossException || e instanceof KeeperException.SessionExpiredException)) {
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
        zk.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
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

  private static void createParents(ZooKeeper zk, String path) throws KeeperException, InterruptedException {
    int i = 0;
    while ((i = path.indexOf('/', i + 1)) > 0) {
      try {
        zk.create(path.substring(0, i), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
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

  /** The name of the cluster this guard guards. */
  String cluster() {
    return cluster;
  }
}
