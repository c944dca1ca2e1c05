package io.tandem.controller.cut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.backup.BackupService;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The test no one can fake: writers issue causal chains across two tables and two directories
 * while cuts are taken. Every cut goes the way a backup goes — {@link BackupService} ships it to
 * the secondary (ExportSnapshot, DistCp {@code -diff} after the first) and verifies it there — and
 * the chains are checked on the secondary's copies: in every cut each writer's writes are a
 * prefix of its sequence. The first, a middle and the last cut are also restored on the secondary
 * ({@code RestoreService}: clone or restore of the tables, DistCp into the live directories), and
 * the live data is checked the same way. The same check catches the naive sequential cut
 * breaking chains, shipped and restored alike.
 */
@ExtendWith(TwoClusters.class)
class ConsistentCutChainTest {
  private static final int FENCED_CUTS = Integer.getInteger("tandem.chain.cuts", 20);
  private static final int WRITERS = 4;
  private static ClusterConnection primary;
  private static ControllerContext ctx;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws IOException {
    primary = CutTestSupport.connect("primary", c.primary());
    ctx = ControllerFixture.open(c, "/chain");
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (ctx != null) {
      ctx.close();
    }
    primary.close();
  }

  /** Tables {@code ns:t1}, {@code ns:t2} and dirs {@code /ns/d1}, {@code /ns/d2}, and service {@code ns} over them. */
  private static ChainWorkload workload(EmbeddedClusters c, String ns) throws Exception {
    try (Admin admin = c.primary().getConnection().getAdmin()) {
      if (!List.of(admin.listNamespaces()).contains(ns)) {
        admin.createNamespace(NamespaceDescriptor.create(ns).build());
      }
    }
    TableName t1 = CutTestSupport.createTable(c.primary(), ns + ":t1", "c");
    TableName t2 = CutTestSupport.createTable(c.primary(), ns + ":t2", "c");
    String d1 = "/" + ns + "/d1";
    String d2 = "/" + ns + "/d2";
    primary.fs().delete(new Path("/" + ns), true);
    primary.fs().mkdirs(new Path(d1));
    primary.fs().mkdirs(new Path(d2));
    ctx.policies().create(new PolicySpec(ns, List.of("hbase:" + t1.getNameAsString(), "hbase:" + t2.getNameAsString(),
        "hdfs:" + d1, "hdfs:" + d2), List.of("every:1h"), "push", FENCED_CUTS + 1, null, null, null, null));
    return new ChainWorkload(primary.hbase(), primary.fs(), t1, t2, d1, d2, WRITERS);
  }

  /**
   * The controller's own backup path with {@code taker} taking the cuts; the writers are paused
   * once a cut's snapshots exist (it is taken under load) until the test resumes them, so the
   * copies stay small.
   */
  private static BackupService backups(CutTaker taker, ChainWorkload w) {
    CutTaker thenPause = plan -> {
      try {
        return taker.take(plan);
      } finally {
        w.pause();
      }
    };
    ControllerContext.Roles r = ctx.roles();
    return new BackupService(ctx.conf(), r.primary(), r.secondary(), r.policies(), r.inventory(), r.catalog(),
        thenPause, r.users(), () -> r.identity().epoch(), ctx.clock(), ctx.locks());
  }

  private static void awaitProgress(ChainWorkload w) {
    int before = w.totalAcked();
    CutTestSupport.await("chains to progress", Duration.ofSeconds(30), () -> w.totalAcked() >= before + 3 * WRITERS);
  }

  private static Manifest backUp(BackupService backups, String service) {
    Manifest m = backups.run(service, Instant.now(), null);
    assertEquals(CutState.COMPLETE, m.state(), () -> "cut " + m.cutId() + ": " + m.reason());
    return m;
  }

  private static SnapshotCutView onSecondary(Manifest m) {
    return SnapshotCutView.shipped(ctx.secondary().conf(), m);
  }

  /** Restores {@code m} on the secondary and returns its live tables and directories. */
  private static LiveCutView restore(Manifest m) throws IOException {
    ctx.restores().restore(m.service(), m.cutId(), false);
    return new LiveCutView(ctx.secondary().hbase(), ctx.secondary().fs());
  }

