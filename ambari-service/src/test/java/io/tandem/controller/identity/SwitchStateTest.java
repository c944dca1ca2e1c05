package io.tandem.controller.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The switch as a persisted state machine, on real clusters: an interrupted switch keeps its
 * planned decision when re-run and can be reverted before promotion; and a failover soon after a
 * failback keeps the target's live data, which is newer than any cut in its catalog, instead of
 * restoring an older cut over it. The clusters' health is what this test says it is (the health
 * probe's verdict is the input the switch decides on).
 */
@ExtendWith(TwoClusters.class)
class SwitchStateTest {
  private static final byte[] F = Bytes.toBytes("f");
  private static final byte[] Q = Bytes.toBytes("q");
  private static EmbeddedClusters clusters;
  private static ControllerContext ctx;
  private static final Map<String, Boolean> HEALTHY = new ConcurrentHashMap<>();
  private static IdentityService identity;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    // The clusters' guards serve the controller root /tandem, not this test's: here no guard ever
    // registers, so the switches below wait only for registered guards (none), except the case
    // that shows what the default does about that.
    ctx = ControllerContext.open(ControllerFixture.conf(c, "/switchstate")
        .set(io.tandem.core.config.TandemKeys.FAILOVER_REQUIRE_GUARDS, "false"));
    HEALTHY.put("primary", true);
    HEALTHY.put("secondary", true);
    identity = new IdentityService(ctx, HEALTHY::get, null, Duration.ofSeconds(30));
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void aFailoverSoonAfterAFailbackKeepsTheTargetsNewerLiveData() throws Exception {
    TableName t = ControllerFixture.table(clusters.primary(), "swa", "t");
    ControllerFixture.rows(clusters.primary(), t, 0, 10, "a");
    ctx.policies().create(new PolicySpec("swa", List.of("hbase:swa:t"), List.of("every:1h"), "push", 5, null, null,
        null, null));
    try {
      Manifest c1 = ctx.backups().run("swa", Instant.now(), null);
      assertEquals(CutState.COMPLETE, c1.state(), c1::reason);

      SwitchReport toSecondary = identity.switchTo("secondary", true, false, null);
      assertTrue(toSecondary.planned());
      assertEquals("PROMOTED", toSecondary.step());
      put(clusters.secondary(), t, "on-secondary");

      SwitchReport back = identity.switchTo("primary", true, false, null);
      assertTrue(back.planned());
      assertEquals("on-secondary", get(clusters.primary(), t, "on-secondary"), "the failback's final cut brought it");
      assertEquals(Long.valueOf(back.epochAfter() - 1), ctx.switches().demotedAt("secondary").orElse(null));

      // The primary dies before any new cut reached the secondary's catalog.
      HEALTHY.put("primary", false);
      Manifest newest = ctx.catalog().list("swa").stream().filter(m -> m.state() == CutState.COMPLETE)
          .reduce((a, b) -> b).orElseThrow();
      assertTrue(newest.epoch() < ctx.switches().demotedAt("secondary").orElseThrow(),
          "the newest cut on the secondary predates its time as primary: restoring it would lose 'on-secondary'");
      SwitchReport dry = identity.switchTo("secondary", false, true, null);
      assertNotNull(dry.services().get(0).kept(), "the dry run says the live data is kept");
      SwitchReport failover = identity.switchTo("secondary", true, false, null);
      assertFalse(failover.planned());
      assertNotNull(failover.services().get(0).kept(), failover.toString());
      assertNull(failover.services().get(0).cutId(), "no cut was restored");
      assertEquals("on-secondary", get(clusters.secondary(), t, "on-secondary"),
          "the secondary's own newer write survives the failover");
      assertEquals("secondary", ctx.identity().require().record().primary());
    } finally {
      HEALTHY.put("primary", true);
      if (!ctx.identity().require().record().isPrimary("primary")) {
        identity.switchTo("primary", true, false, null);
      }
      ctx.policies().delete("swa", false);
    }
  }

