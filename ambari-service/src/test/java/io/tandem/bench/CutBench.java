package io.tandem.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.CutPlan;
import io.tandem.controller.cut.CutResult;
import io.tandem.controller.cut.FencedCutTaker;
import io.tandem.controller.cut.SequentialCutTaker;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Measures the fenced cut's window against the naive sequential cut, under write load, on the
 * embedded clusters, for each scenario of {@code tandem.bench.scenarios} ("tables x dirs", default
 * 1x1,1x10,10x1,10x10,50x1,50x10), and the put latency clients see during the cuts and outside
 * them. Not part of the test suite (the name does not match surefire's patterns); {@code bench/run}
 * runs it, or:
 *
 * <pre>
 * mvn -B -pl ambari-service -am verify -DskipITs -Dexec.skip=true -Dtest=CutBench \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dtandem.bench.cuts=10] [-Dtandem.bench.scenarios=1x1,10x10] \
 *     [-Dtandem.bench.out=/tmp/cut.md]
 * </pre>
 *
 * It prints a Markdown section and writes it to {@code tandem.bench.out} if set.
 */
@ExtendWith(TwoClusters.class)
class CutBench {
  private static final byte[] F = Bytes.toBytes("f");
  private static final int CUTS = Integer.getInteger("tandem.bench.cuts", 10);
  private static final int SEQUENTIAL_CUTS = Integer.getInteger("tandem.bench.sequential.cuts", 2);
  private static final int WRITERS = Integer.getInteger("tandem.bench.writers", 4);
  private static final int CALM_PUTS = Integer.getInteger("tandem.bench.calm.puts", 1000);

  private record Sample(long startNanos, long micros) {
  }

  /** Scenarios as "tables x dirs", comma separated. */
  private static final String SCENARIOS = System.getProperty("tandem.bench.scenarios", "1x1,1x10,10x1,10x10,50x1,50x10");

