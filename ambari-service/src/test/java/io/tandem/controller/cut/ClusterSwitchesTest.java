package io.tandem.controller.cut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryOneTime;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.cut.CutProtocol;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The cut's balancer/split/merge switches on the real primary: a holder that dies leaves them
 * off only until the next recovery or cut, which restores exactly what was there before; holders
 * that overlap keep them off until the last one leaves.
 */
@ExtendWith(TwoClusters.class)
class ClusterSwitchesTest {
  /** Small, so a dead holder's ephemeral node would go quickly; the tests below never wait for it. */
  private static final int SESSION_MS = 6000;
  private static final String PATH = ClusterSwitches.pathFor(CutProtocol.DEFAULT_ROOT);
  private static ClusterConnection primary;
  private static TableName table;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    primary = CutTestSupport.connect("primary", c.primary());
    table = CutTestSupport.createTable(c.primary(), "cst_orders", "m");
  }

  @AfterEach
  void allOnAgain() throws Exception {
    try (CuratorFramework zk = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT)) {
      zk.delete().quietly().deletingChildrenIfNeeded().forPath(PATH);
    }
    set(ClusterSwitches.State.ALL_ON);
  }

  @AfterAll
  static void tearDown() throws IOException {
    primary.close();
  }

  @Test
  void sessionTimeoutComesFromTheSharedKey() {
    Configuration conf = new Configuration(false);
    conf.set(TandemKeys.ZK_SESSION_TIMEOUT_MS.name(), Integer.toString(SESSION_MS));
    assertEquals(SESSION_MS, FencedCutTaker.Settings.from(conf).zkSessionTimeoutMs());
    assertEquals(Integer.parseInt(TandemKeys.ZK_SESSION_TIMEOUT_MS.defaultValue()),
        FencedCutTaker.Settings.defaults().zkSessionTimeoutMs());
  }

  @Test
  void deadHolderLeavesTheSwitchesOffUntilRecoverRestoresThem() throws Exception {
    ClusterSwitches.State original = ClusterSwitches.State.ALL_ON;
    set(original);
    dieHolding("cst-dead-1");

    assertEquals(new ClusterSwitches.State(false, false, false), now(), "the dead holder left them off");
    try (CuratorFramework zk = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT)) {
      ClusterSwitches switches = new ClusterSwitches(primary, zk, PATH);
      ClusterSwitches.Record rec = switches.record().orElseThrow(() -> new AssertionError("no record left"));
      assertEquals(original, rec.original());
      assertEquals(Set.of("cst-dead-1"), rec.holders());
      assertEquals(List.of(), switches.live(), "its ephemeral child went with its session");

      Optional<ClusterSwitches.Recovered> r = switches.recover();
      assertTrue(r.isPresent(), "recover() found the dead holder's record");
      assertEquals(original, r.get().restored());
      assertEquals(Set.of("cst-dead-1"), r.get().holders());
      assertEquals(original, now());
      assertFalse(switches.record().isPresent(), "record deleted");
      assertFalse(switches.recover().isPresent(), "nothing left to recover");
    }
  }

  /**
   * A holder whose process dies as with {@code kill -9}: no session close ever reaches ZooKeeper
   * (its connection goes through a proxy that stops passing bytes), so its ephemeral child stays
   * until the session times out ({@value #SESSION_MS} ms here); until then nobody may restore.
   */
  @Test
  void holderWhoseSessionExpiresIsRecoveredOnlyAfterTheTimeout() throws Exception {
    ClusterSwitches.State original = ClusterSwitches.State.ALL_ON;
    set(original);
    String zkAddress = primary.zkConnectString().split(",")[0];
    try (FreezingProxy proxy = new FreezingProxy(zkAddress);
        CuratorFramework observer = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT)) {
      CuratorFramework doomed = ControllerFixture.primaryZkClient("127.0.0.1:" + proxy.port(), SESSION_MS, 3000,
          new RetryOneTime(100));
      doomed.start();
      assertTrue(doomed.blockUntilConnected(15, TimeUnit.SECONDS));
      new ClusterSwitches(primary, doomed, PATH).hold("cst-expired");
      long frozenAt = System.nanoTime();
      proxy.freeze();

      ClusterSwitches switches = new ClusterSwitches(primary, observer, PATH);
      assertEquals(List.of("cst-expired"), switches.live(), "its session outlives its last heartbeat");
      assertFalse(switches.recover().isPresent(), "a holder whose session lives is not recovered from");
      assertEquals(new ClusterSwitches.State(false, false, false), now());

      ControllerFixture.await("the frozen holder's session to expire", Duration.ofSeconds(60),
          () -> CutTestSupport.quietly(() -> switches.live().isEmpty()));
      long expiredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt);
      assertTrue(expiredMs >= SESSION_MS / 2, "the child went with the session, not before: " + expiredMs + " ms");
      Optional<ClusterSwitches.Recovered> r = switches.recover();
      assertTrue(r.isPresent());
      assertEquals(Set.of("cst-expired"), r.get().holders());
      assertEquals(original, now());
      System.out.println("a frozen holder's switches were recoverable " + expiredMs + " ms after its last byte");
      doomed.close();
    }
  }

  /** An admin who had the balancer off keeps it off; the next cut (not recover()) gives back the rest. */
  @Test
  void nextCutRestoresExactlyTheOriginalStateIncludingAnOffBalancer() throws Exception {
    ClusterSwitches.State original = new ClusterSwitches.State(false, true, true);
    set(original);
    dieHolding("cst-dead-2");
    assertEquals(new ClusterSwitches.State(false, false, false), now());

    CutPlan plan = CutTestSupport.plan("cst-take-1", List.of(table.getNameAsString()), List.of());
    FencedCutTaker.Settings s = ControllerFixture.cutSettings().withZkSessionTimeoutMs(SESSION_MS);
    try (FencedCutTaker taker = new FencedCutTaker(primary, null, s)) {
      assertTrue(taker.take(plan).consistent());
    }
    // Had the cut not recovered first, it would have recorded split and merge as off and left them so.
    assertEquals(original, now(), "split and merge back on, the admin's balancer still off");
    try (CuratorFramework zk = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT)) {
      assertFalse(new ClusterSwitches(primary, zk, PATH).record().isPresent(), "record deleted");
    }
    deleteSnapshots(plan);
  }

  @Test
  void overlappingHoldersKeepTheSwitchesOffUntilTheLastLeaves() throws Exception {
    ClusterSwitches.State original = new ClusterSwitches.State(true, true, false);
    set(original);
    ClusterSwitches.State off = new ClusterSwitches.State(false, false, false);
    try (CuratorFramework a = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT);
        CuratorFramework b = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT)) {
      ClusterSwitches first = new ClusterSwitches(primary, a, PATH);
      ClusterSwitches second = new ClusterSwitches(primary, b, PATH);
      ClusterSwitches.Hold holdA = first.hold("cst-a");
      assertEquals(off, now());
      ClusterSwitches.Hold holdB = second.hold("cst-b");
      assertEquals(original, second.record().orElseThrow().original(), "the second holder keeps the first's original");
      assertEquals(Set.of("cst-a", "cst-b"), second.record().orElseThrow().holders());

      holdA.close();
      assertEquals(off, now(), "one holder left, one still holds");
      assertFalse(first.recover().isPresent(), "a live holder is not recovered from");
      assertEquals(off, now());

      // A whole cut by a third controller runs inside B's hold and leaves them off for B.
      CutPlan plan = CutTestSupport.plan("cst-take-2", List.of(table.getNameAsString()), List.of());
      try (FencedCutTaker taker = new FencedCutTaker(primary, null,
          ControllerFixture.cutSettings().withZkSessionTimeoutMs(SESSION_MS))) {
        assertTrue(taker.take(plan).consistent());
      }
      assertEquals(off, now(), "the cut was not the last holder");
      assertEquals(Set.of("cst-b"), second.record().orElseThrow().holders());
      deleteSnapshots(plan);

      holdB.close();
      assertEquals(original, now(), "the last holder restored the first holder's original state");
      assertFalse(second.record().isPresent());
    }
  }

  /**
   * A TCP proxy to one ZooKeeper server that can stop passing bytes in both directions while
   * keeping its sockets open, as a killed process's host does until ZooKeeper gives up on it.
   */
  private static final class FreezingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String host;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean frozen;

    FreezingProxy(String target) throws IOException {
      int colon = target.lastIndexOf(':');
      this.host = target.substring(0, colon);
      this.targetPort = Integer.parseInt(target.substring(colon + 1));
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::accept, "zk-freezing-proxy");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    void freeze() {
      frozen = true;
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket in = server.accept();
          Socket out = new Socket(host, targetPort);
          sockets.add(in);
          sockets.add(out);
          pump(in, out);
          pump(out, in);
        } catch (IOException e) {
          return;
        }
      }
    }

    private void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[8192];
        try (InputStream src = from.getInputStream(); OutputStream dst = to.getOutputStream()) {
          int n;
          while ((n = src.read(buf)) >= 0) {
            if (!frozen) {
              dst.write(buf, 0, n);
              dst.flush();
            }
          }
        } catch (IOException e) {
          // a side closed
        }
      }, "zk-freezing-proxy-pump");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  /** A holder whose process dies: its client's session ends without it leaving. */
  private static void dieHolding(String holder) throws Exception {
    CuratorFramework doomed = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT);
    new ClusterSwitches(primary, doomed, PATH).hold(holder);
    doomed.close();
  }

  private static ClusterSwitches.State now() throws IOException {
    try (Admin admin = primary.hbase().getAdmin()) {
      return ClusterSwitches.State.of(admin);
    }
  }

  private static void set(ClusterSwitches.State s) throws IOException {
    try (Admin admin = primary.hbase().getAdmin()) {
      admin.balancerSwitch(s.balancer(), true);
      admin.splitSwitch(s.split(), true);
      admin.mergeSwitch(s.merge(), true);
    }
    assertEquals(s, now());
  }

  private static void deleteSnapshots(CutPlan plan) throws IOException {
    try (Admin admin = primary.hbase().getAdmin()) {
      for (String snap : plan.tableSnapshots().values()) {
        admin.deleteSnapshot(snap);
      }
    }
  }
}
