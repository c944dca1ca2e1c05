package io.tandem.controller.cut;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.security.ZkAcls;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.zk.ZkAcl;

/**
 * The primary's HBase balancer, split and merge switches, turned off while cuts run and given
 * back afterwards, also when the process that turned them off died.
 *
 * <p>Invariant: while any switch is off because of Tandem, the primary's ZooKeeper holds a
 * persistent record ({@link #path()}) with the switches' state from before the first holder
 * turned them off, and one ephemeral child per holder (a cut) still running. The record is
 * written before any switch changes and deleted only after the original state is back. So a
 * holder killed with {@code kill -9} leaves a record whose children go with its ZooKeeper
 * session, and whoever next calls {@link #hold} or {@link #recover} gives the switches back.
 *
 * <p>Holders compose: two controllers (or a controller and the CLI) cutting different services
 * on the same primary at once share the record. The first holder records the original state and
 * turns the switches off, later holders only add their child, the last holder to leave restores
 * the original state. Every read-modify-write runs under a Curator {@link InterProcessMutex}
 * ({@code <path>-lock}) in the same ZooKeeper.
 *
 * <p>Thread-safe; it neither owns the ZooKeeper client nor the cluster connection.
 */
public final class ClusterSwitches {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterSwitches.class);
  private static final long LOCK_WAIT_MS = 60_000;
  private static final String FORMAT = "1";

  /** The three switches. */
  public record State(boolean balancer, boolean split, boolean merge) {
    /** All three on: what a cluster normally runs with. */
    public static final State ALL_ON = new State(true, true, true);

    /** Reads them from the cluster. */
    public static State of(Admin admin) throws IOException {
      return new State(admin.isBalancerEnabled(), admin.isSplitEnabled(), admin.isMergeEnabled());
    }

    @Override
    public String toString() {
      return "balancer=" + onOff(balancer) + " split=" + onOff(split) + " merge=" + onOff(merge);
    }

    private static String onOff(boolean b) {
      return b ? "on" : "off";
    }
  }

  /**
   * What the record holds.
   *
   * @param original the switches before the first holder turned them off
   * @param holders  every holder that joined and has not left (dead ones included)
   * @param since    when the first holder turned them off
   */
  public record Record(State original, Set<String> holders, Instant since) {
    byte[] encode() {
      Properties p = new Properties();
      p.setProperty("format", FORMAT);
      p.setProperty("balancer", Boolean.toString(original.balancer()));
      p.setProperty("split", Boolean.toString(original.split()));
      p.setProperty("merge", Boolean.toString(original.merge()));
      p.setProperty("holders", String.join(",", holders));
      p.setProperty("since", since.toString());
      StringWriter w = new StringWriter();
      try {
        p.store(w, null);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Record decode(byte[] data, String what) {
      Properties p = new Properties();
      try {
        p.load(new ByteArrayInputStream(data == null ? new byte[0] : data));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException(what + ": unreadable: " + e.getMessage(), e);
      }
      if (!FORMAT.equals(p.getProperty("format"))) {
        throw new IllegalArgumentException(what + ": format " + p.getProperty("format") + " is not " + FORMAT);
      }
      Set<String> holders = new TreeSet<>();
      for (String h : p.getProperty("holders", "").split(",")) {
        if (!h.isBlank()) {
          holders.add(h.trim());
        }
      }
      return new Record(new State(Boolean.parseBoolean(p.getProperty("balancer")),
          Boolean.parseBoolean(p.getProperty("split")), Boolean.parseBoolean(p.getProperty("merge"))),
          holders, Instant.parse(p.getProperty("since", Instant.EPOCH.toString())));
    }
  }

  /**
   * What {@link #recover} gave back.
   *
   * @param restored the original state now set again
   * @param holders  the holders that died holding the switches off
   * @param since    when they were turned off
   */
  public record Recovered(State restored, Set<String> holders, Instant since) {
  }

  private final ClusterConnection primary;
  private final CuratorFramework zk;
  private final String path;
  private final String lockPath;

  /**
   * @param primary the cluster whose switches these are
   * @param zk      a started client of that cluster's ZooKeeper; its session is what keeps a
   *                holder's child alive
   * @param path    the record's znode, e.g. {@code /tandem/switches} (see {@link #pathFor})
   */
  public ClusterSwitches(ClusterConnection primary, CuratorFramework zk, String path) {
    this.primary = Objects.requireNonNull(primary, "primary");
    this.zk = Objects.requireNonNull(zk, "zk");
    if (path == null || !path.startsWith("/") || path.length() < 2) {
      throw new IllegalArgumentException("switches path must be an absolute znode path: " + path);
    }
    this.path = path.replaceAll("/+$", "");
    this.lockPath = this.path + "-lock";
  }

  /** The record's znode beside the cut root: {@code /tandem/cuts} gives {@code /tandem/switches}. */
  public static String pathFor(String cutRoot) {
    return siblingOf(cutRoot, "switches");
  }

  public String path() {
    return path;
  }

  /**
   * Opens a short-lived client of the primary's ZooKeeper, runs {@link #recover} and closes it:
   * for callers without a client of their own (a new leader, the collector of leftovers).
   *
   * @param cutRoot          {@code tandem.cut.zk.root}
   * @param sessionTimeoutMs {@code tandem.zk.session.timeout.ms}
   */
  public static Optional<Recovered> recover(ClusterConnection primary, String cutRoot, int sessionTimeoutMs,
      ZkAcl acl) throws IOException {
    try (CuratorFramework zk = connect(primary, sessionTimeoutMs, acl, cutRoot)) {
      return new ClusterSwitches(primary, zk, pathFor(cutRoot)).recover();
    }
  }

  /**
   * A started client of the primary's ZooKeeper, presenting the controller's credentials and
   * creating nodes with {@link ZkAcl#cutKind} ACLs; blocks up to 15 s until connected. Once
   * connected, Tandem's nodes there (the cuts, the switches, the clock probe and their parent
   * when Tandem made it open) get those ACLs if they have others.
   *
   * @param cutRoot {@code tandem.cut.zk.root}
   */
  public static CuratorFramework connect(ClusterConnection primary, int sessionTimeoutMs, ZkAcl acl, String cutRoot)
      throws IOException {
    CutProtocol protocol = new CutProtocol(cutRoot);
    java.util.function.Function<String, ZkAcl.Kind> kinds = path -> ZkAcl.cutKind(protocol, path);
    CuratorFramework c = ZkAcls.apply(CuratorFrameworkFactory.builder(), acl, kinds)
        .connectString(primary.zkConnectString())
        .sessionTimeoutMs(sessionTimeoutMs)
        .connectionTimeoutMs(Math.min(10_000, sessionTimeoutMs))
        .retryPolicy(new ExponentialBackoffRetry(100, 5))
        .build();
    c.start();
    try {
      if (!c.blockUntilConnected(15, TimeUnit.SECONDS)) {
        c.close();
        throw new IOException("ZooKeeper " + primary.zkConnectString() + " of primary cluster " + primary.name()
            + " unreachable");
      }
      String parent = siblingOf(protocol.root(), "").replaceAll("/+$", "");
      if (!parent.isEmpty()) {
        ZkAcls.secureIfOpen(c, parent, acl, ZkAcl.Kind.OWNED);
      }
      for (String root : List.of(protocol.root(), pathFor(cutRoot), siblingOf(protocol.root(), "clock"))) {
        ZkAcls.secure(c, root, acl, kinds);
      }
    } catch (InterruptedException e) {
      c.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted connecting to ZooKeeper of " + primary, e);
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    } catch (Exception e) {
      c.close();
      throw new IOException("could not check the ACLs of Tandem's nodes in ZooKeeper " + primary.zkConnectString()
          + " of primary cluster " + primary.name() + ": " + e, e);
    }
    return c;
  }

  /** The node {@code name} beside the cut root, e.g. /tandem/clock for /tandem/cuts. */
  public static String siblingOf(String cutRoot, String name) {
    String root = cutRoot.replaceAll("/+$", "");
    int slash = root.lastIndexOf('/');
    return (slash <= 0 ? "" : root.substring(0, slash)) + "/" + name;
  }

  /** Held switches; {@link #close} leaves (the last holder restores the original state). */
  public final class Hold implements AutoCloseable {
    private final String holder;
    private boolean left;

    private Hold(String holder) {
      this.holder = holder;
    }

    public String holder() {
      return holder;
    }

    /**
     * Leaves; if this was the last live holder, restores the original state and deletes the
     * record. Blocks for the lock (at most 60 s) and HBase's switch RPCs.
     *
     * @throws IOException if ZooKeeper or HBase could not be reached: the record stays, and the
     *         switches come back at the next {@link #hold} or {@link #recover} once this
     *         client's session has ended
     */
    @Override
    public synchronized void close() throws IOException {
      if (left) {
        return;
      }
      left = true;
      leave(holder);
    }
  }

  /**
   * Turns the switches off for {@code holder} (a cut id), first recording their state if no one
   * else holds them, and first giving back what dead holders left. Blocks for the lock (at most
   * 60 s) and HBase's switch RPCs.
   *
   * @throws IOException if ZooKeeper or HBase could not be reached, or {@code holder} already holds
   */
  public Hold hold(String holder) throws IOException {
    CutProtocol.checkId(holder, "holder");
    return locked("hold the switches for " + holder, () -> {
      recoverLocked();
      String child = path + "/" + holder;
      Stat stat = new Stat();
      Record rec = read(stat);
      try (Admin admin = primary.hbase().getAdmin()) {
        if (rec == null) {
          State original = State.of(admin);
          Record fresh = new Record(original, new TreeSet<>(Set.of(holder)), Instant.now());
          zk.transaction().forOperations(
              zk.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(path, fresh.encode()),
              zk.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(child));
          LOG.info("switches of {}: recorded {} in {}, turning them off for {}", primary.name(), original, path,
              holder);
        } else {
          Set<String> holders = new TreeSet<>(live());
          holders.add(holder);
          Record joined = new Record(rec.original(), holders, rec.since());
          try {
            zk.transaction().forOperations(
                zk.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, joined.encode()),
                zk.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(child));
          } catch (KeeperException.NodeExistsException e) {
            throw new IOException(holder + " already holds the switches of primary cluster " + primary.name());
          }
          LOG.info("switches of {}: {} joins {} (original {})", primary.name(), holder, holders, rec.original());
        }
        // Off even when someone holds them already: an admin may have turned one on meanwhile.
        admin.balancerSwitch(false, true);
        admin.splitSwitch(false, true);
        admin.mergeSwitch(false, true);
      }
      return new Hold(holder);
    });
  }

  /**
   * Removes a holder known dead (its cut was found interrupted) at once, instead of waiting for its
   * ZooKeeper session to expire; gives back the original state if it was the last. Idempotent.
   */
  public void abandon(String holder) throws IOException {
    if (record().isPresent()) {
      leave(holder);
    }
  }

  private void leave(String holder) throws IOException {
    locked("give back the switches held for " + holder, () -> {
      zk.delete().quietly().forPath(path + "/" + holder);
      Stat stat = new Stat();
      Record rec = read(stat);
      if (rec == null) {
        LOG.warn("switches of {}: {} left but the record {} is gone (its session expired and someone restored"
            + " them)", primary.name(), holder, path);
        return null;
      }
      List<String> live = live();
      if (live.isEmpty()) {
        restore(rec.original());
        zk.delete().guaranteed().deletingChildrenIfNeeded().forPath(path);
        LOG.info("switches of {}: {} was the last holder, restored {}", primary.name(), holder, rec.original());
      } else {
        Set<String> rest = new TreeSet<>(live);
        zk.setData().withVersion(stat.getVersion()).forPath(path,
            new Record(rec.original(), rest, rec.since()).encode());
        LOG.info("switches of {}: {} left, still held by {}", primary.name(), holder, rest);
      }
      return null;
    });
  }

  /**
   * Gives back the original state if the record has no live holder (they died), then deletes the
   * record; does nothing when there is no record or a holder is alive. Logs at WARN what it
   * restored and from which cuts. Blocks for the lock (at most 60 s).
   */
  public Optional<Recovered> recover() throws IOException {
    return Optional.ofNullable(locked("recover the switches", this::recoverLocked));
  }

  /** Whether a record exists (switches are off because of Tandem, or a dead holder left them off). */
  public Optional<Record> record() throws IOException {
    try {
      return Optional.ofNullable(read(new Stat()));
    } catch (Exception e) {
      throw new IOException("could not read " + path + " in ZooKeeper of " + primary.name() + ": " + e, e);
    }
  }

  /** Holders whose sessions are alive. */
  public List<String> live() throws IOException {
    try {
      return new ArrayList<>(zk.getChildren().forPath(path));
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw new IOException("could not list holders in " + path + " on " + primary.name() + ": " + e, e);
    }
  }

  private Recovered recoverLocked() throws Exception {
    Record rec = read(new Stat());
    if (rec == null || !live().isEmpty()) {
      return null;
    }
    restore(rec.original());
    zk.delete().guaranteed().deletingChildrenIfNeeded().forPath(path);
    LOG.warn("switches of primary cluster {}: restored the original state ({}) that cut(s) {} left off since {}"
        + " (their controller died before giving them back)", primary.name(), rec.original(), rec.holders(),
        rec.since());
    return new Recovered(rec.original(), new LinkedHashSet<>(rec.holders()), rec.since());
  }

  /** Turns back on what was on; what was off stays off (it was never Tandem's to turn on). */
  private void restore(State original) throws IOException {
    try (Admin admin = primary.hbase().getAdmin()) {
      if (original.merge()) {
        admin.mergeSwitch(true, false);
      }
      if (original.split()) {
        admin.splitSwitch(true, false);
      }
      if (original.balancer()) {
        admin.balancerSwitch(true, false);
      }
    }
  }

  private Record read(Stat stat) throws Exception {
    try {
      return Record.decode(zk.getData().storingStatIn(stat).forPath(path), "switch record " + path);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
  }

  @FunctionalInterface
  private interface Locked<T> {
    T run() throws Exception;
  }

  private <T> T locked(String what, Locked<T> body) throws IOException {
    InterProcessMutex mutex = new InterProcessMutex(zk, lockPath);
    try {
      if (!mutex.acquire(LOCK_WAIT_MS, TimeUnit.MILLISECONDS)) {
        throw new IOException("could not " + what + " on primary cluster " + primary.name() + ": " + lockPath
            + " stayed locked for " + LOCK_WAIT_MS + " ms");
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("could not " + what + " on primary cluster " + primary.name() + ": " + e, e);
    }
    try {
      return body.run();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("could not " + what + " on primary cluster " + primary.name() + ": " + e, e);
    } finally {
      try {
        mutex.release();
      } catch (Exception e) {
        LOG.warn("could not release {}: {} (it goes with the ZooKeeper session)", lockPath, e.toString());
      }
    }
  }

}
