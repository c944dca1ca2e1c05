package io.tandem.hbase;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hadoop.hbase.RegionTooBusyException;
import org.junit.jupiter.api.Test;

/** The fence state machine and its drain, without a cluster (the region itself is not needed). */
class RegionFenceTest {
  private final RegionFence fence = new RegionFence(null, "abc123", "billing:orders");

  @Test
  void idleFenceLetsEverythingThrough() {
    fence.enter();
    assertDoesNotThrow(fence::checkWrite);
    assertDoesNotThrow(fence::checkBulkLoad);
    assertDoesNotThrow(fence::checkFlush);
    fence.exit();
    assertEquals(0, fence.inFlight());
    assertTrue(fence.awaitDrained(System.nanoTime()));
  }

  /** No lock, no ZooKeeper: an unfenced write pays nanoseconds (a ZooKeeper round trip is milliseconds). */
  @Test
  void idleWritePathCostsNanoseconds() throws IOException {
    int n = 2_000_000;
    for (int round = 0; round < 2; round++) { // the first round warms up the JIT
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        fence.enter();
        fence.checkWrite();
        fence.exit();
      }
      long perOp = (System.nanoTime() - t0) / n;
      if (round == 1) {
        System.out.println("idle fence: " + perOp + " ns per write (enter + check + exit)");
        assertTrue(perOp < 2_000, perOp + " ns per write");
      }
    }
    assertEquals(0, fence.inFlight());
  }

  @Test
  void phasesRefuseWhatTheyMust() throws IOException {
    fence.addFencing("cut-1");
    RegionTooBusyException e = assertThrows(RegionTooBusyException.class, fence::checkWrite);
    assertTrue(e.getMessage().contains("cut-1") && e.getMessage().contains("billing:orders"), e.getMessage());
    assertThrows(RegionTooBusyException.class, fence::checkBulkLoad);
    fence.checkFlush(); // the fixing flush runs while fenced

    fence.releaseToHolding("cut-1");
    fence.checkWrite();
    assertThrows(RegionTooBusyException.class, fence::checkBulkLoad);
    IOException held = assertThrows(IOException.class, fence::checkFlush);
    assertTrue(held.getMessage().contains("held by Tandem consistent cut cut-1"), held.getMessage());

    fence.drop("cut-1");
    fence.checkWrite();
    fence.checkBulkLoad();
    fence.checkFlush();
    assertFalse(fence.isFenced() || fence.isHeld());
  }

  @Test
  void twoCutsOnOneRegionEachKeepTheirOwnHold() throws IOException {
    fence.addFencing("a");
    fence.addFencing("b");
    fence.releaseToHolding("a");
    assertThrows(RegionTooBusyException.class, fence::checkWrite, "b still fences");
    fence.drop("b");
    fence.checkWrite();
    assertThrows(IOException.class, fence::checkFlush, "a still holds");
  }

  @Test
  void drainWaitsForTheWriteInFlightButNotForLaterOnes() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch leave = new java.util.concurrent.CountDownLatch(1);
    Thread inFlight = new Thread(() -> {
      fence.enter();
      entered.countDown();
      try {
        leave.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      fence.exit();
    });
    inFlight.start();
    entered.await();
    fence.addFencing("c");
    java.util.concurrent.CompletableFuture<Boolean> drain = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> fence.awaitDrained(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
    // A writer arriving once the drain started is refused and does not hold it up, even while inside.
    CutTestWait.until(() -> fence.inFlight() == 1 && drainStarted(fence));
    fence.enter();
    assertThrows(RegionTooBusyException.class, fence::checkWrite);
    assertFalse(drain.isDone());
    leave.countDown();
    assertTrue(drain.get(10, TimeUnit.SECONDS));
    fence.exit();
    inFlight.join();
    assertEquals(0, fence.inFlight());
  }

  private static boolean drainStarted(RegionFence f) {
    return f.epochForTests() > 0;
  }

  /** Waits on a condition with a timeout (no sleeping in place of a condition). */
  static final class CutTestWait {
    static void until(java.util.function.BooleanSupplier c) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!c.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("condition not met in 10 s");
        }
        Thread.onSpinWait();
      }
    }
  }

  /**
   * The invariant under a race: once arming has set the fence and the drain has returned, no
   * writer is between its check and its exit. Writers count in before they check, the armer sets
   * the fence before it reads the count.
   */
  @Test
  void noWriteSlipsPastADrain() throws Exception {
    AtomicBoolean drained = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong slipped = new AtomicLong();
    AtomicLong applied = new AtomicLong();
    List<Thread> writers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          fence.enter();
          try {
            fence.checkWrite();
            applied.incrementAndGet(); // "applying" the mutation
            if (drained.get()) {
              slipped.incrementAndGet();
            }
          } catch (RegionTooBusyException refused) {
            // retried by the client
          } finally {
            fence.exit();
          }
        }
      });
      t.start();
      writers.add(t);
    }
    for (int round = 0; round < 200; round++) {
      fence.addFencing("race");
      assertTrue(fence.awaitDrained(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
      drained.set(true);
      java.util.concurrent.locks.LockSupport.parkNanos(20_000);
      drained.set(false);
      fence.drop("race");
      java.util.concurrent.locks.LockSupport.parkNanos(20_000);
    }
    stop.set(true);
    for (Thread t : writers) {
      t.join();
    }
    assertEquals(0, slipped.get());
    assertTrue(applied.get() > 0);
  }
}
