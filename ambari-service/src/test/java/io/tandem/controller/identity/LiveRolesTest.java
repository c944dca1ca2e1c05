package io.tandem.controller.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.backup.BackupService;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Roles are a live fact: a controller's services follow the identity record changed by another
 * process (here a second context, as the CLI or a standby is), through the watched record, with
 * no call to refresh; and a role change re-points to the services of the other direction, built
 * once, instead of building new ones each time.
 */
@ExtendWith(TwoClusters.class)
class LiveRolesTest {

  @Test
  void servicesFollowARecordChangedElsewhereAndAreNotRebuilt(EmbeddedClusters clusters) throws Exception {
    try (ControllerContext daemon = ControllerFixture.open(clusters, "/liveroles");
        ControllerContext cli = ControllerFixture.open(clusters, "/liveroles")) {
      assertEquals("primary", daemon.primary().name());
      BackupService fromPrimary = daemon.backups();
      assertEquals("secondary", daemon.secondary().name());

      change(cli, "secondary");
      ControllerFixture.await("the daemon's roles follow the record the other process changed", Duration.ofSeconds(10),
          () -> "secondary".equals(daemon.primary().name()));
      assertEquals("primary", daemon.secondary().name());
      assertNotSame(fromPrimary, daemon.backups(), "cuts now flow the other way");

      change(cli, "primary");
      ControllerFixture.await("and back", Duration.ofSeconds(10), () -> "primary".equals(daemon.primary().name()));
      assertSame(fromPrimary, daemon.backups(), "the services of a direction are built once and kept");
    }
  }

  private static void change(ControllerContext ctx, String primary) {
    IdentityStore.Versioned v = ctx.identity().require();
    ctx.identity().change(v.version(), v.record().next(primary, Instant.now(), "test: " + primary + " is primary"),
        null);
    IdentityRecord now = ctx.identity().require().record();
    assertEquals(primary, now.primary());
  }
}
