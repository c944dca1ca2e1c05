package io.tandem.controller.cut;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * Writers that each issue chains of causally ordered writes across three data sets, each write
 * only after the previous one is acknowledged. Forward writers: row in table 1, then a file in
 * dir 1, then a row in table 2. Reverse writers: row in table 2, file in dir 2, row in table 1.
 * In any consistent cut, each writer's writes form a prefix of its sequence.
 *
 * <p>Each row has two cells, so a half-applied put would show.
 */
final class ChainWorkload implements AutoCloseable {
  static final byte[] F = CutTestSupport.F;
  static final byte[] V = Bytes.toBytes("v");
  static final byte[] W = Bytes.toBytes("w");

  /** One write of a chain: where it goes and under which key. */
  record Step(Kind kind, String dataSet, String key) {
  }

  enum Kind { ROW, FILE }

  final class Writer implements Runnable {
    final int id;
    final boolean forward;
    final AtomicInteger acked = new AtomicInteger();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong maxStepMs = new AtomicLong();

    Writer(int id, boolean forward) {
      this.id = id;
      this.forward = forward;
    }

    Step step(int i) {
      int n = i / 3;
      String key = (char) ('a' + id) + "-" + String.format("%06d", n);
      int s = i % 3;
      String firstTable = forward ? t1.getNameAsString() : t2.getNameAsString();
      String lastTable = forward ? t2.getNameAsString() : t1.getNameAsString();
      return switch (s) {
        case 0 -> new Step(Kind.ROW, firstTable, key);
        case 1 -> new Step(Kind.FILE, forward ? d1 : d2, key);
        default -> new Step(Kind.ROW, lastTable, key);
      };
    }

    @Override
    public void run() {
      try (Table a = hbase.getTable(t1); Table b = hbase.getTable(t2)) {
        for (int i = 0; !stop.get(); i++) {
          awaitNotPaused();
          Step st = step(i);
          long t0 = System.nanoTime();
          while (true) {
            try {
              if (st.kind() == Kind.ROW) {
                Table t = st.dataSet().equals(t1.getNameAsString()) ? a : b;
                t.put(new Put(Bytes.toBytes(st.key())).addColumn(F, V, Bytes.toBytes(i))
                    .addColumn(F, W, Bytes.toBytes(st.key())));
              } else {
                try (OutputStream out = fs.create(new Path(st.dataSet(), st.key()), true)) {
                  out.write(Bytes.toBytes(st.key()));
                }
              }
              break;
            } catch (IOException e) {
              retries.incrementAndGet();
              if (stop.get() && System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
                failure.compareAndSet(null, e);
                return;
              }
            }
          }
          maxStepMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
          acked.incrementAndGet();
        }
      } catch (IOException | RuntimeException e) {
        failure.compareAndSet(null, e);
      }
    }
  }

  private final Connection hbase;
  private final FileSystem fs;
  final TableName t1;
  final TableName t2;
  final String d1;
  final String d2;
  final List<Writer> writers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Object pauseLock = new Object();
  private boolean paused;
  final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();

  ChainWorkload(Connection hbase, FileSystem fs, TableName t1, TableName t2, String d1, String d2, int writers) {
    this.hbase = hbase;
    this.fs = fs;
    this.t1 = t1;
    this.t2 = t2;
    this.d1 = d1;
    this.d2 = d2;
    for (int i = 0; i < writers; i++) {
      this.writers.add(new Writer(i, i % 2 == 0));
    }
  }

  ChainWorkload start() {
    for (Writer w : writers) {
      Thread t = new Thread(w, "chain-writer-" + w.id);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  /**
   * Holds every writer before its next write (writes in flight finish) until {@link #resume}:
   * the cuts are taken under load, and shipping them need not copy writes nobody checks.
   */
  void pause() {
    synchronized (pauseLock) {
      paused = true;
    }
  }

  void resume() {
    synchronized (pauseLock) {
      paused = false;
      pauseLock.notifyAll();
    }
  }

  private void awaitNotPaused() throws InterruptedIOException {
    synchronized (pauseLock) {
      while (paused && !stop.get()) {
        try {
          pauseLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("writer interrupted while paused");
        }
      }
    }
  }

  int totalAcked() {
    return writers.stream().mapToInt(w -> w.acked.get()).sum();
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    resume();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(90));
    }
  }

  /**
   * The ways {@code view} breaks causality: for each writer, a write present in the cut although an
   * earlier write of the same writer is missing.
   */
  List<String> violations(CutView view, String label) throws IOException {
    java.util.Map<String, java.util.Set<String>> cache = new java.util.HashMap<>();
    List<String> out = new ArrayList<>();
    for (Writer w : writers) {
      int n = w.acked.get() + 1; // the write in progress at the end may be present too
      int firstMissing = -1;
      for (int i = 0; i < n; i++) {
        Step st = w.step(i);
        java.util.Set<String> present = cache.get(st.dataSet());
        if (present == null) {
          present = st.kind() == Kind.ROW ? view.rows(st.dataSet()) : view.files(st.dataSet());
          cache.put(st.dataSet(), present);
        }
        boolean has = present.contains(st.key());
        if (!has && firstMissing < 0) {
          firstMissing = i;
        } else if (has && firstMissing >= 0) {
          out.add(label + ": writer " + w.id + " write #" + i + " " + st + " is in the cut but its earlier write #"
              + firstMissing + " " + w.step(firstMissing) + " is not");
          break;
        }
      }
    }
    for (String half : view.incomplete()) {
      out.add(label + ": incomplete in the cut: " + half);
    }
    return out;
  }
}
