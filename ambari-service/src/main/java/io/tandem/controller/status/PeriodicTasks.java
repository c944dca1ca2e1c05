package io.tandem.controller.status;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the controller's periodic tasks (health probes, scheduler ticks, user reconcile,
 * automatic failover, metrics) alive: a task wrapped by {@link #guard} logs what it throws, counts
 * it, and runs again at its next period, where a bare {@code ScheduledExecutorService} task would
 * stop for the life of the process at its first exception. The counts are in the status document
 * ({@code tasks}). Thread-safe.
 */
public final class PeriodicTasks {
  private static final Logger LOG = LoggerFactory.getLogger(PeriodicTasks.class);

  /** What one task has done so far. */
  public record Stats(String name, long runs, long failures, Instant lastSuccessAt, Instant lastFailureAt,
      String lastError) {
  }

  private final Clock clock;
  private final Map<String, Stats> stats = new ConcurrentHashMap<>();

  public PeriodicTasks(Clock clock) {
    this.clock = clock;
  }

  /** {@code body} as a task that survives whatever it throws, short of the JVM itself failing. */
  public Runnable guard(String name, Runnable body) {
    stats.putIfAbsent(name, new Stats(name, 0, 0, null, null, null));
    return () -> {
      try {
        body.run();
        stats.compute(name, (k, s) -> new Stats(name, s.runs() + 1, s.failures(), clock.instant(), s.lastFailureAt(),
            s.lastError()));
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) { // NOPMD: a periodic task must outlive any failure of one run
        String error = e.getClass().getSimpleName() + ": " + e.getMessage();
        Stats s = stats.compute(name, (k, old) -> new Stats(name, old.runs() + 1, old.failures() + 1,
            old.lastSuccessAt(), clock.instant(), error));
        LOG.error("periodic task {} failed (failure {} of {} runs; it runs again at its next period): {}", name,
            s.failures(), s.runs(), error, e);
      }
    };
  }

  /** Every task's counts, by name. */
  public Map<String, Stats> stats() {
    return new TreeMap<>(stats);
  }
}
