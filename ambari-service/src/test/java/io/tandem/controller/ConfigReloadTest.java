package io.tandem.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.core.type.TypeReference;

import io.tandem.core.config.TandemKeys;
import io.tandem.core.json.Json;
import io.tandem.core.policy.Policy;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Ambari's "Refresh configs" path against the real clusters: the controller is started from a
 * tandem-site.xml file, the file is rewritten the way Ambari's save_configs does, and
 * {@code POST /api/v1/config/reload} makes the running controller apply the declared policies.
 */
@ExtendWith(TwoClusters.class)
class ConfigReloadTest {
  private static TandemConf base;
  private static Path site;
  private static ControllerContext ctx;
  private static ControllerDaemon daemon;

  private static String policy(String service, String dir, String schedule) {
    return "{\"service\":\"" + service + "\",\"datasets\":[\"hdfs:" + dir + "\"],\"schedules\":[\"" + schedule + "\"]}";
  }

  /** Writes tandem-site.xml as Ambari would: the base settings plus these. */
  private static void writeSite(String policiesJson, Map<String, String> extra) throws Exception {
    Configuration c = new Configuration(base.raw());
    c.set(TandemKeys.POLICIES.name(), policiesJson);
    extra.forEach(c::set);
    Path tmp = site.resolveSibling("tandem-site.xml.tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      c.writeXml(out);
    }
    Files.move(tmp, site, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static HttpResponse<String> reload() throws Exception {
    return io.tandem.controller.api.ApiClient.admin(daemon.port()).call("POST", "/api/v1/config/reload", null);
  }

  private static int cli(String... args) {
    java.io.PrintWriter err = new java.io.PrintWriter(System.err, true);
    return io.tandem.controller.cli.TandemCli.run(args, new java.io.PrintWriter(System.out, true), err);
  }

  private static Map<String, Object> json(String s) throws Exception {
    return Json.MAPPER.readValue(s, new TypeReference<Map<String, Object>>() { });
  }

  private static List<String> schedules(String service) {
    return ctx.policies().get(service).toSpec().schedules();
  }

  @BeforeAll
  static void startControllerFromAFile(EmbeddedClusters c) throws Exception {
    FileSystem fs = c.primary().getTestFileSystem();
    for (String d : List.of("/data/rl-a", "/data/rl-b", "/data/rl-c")) {
      fs.mkdirs(new org.apache.hadoop.fs.Path(d));
    }
    base = ControllerFixture.conf(c, "/reload");
    site = Files.createTempDirectory("tandem-reload-").resolve("tandem-site.xml");
    writeSite("[" + policy("rla", "/data/rl-a", "every:1h") + "]", Map.of());
    ctx = ControllerContext.open(TandemConf.load(site));
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
  void refreshAppliesNewAndChangedPoliciesKeepsOrDeletesMissingOnesAndRejectsABadSetWhole() throws Exception {
    assertEquals(List.of("every:1h"), schedules("rla"), "applied on start");

    // 1. A changed policy and a new one: both applied by the running controller.
    writeSite("[" + policy("rla", "/data/rl-a", "every:2h") + "," + policy("rlb", "/data/rl-b", "cron:0 3 * * *") + "]",
        Map.of());
    long t0 = System.nanoTime();
    HttpResponse<String> r1 = reload();
    long reloadMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, r1.statusCode(), r1.body());
    Map<String, Object> report = json(r1.body());
    assertEquals(List.of("rlb"), report.get("created"));
    assertEquals(List.of("rla"), report.get("updated"));
    assertEquals(site.toString(), report.get("source"));
    assertEquals(List.of("every:2h"), schedules("rla"));
    assertEquals(List.of("cron:0 3 * * *"), schedules("rlb"));
    System.out.println("[figure] config reload with one created and one updated policy: " + reloadMs
        + " ms over HTTP (controller's own count " + report.get("tookMs") + " ms)");

    // 2. Same file again, from the CLI and over HTTP: nothing to do.
    assertEquals(0, cli("config", "reload", "--url", "http://127.0.0.1:" + daemon.port()));
    HttpResponse<String> again = reload();
    assertEquals(200, again.statusCode(), again.body());
    assertEquals(List.of("rla", "rlb"), json(again.body()).get("unchanged"));

    // 3. rla no longer declared: kept, because deleting needs the explicit setting. A key that
    //    only a restart applies is reported as such.
    writeSite("[" + policy("rlb", "/data/rl-b", "cron:0 3 * * *") + "]",
        Map.of(TandemKeys.SCHEDULER_TICK_MS.name(), "5000"));
    HttpResponse<String> r3 = reload();
    assertEquals(200, r3.statusCode(), r3.body());
    assertEquals(List.of("rla"), json(r3.body()).get("kept"));
    assertEquals(List.of(TandemKeys.SCHEDULER_TICK_MS.name()), json(r3.body()).get("restartNeeded"));
    assertEquals(List.of("every:2h"), schedules("rla"), "kept as it was");

    // 4. A bad policy (its table does not exist) next to a good change: rejected, naming the
    //    policy and the reason, and nothing at all changes — not even the good change.
    List<Policy> before = ctx.policies().list();
    writeSite("[" + policy("rlb", "/data/rl-b", "every:30m") + ","
        + "{\"service\":\"rlbad\",\"datasets\":[\"hbase:nosuchns:nosuch\"],\"schedules\":[\"every:1h\"]},"
        + "{\"service\":\"rlworse\",\"datasets\":[\"hdfs:/data/rl-c\"],\"schedules\":[\"every:1h\"],\"colour\":\"red\"}]",
        Map.of(TandemKeys.POLICIES_DELETE_MISSING.name(), "true"));
    HttpResponse<String> r4 = reload();
    assertEquals(400, r4.statusCode(), r4.body());
    Map<String, Object> refused = json(r4.body());
    String error = (String) refused.get("error");
    assertTrue(error.contains("policy rlbad is invalid") && error.contains("nosuchns"), error);
    assertTrue(error.contains("policy rlworse is not a policy") && error.contains("colour"), error);
    assertEquals(2, ((List<?>) refused.get("rejected")).size(), r4.body());
    assertEquals(List.of(), refused.get("updated"));
    assertEquals(List.of(), refused.get("deleted"));
    assertEquals(before, ctx.policies().list(), "nothing half-applied");
    assertEquals(2, cli("config", "reload", "--url", "http://127.0.0.1:" + daemon.port()), "the CLI's invalid-input exit code");
    assertEquals(5, cli("config", "reload", "--url", "http://127.0.0.1:1"), "nothing listens there");
    assertFalse(ctx.policies().list().stream().anyMatch(p -> p.service().startsWith("rlbad")));

    // 5. Deleting what is not declared, when asked to explicitly.
    writeSite("[" + policy("rlb", "/data/rl-b", "every:30m") + "]", Map.of(TandemKeys.POLICIES_DELETE_MISSING.name(), "true"));
    HttpResponse<String> r5 = reload();
    assertEquals(200, r5.statusCode(), r5.body());
    assertEquals(List.of("rla"), json(r5.body()).get("deleted"));
    assertEquals(List.of("rlb"), json(r5.body()).get("updated"));
    assertEquals(List.of("rlb"), ctx.policies().list().stream().map(Policy::service).toList());

    // 6. A file that is not even a list: a clear 400 and nothing changes.
    writeSite("{\"service\":\"rlb\"}", Map.of());
    HttpResponse<String> r6 = reload();
    assertEquals(400, r6.statusCode(), r6.body());
    assertTrue(r6.body().contains("tandem.policies must be a JSON list"), r6.body());
    assertEquals(List.of("every:30m"), schedules("rlb"));
  }
}
