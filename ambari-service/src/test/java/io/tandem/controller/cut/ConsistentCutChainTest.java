package io.tandem.controller.cut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The test no one can fake: writers issue causal chains across two tables and two directories
 * while cuts are taken; in every fenced cut each writer's writes are a prefix of its sequence, and
 * the same check catches the naive sequential cut breaking chains.
 */
@ExtendWith(TwoClusters.class)
class ConsistentCutChainTest {
  private static final int FENCED_CUTS = Integer.getInteger("tandem.chain.cuts", 20);
  private static final int WRITERS = 4;
  private static ClusterConnection primary;
  private static ClusterConnection secondary;

  @BeforeAll
  static void setUp(EmbeddedClusters c) {
    primary = CutTestSupport.connect("primary", c.primary());
    secondary = CutTestSupport.connect("secondary", c.secondary());
  }

  @AfterAll
  static void tearDown() throws IOException {
    primary.close();
    secondary.close();
  }

  private static ChainWorkload workload(EmbeddedClusters c, String prefix) throws Exception {
    TableName t1 = CutTestSupport.createTable(c.primary(), prefix + "_t1", "c");
    TableName t2 = CutTestSupport.createTable(c.primary(), prefix + "_t2", "c");
    String d1 = "/" + prefix + "/d1";
    String d2 = "/" + prefix + "/d2";
    primary.fs().delete(new Path("/" + prefix), true);
    primary.fs().mkdirs(new Path(d1));
    primary.fs().mkdirs(new Path(d2));
    return new ChainWorkload(primary.hbase(), primary.fs(), t1, t2, d1, d2, WRITERS);
  }

  private static CutPlan plan(ChainWorkload w, String cutId) {
    return CutTestSupport.plan(cutId, List.of(w.t1.getNameAsString(), w.t2.getNameAsString()), List.of(w.d1, w.d2));
  }

  @Test
  void everyFencedCutKeepsEveryChainAPrefixAndNoWriteIsLost(EmbeddedClusters c) throws Exception {
    ChainWorkload w = workload(c, "chainf");
    List<CutPlan> plans = new ArrayList<>();
    long[] windows = new long[FENCED_CUTS];
    int[] progress = new int[FENCED_CUTS];
    try (FencedCutTaker taker = new FencedCutTaker(primary, secondary, FencedCutTaker.Settings.defaults())) {
      w.start();
      for (int i = 0; i < FENCED_CUTS; i++) {
        int before = w.totalAcked();
        CutTestSupport.await("chains to progress before cut " + i, Duration.ofSeconds(30),
            () -> w.totalAcked() >= before + 3 * WRITERS);
        CutPlan plan = plan(w, "chainf-" + i);
        CutResult r = taker.take(plan);
        assertTrue(r.consistent(), r.toString());
        plans.add(plan);
        windows[i] = r.fenceWindowMs();
        progress[i] = w.totalAcked();
      }
    } finally {
      w.close();
    }
    assertNull(w.failure.get(), "writers never gave up");

    List<String> violations = new ArrayList<>();
    int[] sizes = new int[plans.size()];
    for (int i = 0; i < plans.size(); i++) {
      SnapshotCutView view = new SnapshotCutView(primary.conf(), plans.get(i));
      violations.addAll(w.violations(view, plans.get(i).cutId()));
      sizes[i] = view.rows(w.t1.getNameAsString()).size();
    }
    assertEquals(List.of(), violations, "fenced cuts must be causally closed");
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
    System.out.printf("chain test: %d fenced cuts of 2 tables (2 regions each) + 2 dirs under %d writers;"
        + " fence window p50=%d ms p90=%d ms max=%d ms; %d writes acknowledged, %d client-side retries,"
        + " slowest write %d ms; rows in first/last cut %d/%d%n", FENCED_CUTS, WRITERS, windows[FENCED_CUTS / 2],
        windows[(int) Math.ceil(FENCED_CUTS * 0.9) - 1], windows[FENCED_CUTS - 1], w.totalAcked(), retries, maxStep,
        sizes[0], sizes[sizes.length - 1]);
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

  /** The control: the same workload and checker catch the naive sequential cut. */
  @Test
  void sequentialCutsAreCaughtBreakingChains(EmbeddedClusters c) throws Exception {
    ChainWorkload w = workload(c, "chains");
    List<String> violations = new ArrayList<>();
    SequentialCutTaker taker = new SequentialCutTaker(primary);
    int cuts = 0;
    try {
      w.start();
      while (violations.isEmpty() && cuts < 5) {
        int before = w.totalAcked();
        CutTestSupport.await("chains to progress", Duration.ofSeconds(30),
            () -> w.totalAcked() >= before + 3 * WRITERS);
        CutPlan plan = plan(w, "chains-" + cuts);
        assertFalse(taker.take(plan).consistent());
        cuts++;
        violations.addAll(w.violations(new SnapshotCutView(primary.conf(), plan), plan.cutId()));
      }
    } finally {
      w.close();
    }
    System.out.println("sequential cuts: " + cuts + " taken, violations found: " + violations);
    assertFalse(violations.isEmpty(), "the chain checker must catch the unfenced sequential cut");
  }
}
