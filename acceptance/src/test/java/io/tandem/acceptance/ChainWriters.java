package io.tandem.acceptance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * Causal chains across the service's three data sets, written by an application that knows
 * nothing of Tandem. Writer {@code w}'s step {@code k} makes three writes, each issued only after
 * the previous one was acknowledged: even writers a row in {@code orders}, then a file, then a row
 * in {@code ledger}; odd writers the reverse. A consistent cut of the three data sets therefore
 * holds, for every writer, a prefix of its sequence of writes: {@link #check} finds the first
 * missing write and fails if any later one is present.
 */
final class ChainWriters implements AutoCloseable {
  static final byte[] FAMILY = Bytes.toBytes("f");
  private static final long STEP_PAUSE_NANOS = 1_000_000_000L;
  private static final byte[] QUALIFIER = Bytes.toBytes("k");

  private final Connection hbase;
  private final FileSystem fs;
  private final TableName orders;
  private final TableName ledger;
  private final Path dir;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private final List<AtomicInteger> stepsDone = new ArrayList<>();
  private volatile Throwable failure;

  ChainWriters(Connection hbase, FileSystem fs, TableName orders, TableName ledger, Path dir, int writers) {
    this.hbase = hbase;
    this.fs = fs;
    this.orders = orders;
    this.ledger = ledger;
    this.dir = dir;
    for (int w = 0; w < writers; w++) {
      int writer = w;
      AtomicInteger done = new AtomicInteger();
      stepsDone.add(done);
      Thread t = new Thread(() -> write(writer, done), "chain-writer-" + w);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  private void write(int w, AtomicInteger done) {
    try (Table o = hbase.getTable(orders); Table l = hbase.getTable(ledger)) {
      for (int k = 0; running.get(); k++) {
        String key = key(w, k);
        if (w % 2 == 0) {
          put(o, key, k);
          file(key, k);
          put(l, key, k);
        } else {
          put(l, key, k);
          file(key, k);
          put(o, key, k);
        }
        done.set(k + 1);
        // A steady application, not a load test: a step a second per writer keeps every cut's
        // delta small on a 2-core machine (the shipping speed of small files is issue #13's).
        java.util.concurrent.locks.LockSupport.parkNanos(STEP_PAUSE_NANOS);
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  private static void put(Table t, String key, int k) throws IOException {
    t.put(new Put(Bytes.toBytes(key)).addColumn(FAMILY, QUALIFIER, Bytes.toBytes(k)));
  }

  private void file(String key, int k) throws IOException {
    try (FSDataOutputStream out = fs.create(new Path(dir, key), false)) {
      out.writeInt(k);
    }
  }

  static String key(int w, int k) {
    return String.format("w%d-%07d", w, k);
  }

  /** Steps each writer completed, so far. */
  List<Integer> steps() {
    return stepsDone.stream().map(AtomicInteger::get).toList();
  }

  /** Stops the writers and waits for them; fails if any writer failed. */
  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(60_000);
    }
    if (failure != null) {
      throw new AssertionError("a chain writer failed: " + failure, failure);
    }
  }

  /**
   * Checks that the data sets hold a prefix of every writer's chain.
   *
   * @return for each writer, the number of its writes present (the prefix's length)
   * @throws AssertionError naming the first write found after a missing one
   */
  static List<Integer> check(Connection hbase, FileSystem fs, TableName orders, TableName ledger, Path dir,
      int writers) throws IOException {
    List<Integer> prefixes = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      Set<Integer> inOrders = rows(hbase, orders, w);
      Set<Integer> inLedger = rows(hbase, ledger, w);
      Set<Integer> inFiles = files(fs, dir, w);
      int max = -1;
      for (Set<Integer> s : List.of(inOrders, inLedger, inFiles)) {
        max = s.isEmpty() ? max : Math.max(max, ((TreeSet<Integer>) s).last());
      }
      List<Set<Integer>> order = w % 2 == 0 ? List.of(inOrders, inFiles, inLedger) : List.of(inLedger, inFiles, inOrders);
      List<String> names = w % 2 == 0 ? List.of(orders.toString(), dir.toString(), ledger.toString())
          : List.of(ledger.toString(), dir.toString(), orders.toString());
      int present = 0;
      boolean gap = false;
      String firstMissing = null;
      for (int k = 0; k <= max; k++) {
        for (int j = 0; j < 3; j++) {
          boolean has = order.get(j).contains(k);
          if (has && gap) {
            throw new AssertionError("writer " + w + ": write " + (3 * k + j) + " (" + names.get(j) + " " + key(w, k)
                + ") is in the cut but an earlier one (" + firstMissing + ") is not: the cut is not consistent");
          }
          if (!has && !gap) {
            gap = true;
            firstMissing = names.get(j) + " " + key(w, k);
          }
          if (has) {
            present++;
          }
        }
      }
      prefixes.add(present);
    }
    return prefixes;
  }

  private static Set<Integer> rows(Connection hbase, TableName table, int w) throws IOException {
    Set<Integer> out = new TreeSet<>();
    try (Table t = hbase.getTable(table);
         ResultScanner s = t.getScanner(new Scan().setRowPrefixFilter(Bytes.toBytes("w" + w + "-")))) {
      for (Result r : s) {
        out.add(Bytes.toInt(r.getValue(FAMILY, QUALIFIER)));
      }
    }
    return out;
  }

  private static Set<Integer> files(FileSystem fs, Path dir, int w) throws IOException {
    Set<Integer> out = new TreeSet<>();
    for (FileStatus f : fs.listStatus(dir)) {
      String n = f.getPath().getName();
      if (n.startsWith("w" + w + "-") && f.getLen() == 4) {
        out.add(Integer.parseInt(n.substring(n.indexOf('-') + 1)));
      }
    }
    return out;
  }
}
