package io.tandem.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.core.type.TypeReference;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.status.StatusReport;
import io.tandem.core.json.Json;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/** Every endpoint of the controller API against the real clusters; bad requests change nothing. */
@ExtendWith(TwoClusters.class)
class ApiServerTest {
  private static ControllerContext ctx;
  private static ControllerDaemon daemon;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    ctx = ControllerFixture.open(c, "/api");
    daemon = new ControllerDaemon(ctx);
    daemon.start();
    ControllerFixture.file(c.primary().getTestFileSystem(), "/data/apisvc/f", 2000, 3);
    ControllerFixture.file(c.primary().getTestFileSystem(), "/data/apiusers/f", 100, 4);
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

  private static HttpResponse<String> call(String method, String path, String body) throws Exception {
    return ApiClient.admin(daemon.port()).call(method, path, body);
  }

  private static Map<String, Object> json(String s) throws Exception {
    return Json.MAPPER.readValue(s, new TypeReference<Map<String, Object>>() { });
  }

  @Test
  void healthAndStatus() throws Exception {
    HttpResponse<String> h = call("GET", "/api/v1/health", null);
    assertEquals(200, h.statusCode());
    assertEquals("UP", json(h.body()).get("status"));
    HttpResponse<String> s = call("GET", "/api/v1/status", null);
    assertEquals(200, s.statusCode());
    Map<String, Object> doc = json(s.body());
    assertEquals(java.util.Set.copyOf(StatusReport.KEYS), doc.keySet(), s.body());
  }

  /** The server is Hadoop's HttpServer2: the pages every Hadoop daemon has come with it. */
  @Test
  void hadoopDaemonPagesAreServedNextToTheApi() throws Exception {
    HttpResponse<String> jmx = call("GET", "/jmx?qry=java.lang:type=Runtime", null);
    assertEquals(200, jmx.statusCode());
    assertTrue(json(jmx.body()).get("beans") instanceof List<?> beans && !beans.isEmpty(), jmx.body());
    HttpResponse<String> conf = call("GET", "/conf", null);
    assertEquals(200, conf.statusCode());
    assertTrue(conf.body().contains("tandem.controller.zk.root") && conf.body().contains("/api"), "the running tandem-site");
    HttpResponse<String> level = call("GET", "/logLevel?log=io.tandem.controller", null);
    assertEquals(200, level.statusCode());
    assertTrue(level.body().contains("Effective Level"), level.body());
    HttpResponse<String> index = call("GET", "/index.html", null);
    assertEquals(200, index.statusCode());
    assertTrue(index.body().contains("/api/v1/status"), index.body());
  }

  @Test
  void policyCrudAndBackupRun() throws Exception {
    String body = "{\"datasets\":[\"hdfs:/data/apisvc\"],\"schedules\":[\"every:1h\"],\"mode\":\"push\"}";
    HttpResponse<String> put = call("PUT", "/api/v1/policies/apisvc", body);
    assertEquals(200, put.statusCode(), put.body());
    assertEquals("apisvc", json(call("GET", "/api/v1/policies/apisvc", null).body()).get("service"));
    assertTrue(call("GET", "/api/v1/policies", null).body().contains("apisvc"));

    HttpResponse<String> run = call("POST", "/api/v1/backups/apisvc/run", null);
    assertEquals(202, run.statusCode(), run.body());
    String cutId = (String) json(run.body()).get("cutId");
    // Wait on the condition: the cut reaches a terminal state in the catalog.
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    String state = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> m = call("GET", "/api/v1/backups/apisvc/" + cutId, null);
      if (m.statusCode() == 200) {
        state = (String) json(m.body()).get("state");
        if (!"RUNNING".equals(state)) {
          break;
        }
      }
      synchronized (this) {
        wait(500);
      }
    }
    assertEquals("COMPLETE", state);
    List<?> list = Json.MAPPER.readValue(call("GET", "/api/v1/backups/apisvc", null).body(), List.class);
    assertEquals(1, list.size());

