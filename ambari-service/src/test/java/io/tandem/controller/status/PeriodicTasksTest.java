package io.tandem.controller.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.core.error.TandemException;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * A periodic task outlives a failing run. The health probe's role lookup reads the controller's
 * ZooKeeper; when that read fails (here: the first two reads, as while ZooKeeper is down), the
 * probe task must log, count, and keep probing, so the primary-faulty alert and automatic
 * failover still fire later. Without the guard the first exception ends the task for good.
 */
@ExtendWith(TwoClusters.class)
class PeriodicTasksTest {

  @Test
  void theHealthProbeKeepsProbingAfterItsRoleLookupThrows(EmbeddedClusters clusters) throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    try (ControllerContext ctx = ControllerFixture.open(clusters, "/periodic");
        HealthProbe probe = new HealthProbe(ctx.clusters(), name -> {
          if (lookups.incrementAndGet() <= 2) {
            throw TandemException.unavailable("could not read the identity record from the controller's ZooKeeper", null);
          }
          return "PRIMARY";
        }, 200, 3, Clock.systemUTC())) {
      probe.start();
      ControllerFixture.await("health probes after the failing ones", Duration.ofSeconds(60),
          () -> probe.tasks().stats().get("health-probe").lastSuccessAt() != null);
      PeriodicTasks.Stats s = probe.tasks().stats().get("health-probe");
      assertTrue(s.failures() >= 1, "the failing run was counted: " + s);
      assertTrue(s.lastError().contains("identity record"), s.lastError());
      assertNotNull(s.lastFailureAt());
      assertTrue(s.runs() > s.failures(), s.toString());
      assertEquals(2, probe.last().size(), "both clusters probed after the failures: " + probe.last().keySet());
    }
  }

  @Test
  void countsRunsAndFailuresOfEachTask() {
    PeriodicTasks tasks = new PeriodicTasks(Clock.systemUTC());
    AtomicInteger calls = new AtomicInteger();
    Runnable flaky = tasks.guard("flaky", () -> {
      if (calls.incrementAndGet() % 2 == 0) {
        throw new IllegalStateException("every second run fails");
      }
    });
    for (int i = 0; i < 5; i++) {
      flaky.run();
    }
    Map<String, PeriodicTasks.Stats> stats = tasks.stats();
    assertEquals(5, stats.get("flaky").runs());
    assertEquals(2, stats.get("flaky").failures());
    assertEquals("IllegalStateException: every second run fails", stats.get("flaky").lastError());
  }
}
