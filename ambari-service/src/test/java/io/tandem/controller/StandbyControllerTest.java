package io.tandem.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Two controllers on one ZooKeeper root: one is active (runs the scheduler), the other is
 * standby; when the active one stops, the standby takes over, does not repeat the moment the
 * first one handled, and runs the next one: no cut run twice, none lost.
 */
@ExtendWith(TwoClusters.class)
class StandbyControllerTest {

  @Test
  void standbyTakesOverWithoutRepeatingOrLosingACut(EmbeddedClusters clusters) throws Exception {
    ControllerFixture.file(clusters.primary().getTestFileSystem(), "/data/stby/f", 1000, 5);
    TandemConf confA = ControllerFixture.conf(clusters, "/stby").set(TandemKeys.SCHEDULER_TICK_MS, "200");
    TandemConf confB = ControllerFixture.conf(clusters, "/stby").set(TandemKeys.SCHEDULER_TICK_MS, "200");
    try (ControllerContext a = ControllerContext.open(confA); ControllerContext b = ControllerContext.open(confB)) {
      Instant t1 = Instant.now().plusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
      Instant t2 = t1.plusSeconds(25);
      a.policies().create(new PolicySpec("stby", List.of("hdfs:/data/stby"), List.of("once:" + t1, "once:" + t2),
          "push", 5, null, null, null, null));
      ControllerDaemon da = new ControllerDaemon(a);
      ControllerDaemon db = new ControllerDaemon(b);
      try {
        da.start();
        waitFor("a controller is active", () -> da.isActive() || db.isActive());
        db.start();
        waitFor("exactly one controller is active", () -> da.isActive() ^ db.isActive());
        ControllerDaemon active = da.isActive() ? da : db;
        ControllerDaemon standby = active == da ? db : da;
        assertNotEquals(active.isActive(), standby.isActive());

        waitFor("the first moment's cut completes", () -> complete(a) == 1);
        long s0 = System.nanoTime();
        active.close();
        waitFor("the standby becomes active", standby::isActive);
        System.out.println("MEASURE standby_takeover_ms=" + (System.nanoTime() - s0) / 1_000_000);
        waitFor("the second moment's cut completes", () -> complete(a) == 2);

        List<Manifest> cuts = a.catalog().list("stby");
        assertEquals(2, cuts.size(), "one cut per moment: " + cuts.stream().map(Manifest::cutId).toList());
        assertEquals(t1, cuts.get(0).moment());
        assertEquals(t2, cuts.get(1).moment());
        assertTrue(cuts.stream().allMatch(m -> m.state() == CutState.COMPLETE));
      } finally {
        da.close();
        db.close();
      }
    }
  }

  private static int complete(ControllerContext ctx) {
    try {
      return (int) ctx.catalog().list("stby").stream().filter(m -> m.state() == CutState.COMPLETE).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void waitFor(String what, BooleanSupplier cond) {
    ControllerFixture.await(what, Duration.ofMinutes(3), cond);
  }
}