    HttpResponse<String> del = call("DELETE", "/api/v1/policies/apisvc?dryRun=true", null);
    assertEquals(200, del.statusCode());
    assertEquals(200, call("GET", "/api/v1/policies/apisvc", null).statusCode(), "dry run deletes nothing");
    assertEquals(200, call("DELETE", "/api/v1/policies/apisvc", null).statusCode());
    assertEquals(404, call("GET", "/api/v1/policies/apisvc", null).statusCode());
  }

  @Test
  void badRequestsAreRefusedWithClearErrorsAndChangeNothing() throws Exception {
    HttpResponse<String> malformed = call("PUT", "/api/v1/policies/apibad", "{not json");
    assertEquals(400, malformed.statusCode());
    assertTrue(((String) json(malformed.body()).get("error")).contains("not valid JSON"), malformed.body());

    HttpResponse<String> missing = call("PUT", "/api/v1/policies/apibad",
        "{\"datasets\":[\"hbase:nosuchns:nosuch\"],\"schedules\":[\"every:1h\"]}");
    assertEquals(400, missing.statusCode());
    assertTrue(((String) json(missing.body()).get("error")).contains("nosuchns"), missing.body());

    HttpResponse<String> badCron = call("PUT", "/api/v1/policies/apibad",
        "{\"datasets\":[\"hdfs:/data/apisvc\"],\"schedules\":[\"cron:61 * * * *\"]}");
    assertEquals(400, badCron.statusCode());
    assertTrue(((String) json(badCron.body()).get("error")).contains("minute"), badCron.body());

    HttpResponse<String> mismatch = call("PUT", "/api/v1/policies/apibad",
        "{\"service\":\"other\",\"datasets\":[\"hdfs:/data/apisvc\"],\"schedules\":[\"every:1h\"]}");
    assertEquals(400, mismatch.statusCode());

    assertEquals(404, call("GET", "/api/v1/policies/apibad", null).statusCode(), "nothing was stored");
    assertEquals(404, call("POST", "/api/v1/backups/apibad/run", null).statusCode());
    assertEquals(404, call("GET", "/api/v1/nosuch", null).statusCode());
    assertEquals(400, call("POST", "/api/v1/health", null).statusCode());
  }
  @Test
  void userSyncReportsDifferencesAndRefusesBadRequests() throws Exception {
    String body = "{\"datasets\":[\"hdfs:/data/apiusers\"],\"schedules\":[\"every:1h\"],\"users\":[\"apiuser\"]}";
    assertEquals(200, call("PUT", "/api/v1/policies/apiusers", body).statusCode());
    try {
      HttpResponse<String> dry = call("POST", "/api/v1/users/apiusers/sync?mode=reconcile&dryRun=true", null);
      assertEquals(200, dry.statusCode(), dry.body());
      Map<String, Object> report = json(dry.body());
      assertEquals(true, report.get("dryRun"));
      assertEquals("reconcile", report.get("mode"));
      // The directory is not live on the secondary (no restore yet): reported, not applied.
      List<?> diffs = (List<?>) report.get("differences");
      assertTrue(diffs.stream().anyMatch(d -> "PATH_MISSING".equals(((Map<?, ?>) d).get("kind"))
          && "/data/apiusers".equals(((Map<?, ?>) d).get("object"))), dry.body());

      HttpResponse<String> badMode = call("POST", "/api/v1/users/apiusers/sync?mode=mirror", null);
      assertEquals(400, badMode.statusCode());
      assertTrue(((String) json(badMode.body()).get("error")).contains("mirror"), badMode.body());
      assertEquals(400, call("POST", "/api/v1/users/apiusers/sync?dryRun=maybe", null).statusCode());
      assertEquals(400, call("GET", "/api/v1/users/apiusers/sync", null).statusCode());
      assertEquals(404, call("POST", "/api/v1/users/nosuchsvc/sync", null).statusCode());
      assertEquals(404, call("POST", "/api/v1/users/apiusers", null).statusCode());
    } finally {
      call("DELETE", "/api/v1/policies/apiusers", null);
    }
  }
}
