package io.tandem.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The one way Tandem's tests wait for a condition (Awaitility underneath): poll from the start,
 * every 10 ms, and fail with an {@link AssertionError} that names what was awaited. Never a sleep
 * that stands in for a condition.
 */
public final class Wait {
  private static final Duration POLL = Duration.ofMillis(10);

  private Wait() {
  }

  /** Waits until {@code condition} holds; fails naming {@code what} when {@code timeout} passes. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) {
    until(what, timeout, condition::getAsBoolean, false);
  }

  /**
   * Waits until {@code condition} answers true; an exception counts as "not yet", and the last one
   * is the failure's cause when {@code timeout} passes.
   */
  public static void until(String what, Duration timeout, Callable<Boolean> condition) {
    until(what, timeout, condition, true);
  }

  private static void until(String what, Duration timeout, Callable<Boolean> condition, boolean ignoreExceptions) {
    Throwable[] last = new Throwable[1];
    Callable<Boolean> watched = () -> {
      try {
        return Boolean.TRUE.equals(condition.call());
      } catch (Exception e) {
        if (!ignoreExceptions) {
          throw e;
        }
        last[0] = e;
        return false;
      }
    };
    try {
      Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL)
          .pollInSameThread().until(watched);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what, last[0]);
    }
  }
}
