package io.tandem.hbase;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.hadoop.hbase.RegionTooBusyException;
import org.apache.hadoop.hbase.regionserver.FlushLifeCycleTracker;
import org.apache.hadoop.hbase.regionserver.Region;

/**
 * The fence of one region: which cuts currently refuse its writes, which hold its flushes, and
 * how many write operations are inside the region right now.
 *
 * <p>Invariant: once {@link #addFencing} has returned and {@link #awaitDrained} has returned
 * true, no mutation is applied to the region until the cut is dropped. That holds because a write
 * operation counts itself in ({@link #enter}, from {@code postStartRegionOperation})
 * <em>before</em> it checks the fence ({@link #checkWrite}, from {@code prePut} and friends), and
 * the arming side sets the fence before it reads the count: either the writer sees the fence, or
 * the drain sees the writer. HBase calls {@code closeRegionOperation} in a finally block, so every
 * {@code enter} is matched by an {@link #exit} on the same thread whatever the mutation's fate.
 *
 * <p>The count is split in two epochs so a drain waits only for operations that entered before
 * it, never for the stream of refused retries that keep entering after the fence is up (which
 * could otherwise keep a plain counter above zero forever). Each thread remembers the epoch of
 * each operation it is inside (they nest: a check-and-mutate runs a batch mutation) in a small
 * thread-local bit stack.
 *
 * <p>The write path, when no cut is active, costs a volatile read of an empty state, two volatile
 * reads of the epoch, one uncontended atomic increment and decrement and a thread-local lookup:
 * no lock, no ZooKeeper.
 */
final class RegionFence {
  /** Immutable; replaced as a whole so the write path reads it with one volatile read. */
  private record State(Set<String> fencing, Set<String> holding) {
    static final State OPEN = new State(Set.of(), Set.of());
  }

  /**
   * Marks the flush that fixes a region's cut point. HBase hands the tracker to the store-level
   * flush hooks, which run only after the flush has snapshotted the memstore and released the
   * region's update lock: from then on that flush will write exactly the data it snapshotted,
   * whatever is written afterwards.
   */
  static final class FixPointFlush implements FlushLifeCycleTracker {
    private final CountDownLatch snapshotTaken = new CountDownLatch(1);

    void markSnapshotTaken() {
      snapshotTaken.countDown();
    }

    boolean awaitSnapshotTaken(long timeoutNanos) throws InterruptedException {
      return snapshotTaken.await(timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  private final Region region;
  private final String encodedName;
  private final String table;
  /** Per thread: the epochs (one bit each, innermost lowest) of the operations it is inside. */
  private static final ThreadLocal<long[]> EPOCHS = ThreadLocal.withInitial(() -> new long[2]);

  private final AtomicInteger[] inFlight = {new AtomicInteger(), new AtomicInteger()};
  private final Object drainLock = new Object();
  private volatile int epoch;
  private volatile State state = State.OPEN;

  RegionFence(Region region) {
    this(region, region.getRegionInfo().getEncodedName(), region.getRegionInfo().getTable().getNameAsString());
  }

  /** For tests of the fence logic alone; {@code region} may then be null. */
  RegionFence(Region region, String encodedName, String table) {
    this.region = region;
    this.encodedName = encodedName;
    this.table = table;
  }

  Region region() {
    return region;
  }

  String encodedName() {
    return encodedName;
  }

  /** Table as {@code ns:qualifier}, or just {@code qualifier} in the default namespace. */
  String table() {
    return table;
  }

  /** A write operation entered the region (before any fence check). */
  void enter() {
    int e;
    while (true) {
      e = epoch;
      inFlight[e & 1].incrementAndGet();
      if (epoch == e) {
        break;
      }
      inFlight[e & 1].decrementAndGet();
    }
    long[] stack = EPOCHS.get();
    stack[0] = (stack[0] << 1) | (e & 1);
    stack[1]++;
  }

  /** The write operation this thread entered last has left the region. */
  void exit() {
    long[] stack = EPOCHS.get();
    if (stack[1] == 0) {
      return; // unmatched (entered before this coprocessor started)
    }
    int e = (int) (stack[0] & 1);
    stack[0] >>>= 1;
    stack[1]--;
    inFlight[e].decrementAndGet();
  }

  int epochForTests() {
    return epoch;
  }

  int inFlight() {
    return inFlight[0].get() + inFlight[1].get();
  }

  /** @throws RegionTooBusyException while any cut fences this region; clients retry it by themselves */
  void checkWrite() throws RegionTooBusyException {
    State s = state;
    if (!s.fencing.isEmpty()) {
      throw new RegionTooBusyException("region " + encodedName + " of " + table
          + " is fenced for Tandem consistent cut " + s.fencing.iterator().next() + "; retry shortly");
    }
  }

  /** Bulk loads add files, so they are refused while fenced and while flushes are held. */
  void checkBulkLoad() throws RegionTooBusyException {
    State s = state;
    if (!s.fencing.isEmpty() || !s.holding.isEmpty()) {
      String cut = !s.fencing.isEmpty() ? s.fencing.iterator().next() : s.holding.iterator().next();
      throw new RegionTooBusyException("bulk load into region " + encodedName + " of " + table
          + " refused until Tandem consistent cut " + cut + " has its snapshots; retry shortly");
    }
  }

  /**
   * Refuses a flush while a released cut still needs this region's files to show the cut. Refusing
   * (rather than waiting) keeps the region's read lock and the MemStoreFlusher thread free; the
   * flusher asks again later and the memstore keeps the data meanwhile.
   */
  void checkFlush() throws IOException {
    State s = state;
    if (!s.holding.isEmpty()) {
      throw new IOException("flush of region " + encodedName + " of " + table
          + " held by Tandem consistent cut " + s.holding.iterator().next()
          + " until its table snapshots exist (bounded by the cut's lease)");
    }
  }

  boolean isFenced() {
    return !state.fencing.isEmpty();
  }

  boolean isHeld() {
    return !state.holding.isEmpty();
  }

  synchronized void addFencing(String cutId) {
    state = new State(plus(state.fencing, cutId), state.holding);
  }

  /** Moves the cut from fencing (writes refused) to holding (flushes refused). */
  synchronized void releaseToHolding(String cutId) {
    state = new State(minus(state.fencing, cutId), plus(state.holding, cutId));
  }

  /** Drops everything the cut held on this region. */
  synchronized void drop(String cutId) {
    state = new State(minus(state.fencing, cutId), minus(state.holding, cutId));
  }

  /**
   * Waits until every write operation that entered the region before this call has left it. Call
   * it after setting the fence. Polls: a drain is a rare event and short (in-flight mutations
   * finish in milliseconds), and the write path must not signal anyone.
   *
   * @return false if the deadline passed first
   */
  boolean awaitDrained(long deadlineNanos) {
    synchronized (drainLock) {
      int old = epoch;
      epoch = old + 1;
      AtomicInteger before = inFlight[old & 1];
      while (before.get() > 0) {
        if (System.nanoTime() - deadlineNanos > 0) {
          return false;
        }
        LockSupport.parkNanos(200_000);
      }
      return true;
    }
  }

  private static Set<String> plus(Set<String> s, String e) {
    Set<String> n = new HashSet<>(s);
    n.add(e);
    return Set.copyOf(n);
  }

  private static Set<String> minus(Set<String> s, String e) {
    if (!s.contains(e)) {
      return s;
    }
    Set<String> n = new HashSet<>(s);
    n.remove(e);
    return Set.copyOf(n);
  }

  @Override
  public String toString() {
    return "region " + encodedName + " of " + table;
  }
}
