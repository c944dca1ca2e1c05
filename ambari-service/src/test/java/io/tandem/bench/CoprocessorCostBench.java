package io.tandem.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.regionserver.HRegion;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;

import io.tandem.testkit.EmbeddedClusters;

/**
 * What Tandem's RegionServer coprocessors cost when loaded and idle (no cut, no identity record):
 * write throughput of the same workload against two identically configured embedded cluster
 * pairs running side by side in this JVM, one with Tandem's region coprocessors (fence observer
 * and identity guard observer) and one without. Short blocks alternate between the two (the
 * order flips every round, A B, B A, ...) so drifting machine load falls on both alike; the
 * result is the median of each side and their ratio. Not part of the suite; {@code bench/run}
 * runs it.
 *
 * <p>Settings: {@code tandem.bench.tp.rounds} (default 10), {@code tandem.bench.tp.seconds} per
 * block (default 10), {@code tandem.bench.writers} (default 4), {@code tandem.bench.out}.
 */
class CoprocessorCostBench {
  private static final byte[] F = Bytes.toBytes("f");
  private static final String FENCE_OBSERVER = "io.tandem.hbase.TandemRegionObserver";
  private static final String GUARD_OBSERVER = "io.tandem.hbase.TandemGuardObserver";
  private static final int ROUNDS = Integer.getInteger("tandem.bench.tp.rounds", 10);
  private static final int SECONDS = Integer.getInteger("tandem.bench.tp.seconds", 10);
  private static final int WRITERS = Integer.getInteger("tandem.bench.writers", 4);
  private static final TableName TABLE = TableName.valueOf("tpbench");

  /** One cluster under test: its table, a connection, and the throughput of each block. */
  private static final class Side implements AutoCloseable {
    final String name;
    final Connection conn;
    final List<Double> putsPerSecond = new ArrayList<>();

    Side(String name, HBaseTestingUtility util, boolean expectTandem) throws Exception {
      this.name = name;
      try (Admin admin = util.getConnection().getAdmin()) {
        admin.createTable(TableDescriptorBuilder.newBuilder(TABLE).setColumnFamily(ColumnFamilyDescriptorBuilder.of(F))
            .build(), new byte[][] {Bytes.toBytes("55555555"), Bytes.toBytes("aaaaaaaa")});
      }
      util.waitUntilAllRegionsAssigned(TABLE);
      // The configuration is what the comparison is about: check every region really has (or lacks) it.
      for (HRegion r : util.getHBaseCluster().getRegions(TABLE)) {
        for (String cp : List.of(FENCE_OBSERVER, GUARD_OBSERVER)) {
          boolean loaded = r.getCoprocessorHost().findCoprocessor(cp) != null;
          if (loaded != expectTandem) {
            throw new AssertionError(name + ": region " + r.getRegionInfo().getEncodedName() + " has " + cp
                + (loaded ? "" : " not") + " loaded");
          }
        }
      }
      this.conn = ConnectionFactory.createConnection(util.getConfiguration());
    }

    /** Puts from {@link #WRITERS} threads for {@code seconds}; returns puts per second. */
    double block(int seconds) throws InterruptedException {
      AtomicLong puts = new AtomicLong();
      AtomicLong failures = new AtomicLong();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      List<Thread> threads = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int w = 0; w < WRITERS; w++) {
        Thread t = new Thread(() -> {
          byte[] value = new byte[100];
          try (Table table = conn.getTable(TABLE)) {
            while (System.nanoTime() < end) {
              byte[] row = Bytes.toBytes(String.format("%08x", ThreadLocalRandom.current().nextInt()));
              table.put(new Put(row).addColumn(F, F, value));
              puts.incrementAndGet();
            }
          } catch (IOException e) {
            failures.incrementAndGet();
          }
        }, "tp-" + name + "-" + w);
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      if (failures.get() > 0) {
        throw new AssertionError(name + ": " + failures.get() + " writers failed");
      }
      return puts.get() / elapsed;
    }

    @Override
    public void close() throws IOException {
      conn.close();
    }
  }

  @Test
  void idleCoprocessorsCostOnWriteThroughput() throws Exception {
    long t0 = System.nanoTime();
    try (EmbeddedClusters with = new EmbeddedClusters(2, true).start();
        EmbeddedClusters without = new EmbeddedClusters(2, false).start();
        Side a = new Side("with Tandem's coprocessors (idle)", with.primary(), true);
        Side b = new Side("without", without.primary(), false)) {
      a.block(SECONDS);
      b.block(SECONDS);
      for (int round = 0; round < ROUNDS; round++) {
        for (Side s : round % 2 == 0 ? List.of(a, b) : List.of(b, a)) {
          s.putsPerSecond.add(s.block(SECONDS));
        }
      }
      double ma = median(a.putsPerSecond);
      double mb = median(b.putsPerSecond);
      List<Double> ratios = new ArrayList<>();
      StringBuilder md = new StringBuilder();
      md.append("## Idle cost of the coprocessors on write throughput\n\n");
      md.append(String.format(Locale.ROOT, "Measured %s on this machine (%d cores). Two embedded cluster pairs"
          + " configured alike run side by side in one JVM; on one, Tandem's RegionServer coprocessors"
          + " (`TandemRegionObserver`, the fence, and `TandemGuardObserver`, the identity guard) are loaded and"
          + " idle (no cut, no identity record); on the other they are not loaded (`new EmbeddedClusters(2, false)`)."
          + " %d writer threads put 100-byte rows one by one (one RPC each) into a 3-region table of each primary"
          + " for %d s blocks, alternating A B, B A, ... over %d rounds after one warm-up block each.%n%n",
          Instant.now(), Runtime.getRuntime().availableProcessors(), WRITERS, SECONDS, ROUNDS));
      md.append("| round | with coprocessors (puts/s) | without (puts/s) | ratio |\n|---|---:|---:|---:|\n");
      for (int r = 0; r < ROUNDS; r++) {
        double x = a.putsPerSecond.get(r);
        double y = b.putsPerSecond.get(r);
        ratios.add(x / y);
        md.append(String.format(Locale.ROOT, "| %d (%s) | %.0f | %.0f | %.3f |%n", r + 1, r % 2 == 0 ? "A B" : "B A",
            x, y, x / y));
      }
      md.append(String.format(Locale.ROOT, "| **median** | **%.0f** | **%.0f** | **%.3f** (median of the rounds'"
          + " ratios: %.3f) |%n%n", ma, mb, ma / mb, median(ratios)));
      md.append(String.format(Locale.ROOT, "With the coprocessors loaded and idle, median throughput is %.1f%% %s"
          + " than without (target: within 2%%). The rounds' ratios range from %.3f to %.3f, and the blocks from"
          + " %.0f to %.0f puts/s with and %.0f to %.0f without: that spread is this machine's noise, and a"
          + " difference smaller than it is not resolved by this run. Took %.0f s including starting both"
          + " cluster pairs.%n", Math.abs(1 - ma / mb) * 100, ma < mb ? "lower" : "higher", min(ratios), max(ratios),
          min(a.putsPerSecond), max(a.putsPerSecond), min(b.putsPerSecond), max(b.putsPerSecond),
          (System.nanoTime() - t0) / 1e9));
      System.out.println(md);
      String out = System.getProperty("tandem.bench.out");
      if (out != null) {
        Files.writeString(Paths.get(out), md.toString(), StandardCharsets.UTF_8);
      }
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(0);
  }

  private static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }
}
