package io.tandem.controller.cut;

import static io.tandem.controller.cut.CutTestSupport.F;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.curator.framework.CuratorFramework;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HConstants;
import org.apache.hadoop.hbase.RegionTooBusyException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RetriesExhaustedException;
import org.apache.hadoop.hbase.client.SnapshotDescription;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.cut.ArmAck;
import io.tandem.core.cut.CutAbort;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.cut.CutSpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/** The fenced cut on the real primary: success, fence behaviour, lease, a dying controller. */
@ExtendWith(TwoClusters.class)
class FencedCutTakerTest {
  private static EmbeddedClusters clusters;
  private static ClusterConnection primary;
  private static ClusterConnection secondary;
  private static TableName table;
  private static final String DIR_A = "/fct/a";
  private static final String DIR_B = "/fct/b";
  private static final CutProtocol PROTOCOL = new CutProtocol(CutProtocol.DEFAULT_ROOT);

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    primary = CutTestSupport.connect("primary", c.primary());
    secondary = CutTestSupport.connect("secondary", c.secondary());
    table = CutTestSupport.createTable(c.primary(), "fct_orders", "m");
    primary.fs().mkdirs(new Path(DIR_A));
    primary.fs().mkdirs(new Path(DIR_B));
  }

  @AfterAll
  static void tearDown() throws IOException {
    primary.close();
    secondary.close();
  }

  private static FencedCutTaker taker(FencedCutTaker.Settings s, FencedCutTaker.Hooks hooks) {
    return new FencedCutTaker(primary, secondary, s,
        new ClockSkewProbe(System::currentTimeMillis, s.clockProbeDir()), hooks);
  }

  @Test
  void takesOneConsistentCutOfTablesAndDirectories() throws Exception {
    try (Table t = primary.hbase().getTable(table)) {
      t.put(new Put(Bytes.toBytes("a1")).addColumn(F, F, Bytes.toBytes("v")));
      t.put(new Put(Bytes.toBytes("z1")).addColumn(F, F, Bytes.toBytes("v")));
    }
    primary.fs().create(new Path(DIR_A, "f1")).close();
    CutPlan plan = CutTestSupport.plan("fct-ok", List.of(table.getNameAsString()), List.of(DIR_A, DIR_B));
    try (FencedCutTaker taker = taker(ControllerFixture.cutSettings(), FencedCutTaker.Hooks.NONE)) {
      CutResult r = taker.take(plan);
      assertTrue(r.consistent());
      assertEquals("fenced", r.method());
      assertTrue(r.fenceWindowMs() > 0 && r.fenceWindowMs() < r.snapshotMs(), r.toString());
      assertTrue(r.ackLatencyMs().containsKey("namenode"), r.ackLatencyMs().toString());
      assertTrue(r.ackLatencyMs().size() >= 2, "the RegionServers hosting the two regions acked: " + r.ackLatencyMs());
      System.out.println("fenced cut of 1 table (2 regions) + 2 dirs: " + r);
    }
    try (Admin admin = primary.hbase().getAdmin()) {
      Set<String> snaps = admin.listSnapshots().stream().map(SnapshotDescription::getName).collect(Collectors.toSet());
      assertTrue(snaps.contains("fct-ok-fct_orders"), snaps.toString());
    }
    DistributedFileSystem fs = primary.fs();
    assertTrue(fs.exists(new Path(DIR_A + "/.snapshot/fct-ok/f1")));
    assertTrue(fs.exists(new Path(DIR_B + "/.snapshot/fct-ok")));
    try (CuratorFramework zk = CutTestSupport.zk(primary)) {
      assertEquals(null, zk.checkExists().forPath(PROTOCOL.cutPath("fct-ok")), "the cut's znode is cleaned up");
    }
    try (Admin admin = primary.hbase().getAdmin()) {
      assertTrue(admin.isBalancerEnabled() || !clusters.primary().getConfiguration()
          .getBoolean("hbase.balancer.enabled", true), "balancer restored");
    }
  }

  /**
   * Plays a controller that publishes a cut and dies: the fence refuses writes while armed, drops by
   * itself when the lease runs out, and says so in ZooKeeper.
   */
  @Test
  void fenceRefusesWritesThenReleasesItselfWhenTheControllerDies() throws Exception {
    long leaseMs = 3000;
    String cutId = "fct-orphan";
    Configuration noRetry = new Configuration(primary.conf());
    noRetry.setInt(HConstants.HBASE_CLIENT_RETRIES_NUMBER, 1);
    try (CuratorFramework zk = CutTestSupport.zk(primary);
        Connection impatient = ConnectionFactory.createConnection(noRetry);
        Table fast = impatient.getTable(table);
        Table patient = primary.hbase().getTable(table)) {
      long now = System.currentTimeMillis();
      CutSpec spec = new CutSpec(cutId, List.of(table.getNameAsString()), Map.of(), leaseMs, now + 2000, now, 500);
      zk.create().creatingParentsIfNeeded().forPath(PROTOCOL.cutPath(cutId), spec.encode());
      long published = System.nanoTime();
      List<String> regions = regionsOf(table);
      CutTestSupport.await("every region of " + table + " acked", Duration.ofSeconds(10),
          () -> CutTestSupport.quietly(() -> ackedRegions(zk, cutId).containsAll(regions)));
      long ackedMs = (System.nanoTime() - published) / 1_000_000;

      IOException refused = assertThrows(IOException.class,
          () -> fast.put(new Put(Bytes.toBytes("b-refused")).addColumn(F, F, Bytes.toBytes("x"))));
      assertTrue(causeChainHas(refused, RegionTooBusyException.class), "refusal is retriable: " + refused);

      // The controller is gone: nobody writes released or done. A patient writer gets through once the lease ends.
      patient.put(new Put(Bytes.toBytes("b-after-lease")).addColumn(F, F, Bytes.toBytes("x")));
      long resumedMs = (System.nanoTime() - published) / 1_000_000;
      assertTrue(resumedMs >= leaseMs - 200, "writes resumed only after the lease: " + resumedMs + " ms");
      assertTrue(resumedMs < leaseMs + 3000, "writes resumed soon after the lease: " + resumedMs + " ms");

      CutTestSupport.await("an aborted note", Duration.ofSeconds(10),
          () -> CutTestSupport.quietly(() -> !zk.getChildren().forPath(PROTOCOL.abortedDir(cutId)).isEmpty()));
      String note = zk.getChildren().forPath(PROTOCOL.abortedDir(cutId)).get(0);
      CutAbort abort = CutAbort.decode(zk.getData().forPath(PROTOCOL.abortedDir(cutId) + "/" + note));
      assertTrue(abort.reason().contains("lease"), abort.reason());
      System.out.println("orphaned fence: acked after " + ackedMs + " ms, writes resumed after " + resumedMs
          + " ms with a " + leaseMs + " ms lease; " + abort);
      zk.delete().deletingChildrenIfNeeded().forPath(PROTOCOL.cutPath(cutId));
    }
  }

  /** A controller too slow to finish within the lease: the cut fails and leaves no snapshot. */
  @Test
  void cutThatOutlivesItsLeaseFailsAndLeavesNoSnapshot() throws Exception {
    FencedCutTaker.Settings s = ControllerFixture.cutSettings().withLeaseMs(3000);
    CutPlan plan = CutTestSupport.plan("fct-slow", List.of(table.getNameAsString()), List.of(DIR_A));
    FencedCutTaker.Hooks stall = new FencedCutTaker.Hooks() {
      @Override
      public void beforeVerify(String cutId) {
        try (CuratorFramework zk = CutTestSupport.zk(primary)) {
          CutTestSupport.await("a participant to give up at its lease", Duration.ofSeconds(15),
              () -> CutTestSupport.quietly(() -> !zk.getChildren().forPath(PROTOCOL.abortedDir(cutId)).isEmpty()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    try (FencedCutTaker taker = taker(s, stall)) {
      CutAbortedException e = assertThrows(CutAbortedException.class, () -> taker.take(plan));
      assertEquals(plan.cutId(), e.cutId());
      assertFalse(e.aborts().isEmpty(), e.getMessage());
      for (CutAbort a : e.aborts()) {
        assertTrue(a.reason().contains("lease of 3000 ms expired"), a.toString());
        assertTrue(e.getMessage().contains(a.participant() + ": " + a.reason()), e.getMessage());
      }
    }
    assertNoTrace(plan);
  }

  /**
   * A spec asking for a lease above the RegionServers' tandem.fence.lease.max.ms (default 120 s)
   * is refused before anything is held: whoever wrote it cannot freeze tables for long.
   */
  @Test
  void aLeaseAboveTheParticipantsMaximumIsRefused() throws Exception {
    FencedCutTaker.Settings s = ControllerFixture.cutSettings().withLeaseMs(121_000);
    CutPlan plan = CutTestSupport.plan("fct-longlease", List.of(table.getNameAsString()), List.of(DIR_A));
    try (FencedCutTaker taker = taker(s, FencedCutTaker.Hooks.NONE)) {
      CutAbortedException e = assertThrows(CutAbortedException.class, () -> taker.take(plan));
      assertEquals(plan.cutId(), e.cutId());
      assertFalse(e.aborts().isEmpty(), e.getMessage());
      for (CutAbort a : e.aborts()) {
        assertTrue(a.reason().contains("lease of 121000 ms is above tandem.fence.lease.max.ms"), a.toString());
      }
      assertTrue(e.getMessage().contains("on primary cluster " + primary.name()), e.getMessage());
    }
    assertNoTrace(plan);
  }

  @Test
  void regionMovedDuringTheCutFailsItCleanly() throws Exception {
    CutPlan plan = CutTestSupport.plan("fct-move", List.of(table.getNameAsString()), List.of(DIR_A));
    FencedCutTaker.Hooks move = new FencedCutTaker.Hooks() {
      @Override
      public void beforeVerify(String cutId) throws IOException {
        try (Admin admin = primary.hbase().getAdmin()) {
          RegionInfo r = admin.getRegions(table).get(0);
          admin.move(r.getEncodedNameAsBytes());
        }
      }
    };
    try (FencedCutTaker taker = taker(ControllerFixture.cutSettings(), move)) {
      IOException e = assertThrows(IOException.class, () -> taker.take(plan));
      assertTrue(e.getMessage().contains("moved") || e.getMessage().contains("aborted"), e.getMessage());
    }
    assertNoTrace(plan);
    // And the next cut, with the region settled on its new server, is consistent again.
    CutPlan again = CutTestSupport.plan("fct-move2", List.of(table.getNameAsString()), List.of(DIR_A));
    try (FencedCutTaker taker = taker(ControllerFixture.cutSettings(), FencedCutTaker.Hooks.NONE)) {
      assertTrue(taker.take(again).consistent());
    }
  }

  /**
   * The RegionServer hosting a fenced region dies after arming, while chain writers keep writing
   * to two tables and two directories; a new one joins. The cut must either complete consistently
   * (every writer's writes a prefix, every row whole) or fail cleanly; the cluster then serves and
   * cuts again.
   */
  @Test
  void regionServerDyingDuringTheCutNeverYieldsAnInconsistentCut() throws Exception {
    TableName t = CutTestSupport.createTable(clusters.primary(), "fct_crash", "m");
    TableName t2 = CutTestSupport.createTable(clusters.primary(), "fct_crash_b");
    String d1 = "/fct/crash/d1";
    String d2 = "/fct/crash/d2";
    primary.fs().mkdirs(new Path(d1));
    primary.fs().mkdirs(new Path(d2));
    org.apache.hadoop.hbase.MiniHBaseCluster hbase = clusters.primary().getMiniHBaseCluster();
    CutPlan plan = CutTestSupport.plan("fct-crash", List.of(t.getNameAsString(), t2.getNameAsString()),
        List.of(d1, d2));
    FencedCutTaker.Hooks crash = new FencedCutTaker.Hooks() {
      @Override
      public void afterArmed(String cutId) throws IOException {
        org.apache.hadoop.hbase.ServerName victim = hbase.getServerHoldingRegion(t,
            hbase.getRegions(t).get(0).getRegionInfo().getRegionName());
        int idx = hbase.getServerWith(hbase.getRegions(t).get(0).getRegionInfo().getRegionName());
        hbase.abortRegionServer(idx);
        hbase.waitOnRegionServer(idx);
        hbase.startRegionServer();
        System.out.println("aborted " + victim + " after the cut armed");
      }
    };
    boolean consistent;
    int before;
    List<String> violations;
    try (ChainWorkload w = new ChainWorkload(primary.hbase(), primary.fs(), t, t2, d1, d2, 2).start()) {
      CutTestSupport.await("chains to start", Duration.ofSeconds(30), () -> w.totalAcked() >= 12);
      before = w.totalAcked();
      try (FencedCutTaker taker = taker(ControllerFixture.cutSettings().withLeaseMs(60_000), crash)) {
        try {
          consistent = taker.take(plan).consistent();
        } catch (IOException e) {
          System.out.println("cut failed cleanly after a RegionServer died: " + e.getMessage());
          consistent = false;
        }
      }
      clusters.primary().waitUntilAllRegionsAssigned(t);
      CutTestSupport.await("two live RegionServers", Duration.ofSeconds(60),
          () -> hbase.getLiveRegionServerThreads().size() == 2);
      int after = w.totalAcked();
      CutTestSupport.await("chains to go on after the crash", Duration.ofSeconds(60),
          () -> w.totalAcked() >= after + 6);
      violations = consistent ? w.violations(new SnapshotCutView(primary.conf(), plan), "cut fct-crash") : List.of();
      if (consistent) {
        SnapshotCutView view = new SnapshotCutView(primary.conf(), plan);
        assertTrue(view.rows(t.getNameAsString()).size() + view.rows(t2.getNameAsString()).size() >= before / 3,
            "the cut holds the rows acknowledged before it");
      }
      assertNull(w.failure.get(), "writers never gave up");
    }
    if (!consistent) {
      assertNoTrace(plan);
    }
    assertEquals(List.of(), violations, "a completed cut is causally closed and its rows are whole");
    CutPlan again = CutTestSupport.plan("fct-crash2", List.of(t.getNameAsString()), List.of(DIR_A));
    try (FencedCutTaker taker = taker(ControllerFixture.cutSettings(), FencedCutTaker.Hooks.NONE)) {
      assertTrue(taker.take(again).consistent());
    }
  }

  @Test
  void refusesWhenAClockIsSkewed() throws Exception {
    FencedCutTaker.Settings s = ControllerFixture.cutSettings();
    try (FencedCutTaker honest = taker(s, FencedCutTaker.Hooks.NONE)) {
      for (ClockSkewProbe.Measurement m : honest.measureClocks()) {
        assertTrue(Math.abs(m.skewMs()) <= m.uncertaintyMs() + 50, "one machine, one clock: " + m);
      }
    }
    // The controller's clock runs 5 s late.
    FencedCutTaker late = new FencedCutTaker(primary, secondary, s,
        new ClockSkewProbe(() -> System.currentTimeMillis() - 5000, s.clockProbeDir()), FencedCutTaker.Hooks.NONE);
    CutPlan plan = CutTestSupport.plan("fct-skew", List.of(table.getNameAsString()), List.of(DIR_A));
    try (late) {
      CutRefusedException e = assertThrows(CutRefusedException.class, () -> late.take(plan));
      assertTrue(e.getMessage().contains("cluster primary"), e.getMessage());
      assertTrue(e.getMessage().contains("tandem.clock.max-skew.ms is " + s.maxSkewMs()), e.getMessage());
      assertTrue(e.getMessage().matches(".*clock is 5\\d\\d\\d ms.*"), e.getMessage());
    }
    assertNoTrace(plan);
  }

  private static void assertNoTrace(CutPlan plan) throws Exception {
    try (Admin admin = primary.hbase().getAdmin()) {
      for (String snap : plan.tableSnapshots().values()) {
        assertTrue(admin.listSnapshots().stream().noneMatch(d -> d.getName().equals(snap)), "leftover " + snap);
      }
    }
    for (Map.Entry<String, String> e : plan.dirSnapshots().entrySet()) {
      assertFalse(primary.fs().exists(new Path(e.getKey() + "/.snapshot/" + e.getValue())), "leftover HDFS snapshot");
    }
    try (CuratorFramework zk = CutTestSupport.zk(primary)) {
      assertEquals(null, zk.checkExists().forPath(PROTOCOL.cutPath(plan.cutId())));
    }
    // Writes flow.
    try (Table t = primary.hbase().getTable(table)) {
      t.put(new Put(Bytes.toBytes("after-" + plan.cutId())).addColumn(F, F, Bytes.toBytes("x")));
    }
  }

  static List<String> regionsOf(TableName t) throws IOException {
    try (Admin admin = primary.hbase().getAdmin()) {
      return admin.getRegions(t).stream().map(RegionInfo::getEncodedName).toList();
    }
  }

  static Set<String> ackedRegions(CuratorFramework zk, String cutId) throws Exception {
    Set<String> out = new java.util.HashSet<>();
    for (String n : zk.getChildren().forPath(PROTOCOL.armedDir(cutId))) {
      out.addAll(ArmAck.decode(zk.getData().forPath(PROTOCOL.armedDir(cutId) + "/" + n)).regions());
    }
    return out;
  }

  static boolean causeChainHas(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c) || (c instanceof RetriesExhaustedException && c.getMessage() != null
          && c.getMessage().contains(type.getSimpleName()))) {
        return true;
      }
      if (c.getMessage() != null && c.getMessage().contains(type.getName())) {
        return true;
      }
    }
    return false;
  }
}
