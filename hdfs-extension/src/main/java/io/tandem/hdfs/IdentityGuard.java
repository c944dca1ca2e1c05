package io.tandem.hdfs;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
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
 * <ul>
 *   <li>until its first read since the NameNode started it refuses application writes to the
 *       directories it protected when it last read them (kept in its state file, see
 *       {@link HdfsCutKeys#GUARD_STATE_DIR}), with "Tandem guard has not read the identity record
 *       yet ..."; it cannot refuse every path, which would refuse HBase's and every other service's
 *       own files. A NameNode whose guard never read the protected sets (no state file) refuses
 *       nothing until its first read, and says so at ERROR;</li>
 *   <li>when a view that allowed writes gives way to one that refuses (a demotion), or the session
 *       stays lost for a third of its timeout (by when the server may have expired it, and the
 *       controller counts this guard as off), the writes of files open under protected
 *       directories are ended ({@link OpenWrites}: their leases are recovered, so the writers'
 *       next block, flush or close fails) before the refusing view is acked.</li>
 * </ul>
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
  private final io.tandem.core.zk.ZkAcl acl;
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
  /** Set once the first read since start is in force. */
  private volatile boolean readOnce;
  private final Path stateFile;
  private volatile OpenWrites openWrites;
  /**
   * Writes may be open that no refusal has ended yet (event thread). True at start: streams opened
   * before a restart of this NameNode keep their leases.
   */
  private boolean allowedSinceLastEnd = true;
  private final AtomicBoolean warnedNoPlugin = new AtomicBoolean();
  /** The protected sets last written to the state file (event thread). */
  private ProtectedSets remembered;

  /**
   * Ends the writes of files open under directories: the NameNode plugin, which holds the
   * NameNode, supplies it ({@link #endOpenWritesWith}).
   */
  interface OpenWrites {
    /**
     * Ends every write open under {@code dirs} and blocks until those files are closed or
     * {@code deadlineNanos} passes.
     *
     * @return a one-line summary for the log
     */
    String endUnder(Collection<String> dirs, long deadlineNanos);
  }

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
    this.acl = new io.tandem.core.config.ServerConf(conf, "hdfs-site.xml").zkAcl();
    this.sessionTimeoutMs = new io.tandem.core.config.ServerConf(conf, "hdfs-site.xml").timeoutMs(
        GuardKeys.SESSION_TIMEOUT_MS.name(), Integer.parseInt(GuardKeys.SESSION_TIMEOUT_MS.defaultValue()));
    this.bypassUsers = GuardKeys.parseUsers(conf.get(GuardKeys.BYPASS_USERS.name(), ""));
    // The suffix tells apart two NameNodes of one host and process (mini clusters).
    this.member = server + "~" + UUID.randomUUID().toString().substring(0, 8);
    this.stateFile = stateFile(conf);
    ProtectedSets remembered = readState(stateFile);
    // Before the first read: refuse what was protected when last read (a cluster that may since have
    // been demoted must not take writes it can no longer see are refused).
    this.state = new GuardState(remembered.dirs().isEmpty() ? GuardView.unknown(cluster, false)
        : GuardView.read(cluster, null, remembered).disconnected());
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
    if (remembered.dirs().isEmpty()) {
      LOG.warn("Tandem identity guard on {}: no protected directories remembered in {}; until it first reads the"
          + " controller's ZooKeeper {} it refuses nothing", server, stateFile, quorum);
    } else {
      LOG.warn("Tandem identity guard on {}: until it reads the identity record it refuses application writes to the"
          + " directories it last protected: {}", server, new TreeSet<>(remembered.dirs()));
    }
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

  /** Whether the view in force comes from a read since the NameNode started. */
  boolean hasRead() {
    return readOnce;
  }

  /** The refusal of a write to {@code path} before the first read. */
  String notReadYet(String path) {
    return "Tandem guard has not read the identity record yet (NameNode " + server + ", cluster "
        + (cluster.isEmpty() ? "(unnamed)" : cluster) + ", controller's ZooKeeper " + quorum
        + " not reached since start): writes to " + path + " are refused until it has";
  }

  /** Hands the guard what ends open writes on demotion (called once by the NameNode plugin). */
  void endOpenWritesWith(OpenWrites w) {
    this.openWrites = w;
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
    if (before.allowsProtectedWrites()) {
      long lostGeneration = state.generation();
      schedule(() -> {
        if (state.generation() == lostGeneration && !state.view().allowsProtectedWrites()) {
          endOpenWrites(state.view(), "its session to the controller's ZooKeeper was lost " + sessionTimeoutMs / 3
              + " ms ago");
        }
      }, sessionTimeoutMs / 3);
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
    readOnce = true;
    logChange(now);
    if (now.allowsProtectedWrites()) {
      allowedSinceLastEnd = true;
    } else {
      endOpenWrites(now, "it now refuses: " + now.describe());
    }
    remember(now.sets());
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

  /**
   * Ends the writes open under the protected directories of {@code view}, once per period of
   * allowing: only a guard that let writes in can have streams of them still open.
   */
  private void endOpenWrites(GuardView view, String why) {
    if (!allowedSinceLastEnd || view.sets().dirs().isEmpty()) {
      return;
    }
    OpenWrites w = openWrites;
    if (w == null) {
      if (!warnedNoPlugin.compareAndSet(false, true)) {
        return;
      }
      LOG.warn("Tandem identity guard on {}: {}; files open for write under {} are NOT ended (dfs.namenode.plugins lacks"
          + " io.tandem.hdfs.TandemNameNodePlugin): their writers keep writing until they close", server, why,
          view.sets().dirs());
      return;
    }
    allowedSinceLastEnd = false;
    try {
      String done = w.endUnder(view.sets().dirs(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_WAIT_MS));
      LOG.warn("Tandem identity guard on {}: {}; ended writes open under {}: {}", server, why,
          new TreeSet<>(view.sets().dirs()), done);
    } catch (RuntimeException e) {
      LOG.error("Tandem identity guard on {}: could not end the writes open under {}", server, view.sets().dirs(), e);
    }
  }

  /** How long a demotion waits for the files whose leases it recovered to be closed, before it acks anyway. */
  static final long END_WAIT_MS = 30_000;

  /** Where the guard keeps the protected sets it last read, for its next start. */
  static Path stateFile(Configuration conf) {
    String dir = conf.getTrimmed(GuardKeys.HDFS_STATE_DIR.name(), "");
    if (dir.isEmpty()) {
      String[] nameDirs = conf.getTrimmedStrings("dfs.namenode.name.dir");
      dir = nameDirs.length == 0 ? System.getProperty("java.io.tmpdir") : nameDirs[0];
    }
    if (dir.startsWith("file:")) {
      dir = URI.create(dir).getPath();
    }
    return Paths.get(dir, "tandem-guard-protected.properties");
  }

  private static ProtectedSets readState(Path file) {
    try {
      return Files.exists(file) ? ProtectedSets.decode(Files.readAllBytes(file))
          : ProtectedSets.EMPTY;
    } catch (IOException | RuntimeException e) {
      LOG.error("Tandem identity guard: cannot read its state file {} ({}); it remembers no protected directories",
          file, e.toString());
      return ProtectedSets.EMPTY;
    }
  }

  /** Keeps {@code sets} for the next start (event thread; only when they changed). */
  private void remember(ProtectedSets sets) {
    if (sets.equals(remembered)) {
      return;
    }
    try {
      Files.createDirectories(stateFile.getParent());
      Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
      Files.write(tmp, sets.encode());
      Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      remembered = sets;
    } catch (IOException | RuntimeException e) {
      LOG.error("Tandem identity guard on {}: cannot write its state file {} ({}); after a restart without the"
          + " controller's ZooKeeper it would not know what to refuse", server, stateFile, e.toString());
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
      if (e instanceof KeeperException.NoAuthException) {
        LOG.warn("Tandem identity guard on {}: ZooKeeper refused its ack {} ({}): the controller makes {} when it"
            + " starts, and this server's " + ZkAcl.AUTH_KEY + " in hdfs-site must be credentials of an id in "
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

  /** The name of the cluster this guard guards. */
  String cluster() {
    return cluster;
  }
}