  @Test
  void everyFencedCutKeepsEveryChainAPrefixOnTheSecondaryAndNoWriteIsLost(EmbeddedClusters c) throws Exception {
    ChainWorkload w = workload(c, "chainf");
    String t1 = w.t1.getNameAsString();
    Set<Integer> restored = Set.of(0, FENCED_CUTS / 2, FENCED_CUTS - 1);
    List<String> violations = new ArrayList<>();
    long[] windows = new long[FENCED_CUTS];
    int[] sizes = new int[FENCED_CUTS];
    long backupNs = 0;
    long restoreNs = 0;
    long t0 = System.nanoTime();
    ControllerContext.Roles r = ctx.roles();
    try (FencedCutTaker taker = new FencedCutTaker(r.primary(), r.secondary(),
        FencedCutTaker.Settings.from(ctx.conf().raw()))) {
      BackupService backups = backups(taker, w);
      w.start();
      for (int i = 0; i < FENCED_CUTS; i++) {
        awaitProgress(w);
        long b0 = System.nanoTime();
        Manifest m = backUp(backups, "chainf");
        backupNs += System.nanoTime() - b0;
        assertEquals("fenced", m.cutMethod());
        assertTrue(m.consistent(), m::toString);
        if (i > 0) {
          for (Manifest.DirEntry d : m.dirs()) {
            assertTrue(d.incremental(), () -> "cut " + m.cutId() + " shipped " + d.path() + " in full: " + d.fullSyncReason());
          }
        }
        windows[i] = m.fenceWindowMs();

        SnapshotCutView shipped = onSecondary(m);
        violations.addAll(w.violations(shipped, "shipped " + m.cutId()));
        sizes[i] = shipped.rows(t1).size();
        if (restored.contains(i)) {
          long r0 = System.nanoTime();
          LiveCutView live = restore(m);
          restoreNs += System.nanoTime() - r0;
          violations.addAll(w.violations(live, "restored " + m.cutId()));
          assertSameContent(w, shipped, live, "restored " + m.cutId());
        }
        w.resume();
      }
    } finally {
      w.close();
    }
    assertNull(w.failure.get(), "writers never gave up");
    assertEquals(List.of(), violations, "fenced cuts, shipped and restored, must be causally closed");
    assertTrue(sizes[sizes.length - 1] > sizes[0], "the cuts saw the chains grow: " + Arrays.toString(sizes));

    // Fenced writers were slowed, never lost or half-applied: every acknowledged write is present, whole.
    long retries = w.writers.stream().mapToLong(x -> x.retries.get()).sum();
    long maxStep = w.writers.stream().mapToLong(x -> x.maxStepMs.get()).max().orElse(0);
    for (ChainWorkload.Writer x : w.writers) {
      int rows = 0;
      int files = 0;
      for (int i = 0; i < x.acked.get(); i++) {
        ChainWorkload.Step st = x.step(i);
        if (st.kind() == ChainWorkload.Kind.FILE) {
          assertTrue(primary.fs().exists(new Path(st.dataSet(), st.key())), "acknowledged file " + st);
          files++;
        } else {
          rows++;
        }
      }
      assertEquals(rows, wholeRows(w, x), "writer " + x.id + ": acknowledged rows present with both cells");
      assertTrue(files > 0);
    }
    Arrays.sort(windows);
    System.out.printf("chain test: %d fenced cuts of 2 tables (2 regions each) + 2 dirs under %d writers, each"
        + " shipped (push, incremental) and checked on the secondary, %d restored there and checked live;"
        + " fence window p50=%d ms p90=%d ms max=%d ms; %d writes acknowledged, %d client-side retries,"
        + " slowest write %d ms; rows in first/last cut %d/%d; backups (cut+ship+verify) %.1f s,"
        + " restores %.1f s, whole test %.1f s%n", FENCED_CUTS, WRITERS, restored.size(), windows[FENCED_CUTS / 2],
        windows[(int) Math.ceil(FENCED_CUTS * 0.9) - 1], windows[FENCED_CUTS - 1], w.totalAcked(), retries, maxStep,
        sizes[0], sizes[sizes.length - 1], backupNs / 1e9, restoreNs / 1e9, (System.nanoTime() - t0) / 1e9);
  }

  /** The restore made live exactly what the shipped cut holds, data set by data set. */
  private static void assertSameContent(ChainWorkload w, CutView cut, CutView live, String label) throws IOException {
    for (TableName t : List.of(w.t1, w.t2)) {
      assertEquals(cut.rows(t.getNameAsString()), live.rows(t.getNameAsString()), label + ": rows of " + t);
    }
    for (String d : List.of(w.d1, w.d2)) {
      assertEquals(cut.files(d), live.files(d), label + ": files of " + d);
    }
  }

