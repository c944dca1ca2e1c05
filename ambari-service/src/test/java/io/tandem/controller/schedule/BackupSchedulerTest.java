package io.tandem.controller.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Two services on different moments run independently, each at its own moment; moments are
 * remembered across a scheduler restart; missed interval moments coalesce into one cut. Time
 * is driven through {@link BackupScheduler#tick(Instant)}, so nothing waits for wall-clock.
 */
@ExtendWith(TwoClusters.class)
class BackupSchedulerTest {
  private static ControllerContext ctx;
  private static EmbeddedClusters clusters;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    ctx = ControllerFixture.open(c, "/sched");
    ControllerFixture.table(c.primary(), "scha", "t");
    ControllerFixture.rows(c.primary(), org.apache.hadoop.hbase.TableName.valueOf("scha", "t"), 0, 10, "a");
    ControllerFixture.file(c.primary().getTestFileSystem(), "/data/schb/f", 1000, 1);
    ControllerFixture.file(c.primary().getTestFileSystem(), "/data/schc/f", 1000, 2);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  private BackupScheduler scheduler() {
    return new BackupScheduler(ctx::policies, ctx::backups, ctx.zk(),
        ctx.conf().get(TandemKeys.CONTROLLER_ZK_ROOT), Clock.systemUTC(), 60_000);
  }

  @Test
  void servicesRunAtTheirOwnMomentsAndOnlyOnce() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant ta = now.plus(Duration.ofHours(1));
    Instant tb = now.plus(Duration.ofHours(2));
    ctx.policies().create(new PolicySpec("scha", List.of("hbase:scha:t"), List.of("once:" + ta), "push", 2, null, null, null, null));
    ctx.policies().create(new PolicySpec("schb", List.of("hdfs:/data/schb"), List.of("once:" + tb), "pull", 2, null, null, null, null));

    try (BackupScheduler s = scheduler()) {
      assertTrue(s.tick(now).keySet().stream().noneMatch(k -> k.startsWith("sch")), "nothing is due yet");
      Map<String, Instant> atA = s.tick(ta);
      assertEquals(ta, atA.get("scha"), "scha runs at its moment");
      assertTrue(!atA.containsKey("schb"), "schb is not due at scha's moment");
      Manifest a = s.await("scha", 5, TimeUnit.MINUTES);
      assertEquals(CutState.COMPLETE, a.state(), a::reason);
      assertEquals(ta, a.moment());
    }
    // A restarted scheduler remembers that scha's moment was handled.
    try (BackupScheduler s = scheduler()) {
      Map<String, Instant> atB = s.tick(tb);
      assertEquals(Map.of("schb", tb), filter(atB));
      Manifest b = s.await("schb", 5, TimeUnit.MINUTES);
      assertEquals(CutState.COMPLETE, b.state(), b::reason);
      assertEquals(tb, b.moment());
      assertTrue(filter(s.tick(tb.plus(Duration.ofDays(1)))).isEmpty(), "one-off moments run once");
    }
    assertEquals(1, ctx.catalog().list("scha").size());
    assertEquals(1, ctx.catalog().list("schb").size());
  }

  @Test
  void missedIntervalMomentsCoalesceIntoOneCut() throws Exception {
    Instant created = Instant.parse("2026-01-01T00:00:00Z");
    ctx.policies().create(new PolicySpec("schc", List.of("hdfs:/data/schc"), List.of("every:1h"), "push", 2, null,
        null, null, created.toString()));
    try (BackupScheduler s = scheduler()) {
      Instant late = created.plus(Duration.ofHours(5)).plus(Duration.ofMinutes(10));
      Map<String, Instant> started = s.tick(late);
      assertEquals(created.plus(Duration.ofHours(5)), started.get("schc"), "cut once at the latest missed moment");
      Manifest m = s.await("schc", 5, TimeUnit.MINUTES);
      assertEquals(CutState.COMPLETE, m.state(), m::reason);
      assertTrue(!s.tick(late.plus(Duration.ofMinutes(1))).containsKey("schc"), "next moment is 06:00");
    }
    assertEquals(1, ctx.catalog().list("schc").size());
  }

  private static Map<String, Instant> filter(Map<String, Instant> m) {
    Map<String, Instant> out = new java.util.TreeMap<>(m);
    out.keySet().removeIf(k -> !k.startsWith("sch"));
    return out;
  }
}
