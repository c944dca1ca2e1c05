package io.tandem.controller.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.AclEntry;
import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.core.type.TypeReference;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.controller.api.ApiClient;
import io.tandem.controller.api.ApiServer;
import io.tandem.controller.cli.TandemCli;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.json.Json;
import io.tandem.core.policy.PolicySpec;
import io.tandem.core.usersync.Difference;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The drift report on the real clusters: two services with a table and a directory and one
 * COMPLETE cut each, the first also restored on the secondary; then, on the primary only, one service gets a file added, one deleted, one
 * appended to, a new table matching its policy, rows, and a user's ACL entry (the shared clusters run
 * without HBase's AccessController; UserSyncIT covers grants). Its report names
 * exactly those; the untouched service reports no drift. The API answers readers and refuses the
 * unauthenticated and bad names; the CLI prints a few lines or the JSON.
 */
@ExtendWith(TwoClusters.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftTest {
  private static final String CHANGED = "drifta";
  private static final String UNTOUCHED = "driftb";
  private static final String READER = "drift-reader";
  private static EmbeddedClusters clusters;
  private static TandemConf conf;
  private static ControllerContext ctx;
  private static ApiServer api;
  private static Path site;

  private static String dir(String service) {
    return "/data/" + service + "/events";
  }

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    conf = ControllerFixture.conf(c, "/drift").set(TandemKeys.READ_ACL, READER);
    ctx = ControllerContext.open(conf);
    api = new ApiServer(ctx, null, null, () -> true, () -> null, "127.0.0.1", 0);
    api.start();
    site = Files.createTempDirectory("drift-site-").resolve("tandem-site.xml");
    try (OutputStream out = Files.newOutputStream(site)) {
      conf.raw().writeXml(out);
    }
    FileSystem pfs = clusters.primary().getTestFileSystem();
    for (String service : List.of(CHANGED, UNTOUCHED)) {
      TableName t = ControllerFixture.table(clusters.primary(), service, "orders");
      ControllerFixture.rows(clusters.primary(), t, 0, 20, "a");
      for (String f : List.of("a", "b", "c")) {
        ControllerFixture.file(pfs, dir(service) + "/" + f, 4096, f.hashCode());
      }
      ctx.policies().create(new PolicySpec(service, List.of("hbase:" + service + ":*", "hdfs:" + dir(service)),
          List.of("every:1h"), "push", 3, null, null, null, null));
      Manifest cut = ctx.backups().run(service, Instant.now(), null);
      assertEquals(CutState.COMPLETE, cut.state(), () -> "cut of " + service + ": " + cut.reason());
      if (service.equals(CHANGED)) {
        // Live on the secondary too (as after a failover drill), so its paths' ACLs are compared.
        ctx.restores().restore(service, cut.cutId(), false);
      }
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (api != null) {
      api.close();
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  @Order(1)
  void reportsExactlyWhatChangedOnThePrimarySinceTheCut() throws Exception {
    FileSystem pfs = clusters.primary().getTestFileSystem();
    String d = dir(CHANGED);
    ControllerFixture.file(pfs, d + "/d", 100, 4);
    pfs.delete(new org.apache.hadoop.fs.Path(d + "/b"), false);
    try (FSDataOutputStream out = pfs.append(new org.apache.hadoop.fs.Path(d + "/c"))) {
      out.write(new byte[] {1, 2, 3});
    }
    TableName fresh = ControllerFixture.table(clusters.primary(), CHANGED, "fresh");
    TableName orders = TableName.valueOf(CHANGED, "orders");
    ControllerFixture.rows(clusters.primary(), orders, 20, 25, "b");
    pfs.modifyAclEntries(new org.apache.hadoop.fs.Path(d + "/a"), AclEntry.parseAclSpec("user:drift-user:r--", true));

    long t0 = System.nanoTime();
    DriftReport r = new DriftService(ctx).report(CHANGED);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.err.println("drift report of " + CHANGED + ": " + ms + " ms, calls " + r.calls() + "\n" + Json.write(r));

    assertTrue(r.drift());
    assertTrue(r.cut().replicaAtCut(), () -> "replica problems: " + r.cut().replicaProblems());
    assertEquals(1, r.dirs().size());
    DriftReport.DirDrift files = r.dirs().get(0);
    // Modified: c's content, and a's ACL (HDFS's snapshot diff counts metadata changes too).
    assertEquals(List.of(1, 1, 2, 0), List.of(files.added(), files.removed(), files.modified(), files.renamed()),
        files.toString());
    assertEquals(Set.of("+ " + d + "/d", "- " + d + "/b", "M " + d + "/c", "M " + d + "/a"), Set.copyOf(files.paths()));
    assertEquals(0, files.more());

    Map<String, DriftReport.TableDrift> tables = r.tables().stream()
        .collect(Collectors.toMap(DriftReport.TableDrift::table, t -> t));
    assertEquals(Set.of(orders.getNameAsString(), fresh.getNameAsString()), tables.keySet());
    DriftReport.TableDrift f = tables.get(fresh.getNameAsString());
    assertEquals("primary only", f.presence());
    assertFalse(f.inCut());
    assertEquals(3, f.primaryRegions());
    DriftReport.TableDrift o = tables.get(orders.getNameAsString());
    assertEquals("both", o.presence());
    assertEquals(Boolean.TRUE, o.changedSinceCut(), o.toString());
    assertEquals(Boolean.TRUE, o.cellsSinceCut(), "the new rows are not flushed: " + o);
    assertEquals(Boolean.FALSE, o.boundariesDifferFromCut());
    assertEquals(3, o.cutRegions());

    // On the secondary: the table and directory as restored from the cut.
    assertTrue(o.liveOnSecondary());
    assertEquals(Boolean.FALSE, o.boundariesDifferFromSecondary());
    assertEquals(List.of(), r.users().notLiveOnSecondary());
    List<Difference> users = r.users().differences();
    assertTrue(users.stream().anyMatch(x -> x.kind() == Difference.Kind.ACL && x.object().equals(d + "/a")
        && x.primary().contains("drift-user")), () -> "the primary-only ACL entry: " + users);
    assertTrue(users.stream().anyMatch(x -> x.kind() == Difference.Kind.PATH_MISSING && x.object().equals(d + "/d")),
        () -> "the added file: " + users);
    assertTrue(users.stream().allMatch(x -> x.object().equals(d + "/a") || x.object().equals(d + "/d")),
        () -> "nothing else differs: " + users);
    assertEquals(users.size(), r.users().count());

    DriftReport untouched = new DriftService(ctx).report(UNTOUCHED);
    System.err.println("drift report of " + UNTOUCHED + ": " + untouched.tookMs() + " ms, calls " + untouched.calls());
    assertNoDrift(untouched);
  }

  private static void assertNoDrift(DriftReport u) {
    assertEquals(Boolean.FALSE, u.drift(), () -> Json.write(u));
    assertTrue(u.cut().replicaAtCut());
    assertEquals(1, u.tables().size());
    assertEquals(Boolean.FALSE, u.tables().get(0).changedSinceCut());
    assertEquals(List.of(0, 0, 0, 0), List.of(u.dirs().get(0).added(), u.dirs().get(0).removed(),
        u.dirs().get(0).modified(), u.dirs().get(0).renamed()));
    assertEquals(0, u.users().count(), () -> "" + u.users().differences());
    assertEquals(List.of(dir(UNTOUCHED)), u.users().notLiveOnSecondary());
  }

  @Test
  @Order(2)
  void apiAnswersReadersAndRefusesTheRest() throws Exception {
    ApiClient reader = ApiClient.admin(api.port()).as(READER);
    HttpResponse<String> one = reader.call("GET", "/api/v1/drift?service=" + UNTOUCHED, null);
    assertEquals(200, one.statusCode(), one.body());
    assertNoDrift(Json.read(one.body().getBytes(), DriftReport.class, "drift"));

    HttpResponse<String> all = reader.call("GET", "/api/v1/drift", null);
    assertEquals(200, all.statusCode(), all.body());
    List<Map<String, Object>> reports = Json.MAPPER.readValue(all.body(), new TypeReference<>() { });
    assertEquals(Set.of(CHANGED, UNTOUCHED), reports.stream().map(m -> m.get("service")).collect(Collectors.toSet()));

    HttpResponse<String> anonymous = reader.raw(HttpRequest.newBuilder(reader.uri("/api/v1/drift?service=" + UNTOUCHED)));
    assertEquals(401, anonymous.statusCode(), anonymous.body());
    HttpResponse<String> stranger = reader.as("someone-else").call("GET", "/api/v1/drift", null);
    assertEquals(403, stranger.statusCode(), stranger.body());

    HttpResponse<String> bad = reader.call("GET", "/api/v1/drift?service=Bad.Name", null);
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("query parameter service"), bad.body());
    HttpResponse<String> unknown = reader.call("GET", "/api/v1/drift?service=nosuchservice", null);
    assertEquals(404, unknown.statusCode(), unknown.body());
    String error = Json.MAPPER.readTree(unknown.body()).get("error").asText();
    assertTrue(error.startsWith("service nosuchservice has no policy") && !error.contains("\n"), error);
    HttpResponse<String> misspelled = reader.call("GET", "/api/v1/drift?servcie=x", null);
    assertEquals(400, misspelled.statusCode(), misspelled.body());
  }

  @Test
  @Order(3)
  void cliPrintsLinesOrJsonAndRefusesBadInput() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = TandemCli.run(new String[] {"--conf", site.toString(), "drift", "--service", UNTOUCHED},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err.toString());
    String text = out.toString();
    assertTrue(text.startsWith(UNTOUCHED + ": no drift beyond cut " + UNTOUCHED + "-"), text);
    assertTrue(text.contains("files " + dir(UNTOUCHED) + ": 0 added, 0 removed, 0 modified, 0 renamed"), text);
    assertTrue(text.lines().count() <= 5, text);

    StringWriter json = new StringWriter();
    code = TandemCli.run(new String[] {"--conf", site.toString(), "drift", "--service", CHANGED, "--json"},
        new PrintWriter(json, true), new PrintWriter(err, true));
    assertEquals(0, code, err.toString());
    DriftReport r = Json.read(json.toString().getBytes(), DriftReport.class, "cli json");
    assertEquals(Boolean.TRUE, r.drift());
    assertEquals(1, r.dirs().get(0).added());

    StringWriter badErr = new StringWriter();
    code = TandemCli.run(new String[] {"--conf", site.toString(), "drift", "--service", "No Good"},
        new PrintWriter(new StringWriter(), true), new PrintWriter(badErr, true));
    assertEquals(2, code, badErr.toString());
    assertTrue(badErr.toString().contains("--service"), badErr.toString());

    StringWriter help = new StringWriter();
    assertEquals(0, TandemCli.run(new String[] {"drift", "--help"}, new PrintWriter(help, true),
        new PrintWriter(new StringWriter(), true)));
    assertTrue(help.toString().contains("--service") && help.toString().contains("--json"), help.toString());
    assertNotNull(r.calls());
  }
}