  /** Counts this writer's rows (in both tables) that carry both of their cells. */
  private static int wholeRows(ChainWorkload w, ChainWorkload.Writer x) throws IOException {
    int whole = 0;
    String prefix = (char) ('a' + x.id) + "-";
    for (TableName t : List.of(w.t1, w.t2)) {
      try (Table table = primary.hbase().getTable(t);
          ResultScanner rs = table.getScanner(new Scan().setRowPrefixFilter(Bytes.toBytes(prefix)))) {
        for (Result r : rs) {
          assertFalse(r.isEmpty());
          assertTrue(r.containsColumn(ChainWorkload.F, ChainWorkload.V) && r.containsColumn(ChainWorkload.F,
              ChainWorkload.W), "half-applied row " + Bytes.toString(r.getRow()));
          whole++;
        }
      }
    }
    // The write in flight when the writers stopped may have landed without its acknowledgement.
    return Math.min(whole, rowsAcked(x));
  }

  private static int rowsAcked(ChainWorkload.Writer x) {
    int rows = 0;
    for (int i = 0; i < x.acked.get(); i++) {
      if (x.step(i).kind() == ChainWorkload.Kind.ROW) {
        rows++;
      }
    }
    return rows;
  }

  /**
   * The control: the same workload, shipping, restore and checker catch the naive sequential cut,
   * so neither the secondary's copies nor the restored data can pass the fenced test by showing
   * less than the cut holds.
   */
  @Test
  void sequentialCutsAreCaughtBreakingChainsOnTheSecondary(EmbeddedClusters c) throws Exception {
    ChainWorkload w = workload(c, "chains");
    List<String> violations = new ArrayList<>();
    Manifest broken = null;
    int cuts = 0;
    long t0 = System.nanoTime();
    try {
      BackupService backups = backups(new SequentialCutTaker(ctx.roles().primary()), w);
      w.start();
      while (violations.isEmpty() && cuts < 5) {
        awaitProgress(w);
        Manifest m = backUp(backups, "chains");
        assertFalse(m.consistent());
        cuts++;
        violations.addAll(w.violations(onSecondary(m), "shipped " + m.cutId()));
        broken = m;
        w.resume();
      }
    } finally {
      w.close();
    }
    System.out.println("sequential cuts: " + cuts + " taken and shipped, violations found on the secondary: "
        + violations);
    assertFalse(violations.isEmpty(), "the chain checker must catch the unfenced sequential cut on the secondary");
    List<String> live = w.violations(restore(broken), "restored " + broken.cutId());
    System.out.printf("sequential cut %s restored on the secondary: violations %s; control %.1f s%n",
        broken.cutId(), live, (System.nanoTime() - t0) / 1e9);
    assertFalse(live.isEmpty(), "the broken chains must show in the restored tables and directories too");
  }

  /** The fence broken on purpose, one way per case: each is a negative control of the chain check. */
  enum BrokenFence {
    /** The controller releases writes before the NameNode snapshots the directories. */
    RELEASE_BEFORE_HDFS_SNAPSHOT,
    /** The RegionServers ack as flushed without the fixing flush; the table snapshots skip the flush. */
    SKIPFLUSH_WITHOUT_FLUSH,
    /** The RegionServers ack without draining the writes that passed the fence check (slow write path). */
    ACK_BEFORE_DRAIN
  }

