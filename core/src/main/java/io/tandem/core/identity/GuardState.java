package io.tandem.core.identity;

import java.util.Objects;

/**
 * The published view of one identity guard, and the rule that keeps it honest across lost
 * connections: a view read from ZooKeeper is published only if the session has not been lost
 * since the read began. So once {@link #connectionLost()} has returned, the guard refuses, and no
 * read that was already in flight can turn it back on; only a read begun after the loss can.
 *
 * <p>{@link #view()} is the write path's one volatile read. The other methods are called by the
 * guard's ZooKeeper threads and take a short lock.
 */
public final class GuardState {
  private final Object lock = new Object();
  private volatile GuardView view;
  // guarded by lock: bumped by every connection loss
  private long generation;

  public GuardState(GuardView initial) {
    this.view = Objects.requireNonNull(initial, "initial");
  }

  /** The view in force. Never blocks. */
  public GuardView view() {
    return view;
  }

  /** Take this before reading ZooKeeper, and hand it to {@link #apply}. */
  public long generation() {
    synchronized (lock) {
      return generation;
    }
  }

  /**
   * The session is disconnected or expired: refuse from now on.
   *
   * @return the view now in force (refusing protected writes)
   */
  public GuardView connectionLost() {
    synchronized (lock) {
      generation++;
      GuardView v = view.disconnected();
      view = v;
      return v;
    }
  }

  /**
   * Publishes {@code read} unless the connection was lost after {@code readGeneration} was taken.
   *
   * @return the view now in force, or null if {@code read} was dropped as stale
   */
  public GuardView apply(long readGeneration, GuardView read) {
    Objects.requireNonNull(read, "read");
    synchronized (lock) {
      if (generation != readGeneration) {
        return null;
      }
      view = read;
      return read;
    }
  }
}
