package io.tandem.controller.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.core.type.TypeReference;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.api.ApiClient;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.json.Json;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Restore drills on the real clusters: a drill of a COMPLETE cut started through the API passes,
 * is recorded and reported in the status, and leaves nothing in {@code tandem_drill} or the scratch
 * dir on either cluster; a drill of a cut whose primary snapshot no longer holds what was shipped
 * fails naming the table, removes what a killed drill left, and cleans up all the same.
 */
@ExtendWith(TwoClusters.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillTest {
  private static final String SERVICE = "drillsvc";
  private static final String DIR = "/data/" + SERVICE + "/events";

  private static EmbeddedClusters clusters;
  private static ControllerContext ctx;
  private static ControllerDaemon daemon;
  private static TableName table;
  private static Manifest cut;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    ctx = ControllerFixture.open(c, "/drill");
    HBaseTestingUtility primary = c.primary();
    table = ControllerFixture.table(primary, SERVICE, "orders");
    ControllerFixture.rows(primary, table, 0, 30, "a");
    FileSystem pfs = primary.getTestFileSystem();
    ControllerFixture.file(pfs, DIR + "/part-0", 3_000, 1);
    ControllerFixture.file(pfs, DIR + "/sub/part-1", 1_500, 2);
    ctx.policies().create(new PolicySpec(SERVICE, List.of("hbase:" + SERVICE + ":orders", "hdfs:" + DIR),
        List.of("every:1h"), "push", 2, null, null, null, null));
    cut = ctx.backups().run(SERVICE, Instant.now(), null);
    assertEquals(CutState.COMPLETE, cut.state(), cut.reason());
    // Never drilled, with a first COMPLETE cut younger than the interval: not due yet, so a new
    // service's first cuts never queue behind a drill.
    ctx.conf().set(TandemKeys.DRILL_INTERVAL_HOURS, "1");
    try {
      assertEquals(List.of(), ctx.drills().list(SERVICE));
      assertEquals(List.of(), ctx.drills().runDue(), "the first drill comes an interval after the first cut");
    } finally {
      ctx.conf().set(TandemKeys.DRILL_INTERVAL_HOURS, "0");
    }
    daemon = new ControllerDaemon(ctx);
    daemon.start();
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
  @Order(1)
  void aDrillStartedThroughTheApiPassesIsRecordedAndLeavesNothing() throws Exception {
    ApiClient admin = ApiClient.admin(daemon.port());
    HttpResponse<String> refused = admin.as("mallory").call("POST", "/api/v1/drills/" + SERVICE, null);
    assertEquals(403, refused.statusCode(), refused.body());
    assertTrue(ctx.drills().list(SERVICE).isEmpty(), "a refused request starts no drill");

    HttpResponse<String> started = admin.call("POST", "/api/v1/drills/" + SERVICE, null);
    assertEquals(202, started.statusCode(), started.body());
    Map<String, Object> body = Json.MAPPER.readValue(started.body(), new TypeReference<Map<String, Object>>() { });
    String drillId = (String) body.get("drillId");
    assertEquals(cut.cutId(), body.get("cutId"));

    ApiClient reader = admin.as("mallory");
    ControllerFixture.until("drill " + drillId + " finished", Duration.ofMinutes(3), () -> {
      List<DrillRecord> l = list(reader);
      return !l.isEmpty() && l.get(0).drillId().equals(drillId) && l.get(0).state() != DrillState.RUNNING;
    });
    DrillRecord d = list(reader).get(0);
    System.out.println("DRILL PASSED " + Json.write(d));
    assertEquals(DrillState.PASSED, d.state(), d.reason());
    assertNull(d.reason());
    assertEquals(cut.cutId(), d.cutId());
    assertEquals(new DrillRecord.Figures(1, 30, d.figures().hashBatches(), d.figures().hashBatches(), 1, 2, 4_500),
        d.figures());
    assertTrue(d.figures().hashBatches() >= 1, "SyncTable compared hash ranges: " + d.figures());
    DrillRecord.TableCheck t = d.tables().get(0);
    assertEquals("tandem_drill:" + SERVICE + "." + SERVICE + ".orders", t.scratchTable());
    assertTrue(t.same());
    assertEquals(0L, t.counters().getOrDefault("HASHES_NOT_MATCHED", 0L), t.counters().toString());
    assertTrue(d.durationMs() > 0 && d.stepsMs().get("hashTable") > 0 && d.stepsMs().get("syncTable") > 0
        && d.stepsMs().get("dirs") > 0, d.stepsMs().toString());
    assertEquals(d, ctx.catalog().drills(SERVICE).get(0), "the API answers what the catalog holds");
    assertNothingLeft();

    Map<String, Object> status = Json.MAPPER.readValue(reader.call("GET", "/api/v1/status", null).body(),
        new TypeReference<Map<String, Object>>() { });
    Map<?, ?> drill = ((List<?>) status.get("services")).stream().map(s -> (Map<?, ?>) s)
        .filter(s -> SERVICE.equals(s.get("service"))).map(s -> (Map<?, ?>) s.get("drill")).findFirst().orElseThrow();
    assertEquals(0, ((Number) drill.get("intervalHours")).intValue(), "drills are off in the test configuration");
    assertEquals(Map.of("drillId", drillId, "state", "PASSED"), Map.of("drillId", ((Map<?, ?>) drill.get("last")).get(
        "drillId"), "state", ((Map<?, ?>) drill.get("last")).get("state")));

    // The schedule: not due again within its interval, and only for the services it names.
    ctx.conf().set(TandemKeys.DRILL_INTERVAL_HOURS, "1");
    try {
      assertTrue(ctx.drills().scheduled(SERVICE));
      assertEquals(List.of(), ctx.drills().runDue(), "a drill ran minutes ago");
      ctx.conf().set(TandemKeys.DRILL_SERVICES, "othersvc");
      assertFalse(ctx.drills().scheduled(SERVICE));
    } finally {
      ctx.conf().set(TandemKeys.DRILL_INTERVAL_HOURS, "0");
      ctx.conf().set(TandemKeys.DRILL_SERVICES, "");
    }
  }

  @Test
  @Order(2)
  void aDrillWhosePrimarySnapshotDiffersFailsNamingTheTableAndCleansUp() throws Exception {
    // What a drill killed mid-way leaves: a scratch table, a scratch dir, a RUNNING record.
    HBaseTestingUtility secondary = clusters.secondary();
    try (Admin a = secondary.getConnection().getAdmin()) {
      if (!Arrays.asList(a.listNamespaces()).contains(DrillNames.NAMESPACE)) {
        a.createNamespace(NamespaceDescriptor.create(DrillNames.NAMESPACE).build());
      }
    }
    TableName ghost = DrillNames.scratchTable(SERVICE, SERVICE + ":ghost");
    secondary.createTable(ghost, "f");
    String killedId = DrillNames.drillId(Instant.now().minusSeconds(60));
    Path killedDir = new Path(DrillNames.scratchDir(ctx.conf().get(TandemKeys.DRILL_SCRATCH_DIR), SERVICE, killedId));
    ControllerFixture.file(secondary.getTestFileSystem(), killedDir + "/hashes/x", 10, 1);
    ctx.catalog().putDrill(new DrillRecord(killedId, SERVICE, DrillState.RUNNING, cut.cutId(), "p", "s",
        Instant.now().minusSeconds(60), null, null, null, null, null, null, null));

    var gc = ctx.leftovers(ctx.locks()::isLocked).collect(true);
    assertEquals(List.of("/tandem/drill/" + SERVICE, ghost.getNameAsString()), gc.items().stream()
        .filter(i -> i.kind() == io.tandem.controller.gc.LeftoverCollector.Kind.DRILL_SCRATCH)
        .map(io.tandem.controller.gc.LeftoverCollector.Item::name).sorted().toList(), "tandem gc lists them: " + gc);

    // The primary's snapshot of the cut no longer holds what was shipped: one more row in it.
    String snapshot = cut.tables().get(0).snapshot();
    HBaseTestingUtility primary = clusters.primary();
    ControllerFixture.rows(primary, table, 30, 31, "late");
    try (Admin a = primary.getConnection().getAdmin()) {
      a.deleteSnapshot(snapshot);
      a.snapshot(snapshot, table);
    }

    DrillRecord d = ctx.drills().run(SERVICE, ctx.drills().newDrillId());
    System.out.println("DRILL FAILED " + Json.write(d));
    assertEquals(DrillState.FAILED, d.state());
    assertTrue(d.reason().startsWith("table " + SERVICE + ":orders restored from " + ctx.secondary().name()
        + " differs from its snapshot " + snapshot + " on " + ctx.primary().name() + ": "), d.reason());
    assertTrue(d.reason().contains("TARGETMISSINGROWS=1") || d.reason().contains("TARGETMISSINGCELLS=1"), d.reason());
    assertFalse(d.tables().get(0).same());
    assertTrue(d.dirs().get(0).same(), "the directory still came back equal: " + d.dirs());
    assertNothingLeft();

    List<DrillRecord> all = ctx.catalog().drills(SERVICE);
    assertEquals(List.of(d.drillId(), all.get(1).drillId(), killedId), all.stream().map(DrillRecord::drillId).toList());
    DrillRecord killed = all.get(2);
    assertEquals(DrillState.FAILED, killed.state());
    assertTrue(killed.reason().contains("stopped before it finished"), killed.reason());

    // The CLI: the same list, exit codes 0 / 2 (usage) / 3 (unknown service).
    StringBuilder out = new StringBuilder();
    assertEquals(0, cli(out, "drill", "list", SERVICE, "--json"), out.toString());
    assertEquals(all, Json.MAPPER.readValue(out.toString(), new TypeReference<List<DrillRecord>>() { }));
    assertEquals(2, cli(new StringBuilder(), "drill", "run"), "no service named");
    assertEquals(3, cli(new StringBuilder(), "drill", "run", "nosuchsvc"), "unknown service");
    assertNothingLeft();
  }

  /** Runs the CLI with this test's configuration; stdout into {@code out}, returns the exit code. */
  private static int cli(StringBuilder out, String... args) throws Exception {
    java.nio.file.Path site = java.nio.file.Files.createTempDirectory("drill-cli").resolve("tandem-site.xml");
    try (java.io.OutputStream o = java.nio.file.Files.newOutputStream(site)) {
      ctx.conf().raw().writeXml(o);
    }
    String[] full = new String[args.length + 2];
    full[0] = "--conf";
    full[1] = site.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    java.io.StringWriter captured = new java.io.StringWriter();
    int code = io.tandem.controller.cli.TandemCli.run(full, new java.io.PrintWriter(captured),
        new java.io.PrintWriter(new java.io.StringWriter()));
    out.append(captured);
    return code;
  }

  private static List<DrillRecord> list(ApiClient client) throws Exception {
    HttpResponse<String> r = client.call("GET", "/api/v1/drills/" + SERVICE, null);
    assertEquals(200, r.statusCode(), r.body());
    return Json.MAPPER.readValue(r.body(), new TypeReference<List<DrillRecord>>() { });
  }

  /** No scratch table on either cluster, no scratch dir on the secondary. */
  private static void assertNothingLeft() throws IOException {
    for (HBaseTestingUtility u : List.of(clusters.primary(), clusters.secondary())) {
      try (Admin a = u.getConnection().getAdmin()) {
        try {
          assertEquals(List.of(), Arrays.asList(a.listTableNamesByNamespace(DrillNames.NAMESPACE)));
        } catch (NamespaceNotFoundException none) {
          // nothing was ever made there
        }
      }
    }
    Path scratch = new Path(ctx.conf().get(TandemKeys.DRILL_SCRATCH_DIR) + "/" + SERVICE);
    assertFalse(clusters.secondary().getTestFileSystem().exists(scratch), scratch + " is left on the secondary");
  }
}
