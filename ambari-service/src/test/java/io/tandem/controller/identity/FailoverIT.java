package io.tandem.controller.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.StartMiniClusterOption;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.client.TandemClient;
import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The whole story on real clusters, in its own JVM (it takes the primary down): primary fails,
 * the controller reports it faulty, the admin confirms the switch, the secondary serves the
 * restored data and takes writes through the client library; the old primary returns as
 * secondary, is resynced, and a planned switch gives the roles back with nothing lost.
 */
@ExtendWith(TwoClusters.class)
class FailoverIT {
  private static EmbeddedClusters clusters;
  private static ControllerContext ctx;
  private static ControllerDaemon daemon;
  private static final TableName TX = TableName.valueOf("pay", "tx");
  private static final byte[] F = Bytes.toBytes("f");
  private static final byte[] Q = Bytes.toBytes("q");

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    TandemConf conf = ControllerFixture.conf(c, "/tandem");
    conf.set(TandemKeys.WATCH_INTERVAL_MS, "1000").set(TandemKeys.WATCH_FAILURE_THRESHOLD, "3")
        .set(TandemKeys.GUARD_WAIT_MS, "30000");
    ctx = ControllerContext.open(conf);
    daemon = new ControllerDaemon(ctx);
    daemon.start();
    waitFor("controller becomes active", Duration.ofSeconds(30), daemon::isActive);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void failoverThenFailbackLosesNothing() throws Exception {
    ControllerFixture.table(clusters.primary(), "pay", "tx");
    ControllerFixture.rows(clusters.primary(), TX, 0, 50, "p");
    FileSystem pfs = clusters.primary().getTestFileSystem();
    ControllerFixture.file(pfs, "/data/pay/ledger-1", 4096, 1);
    ctx.policies().create(new PolicySpec("pay", List.of("hbase:pay:tx", "hdfs:/data/pay"), List.of("every:1h"),
        "push", 3, null, null, null, null));
    Manifest first = ctx.backups().run("pay", Instant.now(), null);
    assertEquals(CutState.COMPLETE, first.state(), first::reason);
    assertEquals(1, first.epoch(), "cut stamped with the epoch it was taken under");

    try (TandemClient app = new TandemClient(clusters.controllerZkQuorum(), "/tandem")) {
      assertEquals("primary", app.activeCluster());

      // Invalid transitions are refused with clear errors.
      TandemException already = assertThrows(TandemException.class,
          () -> daemon.identity().switchTo("primary", true, false, null));
      assertTrue(already.getMessage().contains("already primary"), already.getMessage());
      TandemException unconfirmed = assertThrows(TandemException.class,
          () -> daemon.identity().switchTo("secondary", false, false, null));
      assertTrue(unconfirmed.getMessage().contains("--confirm"), unconfirmed.getMessage());
      TandemException stale = assertThrows(TandemException.class,
          () -> daemon.identity().switchTo("secondary", true, false, 99L));
      assertTrue(stale.getMessage().contains("stale epoch"), stale.getMessage());
      assertThrows(TandemException.class, () -> daemon.identity().switchTo("nosuch", true, false, null));
      assertEquals(1, ctx.identity().require().record().epoch(), "refused switches change nothing");

      // The primary fails: HBase and the NameNode go down.
      Instant failedAt = Instant.now();
      clusters.primary().shutdownMiniHBaseCluster();
      clusters.primary().getDFSCluster().shutdownNameNodes();
      waitFor("primary reported faulty", Duration.ofSeconds(90),
          () -> daemon.health().last().get("primary") != null && daemon.health().last().get("primary").faultySince() != null);
      long detectMs = Duration.between(failedAt, Instant.now()).toMillis();
      System.out.println("MEASURE detection_ms=" + detectMs);

      SwitchReport dry = daemon.identity().switchTo("secondary", false, true, null);
      assertTrue(dry.dryRun());
      assertFalse(dry.lossWarnings().isEmpty(), "a dry run says what would be lost");
      assertEquals(1, ctx.identity().require().record().epoch());

      long s0 = System.nanoTime();
      SwitchReport sw = daemon.identity().switchTo("secondary", true, false, 1L);
      long switchMs = (System.nanoTime() - s0) / 1_000_000;
      System.out.println("MEASURE switch_ms=" + switchMs + " demote_ms=" + sw.demoteMillis() + " restore_ms=" + sw.restoreMillis());
      assertFalse(sw.planned(), "the primary was down: a failover, not a planned switch");
      assertEquals(3, sw.epochAfter());
      IdentityRecord rec = ctx.identity().require().record();
      assertEquals("secondary", rec.primary());

      long c0 = System.nanoTime();
      waitFor("client re-points to the secondary", Duration.ofSeconds(30), () -> "secondary".equals(app.activeCluster()));
      System.out.println("MEASURE client_repoint_ms=" + (System.nanoTime() - c0) / 1_000_000);
      try (Table t = app.connection().getTable(TX)) {
        assertEquals("v7-p", Bytes.toString(t.get(new Get(Bytes.toBytes("r7"))).getValue(F, Q)), "restored data is served");
        t.put(new Put(Bytes.toBytes("written-on-secondary")).addColumn(F, Q, Bytes.toBytes("after-failover")));
      }
      assertTrue(app.fileSystem().exists(new Path("/data/pay/ledger-1")), "restored directory is served");
      ControllerFixture.file(app.fileSystem(), "/data/pay/ledger-2", 2048, 2);

      // Switching back to the old primary while it is still down is refused: it is unhealthy.
      TandemException unhealthy = assertThrows(TandemException.class,
          () -> daemon.identity().switchTo("primary", true, false, null));
      assertTrue(unhealthy.getMessage().contains("not healthy"), unhealthy.getMessage());
      assertEquals(3, ctx.identity().require().record().epoch(), "a refused switch changes nothing");

      // The old primary comes back: it is secondary now, and is resynced from the new primary.
      clusters.primary().getDFSCluster().restartNameNodes();
      clusters.primary().getDFSCluster().waitActive();
      clusters.primary().startMiniHBaseCluster(StartMiniClusterOption.builder().numRegionServers(TwoClusters.REGION_SERVERS).build());
      waitFor("old primary healthy again", Duration.ofSeconds(120), () -> daemon.health().healthy("primary"));
      Manifest resync = ctx.backups().run("pay", Instant.now(), null);
      assertEquals(CutState.COMPLETE, resync.state(), resync::reason);
      assertEquals(3, resync.epoch());

      // Planned switch back: final cut, restore on the original primary, promote it.
      SwitchReport back = daemon.identity().switchTo("primary", true, false, 3L);
      assertTrue(back.planned(), "both clusters healthy: a planned switch with a final cut");
      assertEquals("primary", ctx.identity().require().record().primary());
      waitFor("client follows the failback", Duration.ofSeconds(30), () -> "primary".equals(app.activeCluster()));
      try (Table t = app.connection().getTable(TX)) {
        assertEquals("after-failover", Bytes.toString(t.get(new Get(Bytes.toBytes("written-on-secondary"))).getValue(F, Q)),
            "a write made on the secondary during the failover is on the original primary after failback");
        assertNotNull(t.get(new Get(Bytes.toBytes("r49"))).getValue(F, Q));
      }
      assertTrue(app.fileSystem().exists(new Path("/data/pay/ledger-2")), "file written during failover came back");
    }
  }

  static void waitFor(String what, Duration timeout, BooleanSupplier condition) {
    ControllerFixture.await(what, timeout, condition);
  }

}
