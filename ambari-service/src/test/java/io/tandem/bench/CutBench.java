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

import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.CutPlan;
import io.tandem.controller.cut.CutResult;
import io.tandem.controller.cut.FencedCutTaker;
import io.tandem.controller.cut.SequentialCutTaker;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Measures the fenced cut's window against the naive sequential cut, under write load, on the
 * embedded clusters. Not part of the test suite (the name does not match surefire's patterns);
 * run it on purpose:
 *
 * <pre>
 * mvn -B -pl core,hbase-coprocessor,hdfs-extension,testkit install -DskipTests
 * mvn -B -pl ambari-service test -Dtest=CutBench -Dsurefire.failIfNoSpecifiedTests=false -Dexec.skip=true \
 *     [-Dtandem.bench.cuts=10] [-Dtandem.bench.out=../docs/benchmarks-cut.md]
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

  private record Sample(long startNanos, long micros) {
  }

  @Test
  void fenceWindowVersusSequential(EmbeddedClusters clusters) throws Exception {
    StringBuilder md = new StringBuilder();
    md.append("## Consistent cut\n\n");
    md.append(String.format(Locale.ROOT, "Measured %s on this machine (%d cores), embedded primary (2 RegionServers,"
        + " 1 DataNode), %d writer threads putting 100-byte rows into every table of the scenario, %d fenced and"
        + " %d sequential cuts per scenario.%n%n", Instant.now(), Runtime.getRuntime().availableProcessors(),
        WRITERS, CUTS, SEQUENTIAL_CUTS));
    md.append("| scenario | method | fence window p50 | p99 | max | whole cut p50 | put latency p50 / p99 / max during cuts |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    try (ClusterConnection primary = new ClusterConnection("primary",
        new Configuration(clusters.primary().getConfiguration()));
        ClusterConnection secondary = new ClusterConnection("secondary",
            new Configuration(clusters.secondary().getConfiguration()))) {
      for (int n : new int[] {1, 10}) {
        List<TableName> tables = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          tables.add(table(primary, "bench" + n + "_t" + i));
          String d = "/bench" + n + "/d" + i;
          primary.fs().mkdirs(new org.apache.hadoop.fs.Path(d));
          dirs.add(d);
        }
        String scenario = n + " table" + (n > 1 ? "s" : "") + " × 3 regions + " + n + " dir" + (n > 1 ? "s" : "");
        try (FencedCutTaker fenced = new FencedCutTaker(primary, secondary, FencedCutTaker.Settings.defaults())) {
          md.append(run(primary, scenario, "fenced", tables, dirs, CUTS, fenced::take));
        }
        SequentialCutTaker seq = new SequentialCutTaker(primary);
        md.append(run(primary, scenario, "sequential (no fence)", tables, dirs, SEQUENTIAL_CUTS, seq::take));
      }
    }
    md.append("\nFor the sequential cut the *whole cut* is the window a naive \"hold every write while the")
        .append(" snapshots are taken\" approach would need; it holds nothing and is not consistent.\n");
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
    for (Sample s : samples) {
      for (long[] span : cutSpans) {
        if (s.startNanos() >= span[0] && s.startNanos() <= span[1]) {
          during.add(s.micros());
          break;
        }
      }
    }
    long[] lat = during.stream().mapToLong(Long::longValue).sorted().toArray();
    Arrays.sort(windows);
    Arrays.sort(totals);
    boolean fenced = method.equals("fenced");
    return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d ms | %s / %s / %s ms (%d puts) |%n", scenario,
        method, fenced ? windows[pct(cuts, 50)] + " ms" : "—", fenced ? windows[pct(cuts, 99)] + " ms" : "—",
        fenced ? windows[cuts - 1] + " ms" : "—", totals[pct(cuts, 50)], ms(lat, 50), ms(lat, 99),
        lat.length == 0 ? "-" : String.format(Locale.ROOT, "%.1f", lat[lat.length - 1] / 1000.0), lat.length);
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