  @Test
  void anInterruptedSwitchKeepsItsDecisionAndCanBeReverted() throws Exception {
    TableName t = ControllerFixture.table(clusters.primary(), "swb", "t");
    ControllerFixture.rows(clusters.primary(), t, 0, 10, "a");
    ctx.policies().create(new PolicySpec("swb", List.of("hbase:swb:t"), List.of("every:1h"), "push", 5, null, null,
        null, null));
    try {
      Manifest c1 = ctx.backups().run("swb", Instant.now(), null);
      assertEquals(CutState.COMPLETE, c1.state(), c1::reason);
      long epoch = ctx.identity().require().record().epoch();
      try (Admin admin = clusters.primary().getConnection().getAdmin()) {
        admin.disableTable(t); // the final cut cannot fence a disabled table
      }
      TandemException stopped = assertThrows(TandemException.class,
          () -> identity.switchTo("secondary", true, false, null));
      assertTrue(stopped.getMessage().contains("final cut of swb"), stopped.getMessage());
      SwitchState s = ctx.switches().current().orElseThrow();
      assertEquals(SwitchState.Step.GUARDS_ACKED, s.step());
      assertTrue(s.planned());
      assertNotNull(s.error());
      IdentityRecord mid = ctx.identity().require().record();
      assertTrue(mid.inTransition(), "nobody is primary while the switch is unfinished");
      assertEquals(epoch + 1, mid.epoch());
      assertEquals("primary", ctx.roles().primary().name(), "mid-switch, data still flows from the old primary");

      // Re-run while the old primary now looks unhealthy: the decision (planned) stands, so the
      // switch still insists on its final cut rather than dropping the writes since c1.
      HEALTHY.put("primary", false);
      TandemException again = assertThrows(TandemException.class,
          () -> identity.switchTo("secondary", true, false, null));
      assertTrue(again.getMessage().contains("final cut of swb"), again.getMessage());
      assertTrue(ctx.switches().current().orElseThrow().planned());
      HEALTHY.put("primary", true);

      // Revert: the old primary is primary again, one epoch later; the switch is closed.
      SwitchReport revert = identity.switchTo("primary", true, false, null);
      assertEquals("revert", revert.action());
      IdentityRecord after = ctx.identity().require().record();
      assertEquals("primary", after.primary());
      assertEquals(epoch + 2, after.epoch());
      assertTrue(ctx.switches().current().isEmpty());
      assertEquals(SwitchState.Step.REVERTED, ctx.switches().last().orElseThrow().step());
      assertTrue(ctx.switches().demotedAt("primary").isEmpty(), "a reverted demotion is forgotten");
    } finally {
      HEALTHY.put("primary", true);
      try (Admin admin = clusters.primary().getConnection().getAdmin()) {
        if (admin.isTableDisabled(t)) {
          admin.enableTable(t);
        }
      }
      ctx.policies().delete("swb", false);
    }
  }

  @Test
  void bySwitchDefaultAServerWhoseGuardNeverRegisteredIsWaitedForAndNamed() throws Exception {
    ctx.conf().set(io.tandem.core.config.TandemKeys.FAILOVER_REQUIRE_GUARDS, "true");
    try {
      IdentityService strict = new IdentityService(ctx, HEALTHY::get, null, Duration.ofSeconds(3));
      TandemException stuck = assertThrows(TandemException.class, () -> strict.switchTo("secondary", true, false, null));
      assertTrue(stuck.getMessage().contains("no guard registered"), stuck.getMessage());
      assertTrue(stuck.getMessage().contains("regionserver-"), stuck.getMessage());
      assertTrue(ctx.identity().require().record().inTransition(), "it stopped with both clusters refusing");
      assertEquals(SwitchState.Step.TRANSITION, ctx.switches().current().orElseThrow().step());
      SwitchReport revert = strict.switchTo("primary", true, false, null);
      assertEquals("revert", revert.action());
    } finally {
      ctx.conf().set(io.tandem.core.config.TandemKeys.FAILOVER_REQUIRE_GUARDS, "false");
    }
    assertEquals("primary", ctx.identity().require().record().primary());
  }

  private static void put(HBaseTestingUtility util, TableName t, String row) throws Exception {
    try (Table table = util.getConnection().getTable(t)) {
      table.put(new Put(Bytes.toBytes(row)).addColumn(F, Q, Bytes.toBytes(row)));
    }
  }

  private static String get(HBaseTestingUtility util, TableName t, String row) throws Exception {
    try (Table table = util.getConnection().getTable(t)) {
      return Bytes.toString(table.get(new Get(Bytes.toBytes(row))).getValue(F, Q));
    }
  }
}