  /**
   * The chain check catches a fence broken from inside, not only the unfenced sequential cut: the
   * same workload, shipping and checker as the fenced test, with one step of the fence taken out.
   * Where the break needs the controller to be slow to show (a NameNode that takes its time), the
   * controller waits for the writers to move on before asking for the HDFS snapshots; the correct
   * fence is immune to that wait.
   */
  @ParameterizedTest
  @EnumSource(BrokenFence.class)
  void aFenceBrokenFromInsideIsCaughtByTheChainCheck(BrokenFence broken, EmbeddedClusters c) throws Exception {
    String ns = switch (broken) {
      case RELEASE_BEFORE_HDFS_SNAPSHOT -> "brkrel";
      case SKIPFLUSH_WITHOUT_FLUSH -> "brkflush";
      case ACK_BEFORE_DRAIN -> "brkdrain";
    };
    ChainWorkload w = workload(c, ns);
    if (broken == BrokenFence.ACK_BEFORE_DRAIN) {
      slowWrites(c, w.t1, w.t2);
    }
    FencedCutTaker.Hooks hooks = new FencedCutTaker.Hooks() {
      @Override
      public boolean releaseBeforeHdfsSnapshots() {
        return broken == BrokenFence.RELEASE_BEFORE_HDFS_SNAPSHOT;
      }

      @Override
      public void afterEarlyRelease(String cutId) {
        letWritersMoveOn(w, 3 * WRITERS);
      }

      @Override
      public void afterArmed(String cutId) {
        if (broken == BrokenFence.ACK_BEFORE_DRAIN) {
          // the puts caught in the slow write path land after the fixing flushes, then their
          // writers' next writes (a file, for a writer at the start of its chain) follow
          letWritersMoveOn(w, WRITERS);
        }
      }
    };
    List<String> violations = new ArrayList<>();
    int cuts = 0;
    long t0 = System.nanoTime();
    FencedCutTaker.Settings settings = FencedCutTaker.Settings.from(ctx.conf().raw());
    ControllerContext.Roles r = ctx.roles();
    try (FencedCutTaker taker = new FencedCutTaker(r.primary(), r.secondary(), settings,
        new ClockSkewProbe(System::currentTimeMillis, settings.clockProbeDir()), hooks)) {
      breakRegionServersFence(broken == BrokenFence.RELEASE_BEFORE_HDFS_SNAPSHOT ? "NONE" : broken.name());
      letNameNodesSnapshotReleasedCuts(broken == BrokenFence.RELEASE_BEFORE_HDFS_SNAPSHOT);
      BackupService backups = backups(taker, w);
      w.start();
      while (violations.isEmpty() && cuts < 5) {
        awaitProgress(w);
        Manifest m = backUp(backups, ns);
        cuts++;
        violations.addAll(w.violations(onSecondary(m), "shipped " + m.cutId()));
        w.resume();
      }
    } finally {
      breakRegionServersFence("NONE");
      letNameNodesSnapshotReleasedCuts(false);
      w.close();
    }
    System.out.printf("broken fence %s: %d cut(s) taken and shipped, %.1f s; violations found on the secondary: %s%n",
        broken, cuts, (System.nanoTime() - t0) / 1e9, violations);
    assertFalse(violations.isEmpty(), "the chain check must catch a fence broken by " + broken);
  }

  /**
   * Sets {@code FenceParticipant.Breakage} of the embedded RegionServers (they run in this JVM and
   * load the coprocessor from its class path). By reflection: the controller's code never compiles
   * against the server jars, and its tests keep to that.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void breakRegionServersFence(String breakage) throws ReflectiveOperationException {
    Class<?> participant = Class.forName("io.tandem.hbase.FenceParticipant");
    Class<? extends Enum> kind = (Class<? extends Enum>) Class.forName("io.tandem.hbase.FenceParticipant$Breakage");
    participant.getMethod("breakFenceForNegativeControl", kind).invoke(null, Enum.valueOf(kind, breakage));
  }

  /**
   * The NameNode plugin refuses to snapshot a cut that is already released: for the early-release
   * control that guard is taken out too (same JVM, by reflection, as above).
   */
  private static void letNameNodesSnapshotReleasedCuts(boolean on) throws ReflectiveOperationException {
    Class.forName("io.tandem.hdfs.TandemNameNodePlugin").getMethod("breakFenceForNegativeControl", boolean.class)
        .invoke(null, on);
  }

  /** Gives the writers up to 10 s to make {@code acks} more acknowledged writes; goes on either way. */
  private static void letWritersMoveOn(ChainWorkload w, int acks) {
    int before = w.totalAcked();
    try {
      ControllerFixture.await("writers to move on during the broken fence", Duration.ofSeconds(10),
          () -> w.totalAcked() >= before + acks);
    } catch (AssertionError stillBlocked) {
      // this cut may then show nothing; the next one may
    }
  }

  /** Loads {@link SlowWritePath} on the tables (after Tandem's system observer). */
  private static void slowWrites(EmbeddedClusters c, TableName... tables) throws Exception {
    try (Admin admin = c.primary().getConnection().getAdmin()) {
      for (TableName t : tables) {
        admin.modifyTable(TableDescriptorBuilder.newBuilder(admin.getDescriptor(t))
            .setCoprocessor(SlowWritePath.class.getName()).build());
      }
    }
    for (TableName t : tables) {
      c.primary().waitUntilAllRegionsAssigned(t);
    }
  }
}
