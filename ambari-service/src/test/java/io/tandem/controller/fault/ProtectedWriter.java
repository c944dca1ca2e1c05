package io.tandem.controller.fault;

import java.io.IOException;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.security.User;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * An application writing to one cluster's copy of a protected table: one put about every 100 ms,
 * as user {@code app} (this JVM's own user is one of the guards' bypass users, whose writes are
 * never refused). Every attempt is kept, with whether the cluster accepted it.
 */
final class ProtectedWriter implements AutoCloseable {
  static final String APP_USER = "app";
  private static final byte[] F = Bytes.toBytes("f");
  private static final byte[] Q = Bytes.toBytes("w");
  private static final long PACE_MS = 100;

  /** One put: client-side wall-clock bracket, and the error if it was not accepted. */
  record Attempt(String cluster, String row, long startMs, long endMs, String error) {
    boolean accepted() {
      return error == null;
    }
  }

  /** An accepted write as the cluster stamped it (RegionServer time; same clock as this JVM). */
  record Accepted(String cluster, String row, long at) {
  }

  final String cluster;
  final String prefix;
  private final HBaseTestingUtility util;
  private final TableName table;
  private final Connection connection;
  private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
  private final Thread thread;
  private volatile boolean stop;

  ProtectedWriter(String cluster, HBaseTestingUtility util, TableName table, String tag) throws Exception {
    this.cluster = cluster;
    this.util = util;
    this.table = table;
    this.prefix = tag + "-" + cluster + "-";
    Configuration conf = new Configuration(util.getConfiguration());
    // A write that is neither accepted nor refused at once (a disabled table mid-restore) must not
    // stall the writer for minutes.
    conf.setInt("hbase.client.retries.number", 2);
    conf.setInt("hbase.client.operation.timeout", 4000);
    conf.setInt("hbase.rpc.timeout", 3000);
    User app = User.createUserForTesting(conf, APP_USER, new String[] {APP_USER});
    this.connection = app.runAs((PrivilegedExceptionAction<Connection>) () -> ConnectionFactory.createConnection(conf));
    this.thread = new Thread(this::loop, "fault-writer-" + prefix);
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try (Table t = connection.getTable(table)) {
      for (int i = 0; !stop; i++) {
        String row = prefix + String.format("%06d", i);
        long s = System.currentTimeMillis();
        String error = null;
        try {
          t.put(new Put(Bytes.toBytes(row)).addColumn(F, Q, Bytes.toBytes(row)));
        } catch (Exception e) {
          error = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).split("\n", 2)[0];
        }
        attempts.add(new Attempt(cluster, row, s, System.currentTimeMillis(), error));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PACE_MS));
      }
    } catch (IOException e) {
      attempts.add(new Attempt(cluster, "-", System.currentTimeMillis(), System.currentTimeMillis(), e.toString()));
    }
  }

  List<Attempt> attempts() {
    synchronized (attempts) {
      return List.copyOf(attempts);
    }
  }

  long acceptedSince(long sinceMs) {
    return attempts().stream().filter(a -> a.accepted() && a.startMs() >= sinceMs).count();
  }

  long refusedSince(long sinceMs) {
    return attempts().stream().filter(a -> !a.accepted() && a.startMs() >= sinceMs).count();
  }

  /** The longest time between two accepted writes (0 with fewer than two). */
  long longestGapMs() {
    long prev = -1;
    long gap = 0;
    for (Attempt a : attempts()) {
      if (a.accepted()) {
        if (prev >= 0) {
          gap = Math.max(gap, a.endMs() - prev);
        }
        prev = a.endMs();
      }
    }
    return gap;
  }

  /** How many attempts failed, by exception class. */
  Map<String, Long> errorKinds() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (Attempt a : attempts()) {
      if (!a.accepted()) {
        out.merge(a.error().split(":", 2)[0], 1L, Long::sum);
      }
    }
    return out;
  }

  /** The newest attempt, if any. */
  Attempt last() {
    List<Attempt> all = attempts();
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }

  /**
   * Every accepted write with the time the cluster gave it: the cell's timestamp when the row is
   * still there, else (overwritten by a later restore) the end of the client's attempt.
   */
  List<Accepted> accepted() throws IOException {
    Map<String, Long> stamped = new HashMap<>();
    try (Table t = util.getConnection().getTable(table);
        ResultScanner rs = t.getScanner(new Scan().setRowPrefixFilter(Bytes.toBytes(prefix)))) {
      for (Result r : rs) {
        Cell c = r.getColumnLatestCell(F, Q);
        if (c != null) {
          stamped.put(Bytes.toString(r.getRow()), c.getTimestamp());
        }
      }
    }
    List<Accepted> out = new ArrayList<>();
    for (Attempt a : attempts()) {
      if (a.accepted()) {
        out.add(new Accepted(cluster, a.row(), stamped.getOrDefault(a.row(), a.endMs())));
      }
    }
    return out;
  }

  void stop() throws InterruptedException {
    stop = true;
    thread.join(TimeUnit.SECONDS.toMillis(30));
    if (thread.isAlive()) {
      throw new AssertionError("writer " + prefix + " did not stop");
    }
  }

  @Override
  public void close() throws Exception {
    try {
      stop();
    } finally {
      connection.close();
    }
  }
}