  @Test
  void fenceWindowVersusSequential(EmbeddedClusters clusters) throws Exception {
    long t0 = System.nanoTime();
    StringBuilder md = new StringBuilder();
    md.append("## Consistent cut\n\n");
    md.append(String.format(Locale.ROOT, "Measured %s on this machine (%d cores), embedded primary (2 RegionServers,"
        + " 1 DataNode), %d writer threads putting 100-byte rows into every table of the scenario, %d fenced and"
        + " %d sequential cuts per scenario (with %d cuts, p99 is the largest). Tables have 3 regions each and"
        + " are created as the scenarios grow, so a scenario runs with the tables of the earlier ones present.%n%n",
        Instant.now(), Runtime.getRuntime().availableProcessors(), WRITERS, CUTS, SEQUENTIAL_CUTS, CUTS));
    md.append("| scenario | method | fence window p50 | p99 | max | whole cut p50 | put latency p50 / p99 / max during cuts"
        + " | put latency p50 / p99 outside cuts |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    try (ClusterConnection primary = new ClusterConnection("primary",
        new Configuration(clusters.primary().getConfiguration()));
        ClusterConnection secondary = new ClusterConnection("secondary",
            new Configuration(clusters.secondary().getConfiguration()))) {
      List<TableName> pool = new ArrayList<>();
      List<String> dirPool = new ArrayList<>();
      for (String sc : SCENARIOS.split(",")) {
        String[] nd = sc.trim().split("x");
        int n = Integer.parseInt(nd[0]);
        int nDirs = Integer.parseInt(nd[1]);
        while (pool.size() < n) {
          pool.add(table(primary, "bench_t" + pool.size()));
        }
        while (dirPool.size() < nDirs) {
          String d = "/bench/d" + dirPool.size();
          primary.fs().mkdirs(new org.apache.hadoop.fs.Path(d));
          dirPool.add(d);
        }
        List<TableName> tables = pool.subList(0, n);
        List<String> dirs = dirPool.subList(0, nDirs);
        String scenario = n + " table" + (n > 1 ? "s" : "") + " + " + nDirs + " dir" + (nDirs > 1 ? "s" : "");
        try (FencedCutTaker fenced = new FencedCutTaker(primary, secondary, ControllerFixture.cutSettings())) {
          md.append(run(primary, scenario, "fenced", tables, dirs, CUTS, fenced::take));
        }
        SequentialCutTaker seq = new SequentialCutTaker(primary);
        md.append(run(primary, scenario, "sequential (no fence)", tables, dirs, SEQUENTIAL_CUTS, seq::take));
      }
    }
    md.append("\nFor the sequential cut the *whole cut* is the window a naive \"hold every write while the")
        .append(" snapshots are taken\" approach would need; it holds nothing and is not consistent.")
        .append(String.format(Locale.ROOT, " This section took %.0f s.%n", (System.nanoTime() - t0) / 1e9));
    System.out.println(md);
    String out = System.getProperty("tandem.bench.out");
    if (out != null) {
      Path p = Paths.get(out);
      Files.writeString(p, md.toString(), StandardCharsets.UTF_8);
      System.out.println("written to " + p.toAbsolutePath());
    }
  }

  private interface Taker {
    CutResult take(CutPlan plan) throws IOException;
  }

  private String run(ClusterConnection primary, String scenario, String method, List<TableName> tables,
      List<String> dirs, int cuts, Taker taker) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      Thread t = new Thread(() -> {
        byte[] value = new byte[100];
        while (!stop.get()) {
          TableName tn = tables.get(ThreadLocalRandom.current().nextInt(tables.size()));
          byte[] row = Bytes.toBytes(String.format("%08x", ThreadLocalRandom.current().nextInt()));
          long t0 = System.nanoTime();
          try (Table table = primary.hbase().getTable(tn)) {
            table.put(new Put(row).addColumn(F, F, value));
            samples.add(new Sample(t0, (System.nanoTime() - t0) / 1000));
          } catch (IOException e) {
            samples.add(new Sample(t0, (System.nanoTime() - t0) / 1000));
          }
        }
      }, "bench-writer-" + w);
      t.setDaemon(true);
      t.start();
      writers.add(t);
    }
    long[] windows = new long[cuts];
    long[] totals = new long[cuts];
    List<long[]> cutSpans = new ArrayList<>();
    try {
      // The calm baseline: puts before any cut of this run (later ones fall between cuts).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (samples.size() < CALM_PUTS && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      for (int i = 0; i < cuts; i++) {
        String id = "bench-" + method.charAt(0) + tables.size() + "-" + System.nanoTime();
        Map<String, String> ts = new LinkedHashMap<>();
        for (TableName t : tables) {
          ts.put(t.getNameAsString(), id + "-" + t.getQualifierAsString());
        }
        Map<String, String> ds = new LinkedHashMap<>();
        for (String d : dirs) {
          ds.put(d, id);
        }
        CutPlan plan = new CutPlan(id, "bench", Instant.now(), 1, ts, ds);
        long c0 = System.nanoTime();
        CutResult r = taker.take(plan);
        cutSpans.add(new long[] {c0, System.nanoTime()});
        windows[i] = r.fenceWindowMs();
        totals[i] = r.snapshotMs();
        try (Admin admin = primary.hbase().getAdmin()) {
          for (String s : ts.values()) {
            admin.deleteSnapshot(s);
          }
        }
        for (String d : dirs) {
          primary.fs().deleteSnapshot(new org.apache.hadoop.fs.Path(d), id);
        }
      }
    } finally {
      stop.set(true);
      for (Thread t : writers) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
    }
    List<Long> during = new ArrayList<>();
    List<Long> outside = new ArrayList<>();
    for (Sample s : samples) {
      boolean in = false;
      for (long[] span : cutSpans) {
        // A put that started before the cut and ended inside it felt the cut too.
        if (s.startNanos() <= span[1] && s.startNanos() + s.micros() * 1000 >= span[0]) {
          in = true;
          break;
        }
      }
      (in ? during : outside).add(s.micros());
    }
    long[] lat = during.stream().mapToLong(Long::longValue).sorted().toArray();
    long[] calm = outside.stream().mapToLong(Long::longValue).sorted().toArray();
    Arrays.sort(windows);
    Arrays.sort(totals);
    boolean fenced = method.equals("fenced");
    return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d ms | %s / %s / %s ms (%d puts) | %s / %s ms (%d puts) |%n", scenario,
        method, fenced ? windows[pct(cuts, 50)] + " ms" : "—", fenced ? windows[pct(cuts, 99)] + " ms" : "—",
        fenced ? windows[cuts - 1] + " ms" : "—", totals[pct(cuts, 50)], ms(lat, 50), ms(lat, 99),
        lat.length == 0 ? "-" : String.format(Locale.ROOT, "%.1f", lat[lat.length - 1] / 1000.0), lat.length,
        ms(calm, 50), ms(calm, 99), calm.length);
  }

  private static int pct(int n, int p) {
    return Math.min(n - 1, Math.max(0, (int) Math.ceil(n * p / 100.0) - 1));
  }

  private static String ms(long[] sortedMicros, int p) {
    if (sortedMicros.length == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.1f", sortedMicros[pct(sortedMicros.length, p)] / 1000.0);
  }

  private static TableName table(ClusterConnection primary, String name) throws IOException {
    TableName t = TableName.valueOf(name);
    try (Admin admin = primary.hbase().getAdmin()) {
      if (!admin.tableExists(t)) {
        admin.createTable(TableDescriptorBuilder.newBuilder(t).setColumnFamily(ColumnFamilyDescriptorBuilder.of(F))
            .build(), new byte[][] {Bytes.toBytes("55555555"), Bytes.toBytes("aaaaaaaa")});
      }
    }
    return t;
  }

}
