package io.tandem.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.core.type.TypeReference;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.controller.cli.TandemCli;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.json.Json;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Hostile input, unauthenticated and unauthorized calls and cross-site requests against a running
 * controller (real HttpServer2 on the embedded clusters) and its CLI: every one is refused with a 4xx (exit
 * code 2 for the CLI) and one line naming what is wrong, and nothing is stored or switched.
 */
@ExtendWith(TwoClusters.class)
class ApiHostileInputTest {
  private static final String ALICE = "alice";
  private static final String READER = "reader";
  private static final String MALLORY = "mallory";
  private static final String KEPT = "hostilekept";
  private static final String GOOD = "{\"datasets\":[\"hdfs:/data/hostile\"],\"schedules\":[\"every:1h\"]}";

  private static TandemConf conf;
  private static ControllerContext ctx;
  private static ControllerDaemon daemon;
  private static ApiClient admin;
  private static Path site;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    conf = ControllerFixture.conf(c, "/hostile");
    conf.set(TandemKeys.ADMIN_ACL, ALICE).set(TandemKeys.READ_ACL, READER);
    ctx = ControllerContext.open(conf);
    daemon = new ControllerDaemon(ctx);
    daemon.start();
    ControllerFixture.file(c.primary().getTestFileSystem(), "/data/hostile/f", 100, 5);
    admin = ApiClient.admin(daemon.port()).as(ALICE);
    assertEquals(200, admin.call("PUT", "/api/v1/policies/" + KEPT, GOOD).statusCode());
    site = Files.createTempDirectory("hostile-cli").resolve("tandem-site.xml");
    try (OutputStream out = Files.newOutputStream(site)) {
      conf.raw().writeXml(out);
    }
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

  /** One hostile request and words (lower-case, comma-separated) one of which its error must contain, or null. */
  record Case(String method, String path, String body, String mentions) {
    @Override
    public String toString() {
      return method + " " + path + (body == null ? "" : " " + body.replaceAll("\\p{Cntrl}", "?"));
    }
  }

  static final List<String> BAD_DATASETS = List.of("hdfs:/", "hdfs://", "hdfs:/tmp", "hdfs:/user", "hdfs:/tandem",
      "hdfs:/tandem/replica/x", "hdfs:/tandem/catalog", "hdfs:/.reserved/.inodes/16386", "hdfs:/.reserved/raw/data",
      "hdfs:/data/../etc", "hdfs:/data/./x", "hdfs:/data/..", "hdfs:/data/a:b", "hdfs:/data/a|b", "hdfs:/data/a\\u0000b",
      "hdfs:/data/a\\nb", "hdfs:/data/a\\u007fb", "hdfs:/data/a\\tb", "hdfs:/data/a b", "hdfs:/data/.snapshot",
      "hdfs:relative", "hdfs:", "", " ", "hbase:", "hbase:ns", "hbase:ns:t:x", "hbase:n-s:t", "hbase:n.s:t",
      "hbase:ns:..", "hbase:ns:-t", "hbase:ns:t|x", "hbase:ns:t\\u0001x", "hbase::t", "hbase:ns:", "s3:/bucket",
      "file:/etc", "HDFS:/data/x", "hbase:ns:t*", "hbase:*:*");
  static final List<String> BAD_SCHEDULES = List.of("every:4611686018427387904s", "every:9223372036854775807s",
      "every:32000000000000000s", "every:99999999999999999999999d", "every:367d", "every:31622401s", "every:0m",
      "every:59s", "every:-1h", "every:1.5h", "every:1w", "every:", "every:h", "cron:61 * * * *", "cron:* * *",
      "cron:* * * * * *", "cron:a b c d e", "once:2020-01-01T00:00:00Z", "once:tomorrow", "once:2026-13-01T00:00:00Z",
      "once:+1000000000-01-01T00:00:00Z", "never", "", "every:1h\\ncron:* * * * *", "cron:0 0 31 2 *|x");
  static final List<String> BAD_SERVICE_NAMES = List.of("a:b", "a%7Cb", "a..b", "a%0Ab", "a%00b", "a%09b", "A",
      "-a", "_a", "9a", "a%20b", "a%22b", "a%2Cb", "x".repeat(49), "a%E2%80%A8b", "%C3%A9t%C3%A9", "a%7Fb");

  static List<Case> hostileCases() {
    List<Case> cases = new ArrayList<>();
    String p = "/api/v1/policies/hostile";
    // Bodies that are not a policy.
    for (String body : List.of("null", "[]", "\"x\"", "1", "true", "{", "{}", "{\"datasets\":null,\"schedules\":null}",
        "{\"nosuchfield\":1," + GOOD.substring(1), "{\"datasets\":\"hdfs:/data/hostile\",\"schedules\":[\"every:1h\"]}",
        "{\"datasets\":[null],\"schedules\":[\"every:1h\"]}", "{\"datasets\":[\"hdfs:/data/hostile\"],\"schedules\":[null]}",
        "{\"datasets\":[[\"x\"]],\"schedules\":[\"every:1h\"]}")) {
      cases.add(new Case("PUT", p, body, null));
    }
    cases.add(new Case("PUT", p, "{\"service\":\"other\"," + GOOD.substring(1), "service"));
    cases.add(new Case("PUT", p, "", "body"));
    for (String d : BAD_DATASETS) {
      cases.add(new Case("PUT", p, "{\"datasets\":[\"" + d + "\"],\"schedules\":[\"every:1h\"]}", "data set"));
    }
    for (String s : BAD_SCHEDULES) {
      cases.add(new Case("PUT", p, "{\"datasets\":[\"hdfs:/data/hostile\"],\"schedules\":[\"" + s + "\"]}", "schedule,cron"));
    }
    for (String f : List.of("\"mode\":\"sideways\"", "\"mode\":\"\\u0000\"", "\"retain\":0", "\"retain\":-1",
        "\"retain\":2147483648", "\"retain\":\"many\"", "\"rpoSeconds\":0", "\"rpoSeconds\":-5",
        "\"rpoSeconds\":9223372036854775807", "\"rpoSeconds\":9223372036854775808", "\"rpoSeconds\":63244801",
        "\"users\":[\"a:b\"]", "\"users\":[\"\"]", "\"users\":[null]", "\"groups\":[\"a|b\"]", "\"groups\":[\"a\\nb\"]",
        "\"createdAt\":\"yesterday\"", "\"createdAt\":\"2026-02-30T00:00:00Z\"", "\"users\":\"alice\"")) {
      cases.add(new Case("PUT", p, "{" + f + "," + GOOD.substring(1), null));
    }
    // Names in the URL, on every endpoint that takes one.
    for (String n : BAD_SERVICE_NAMES) {
      cases.add(new Case("GET", "/api/v1/policies/" + n, null, null));
      cases.add(new Case("PUT", "/api/v1/policies/" + n, GOOD, null));
      cases.add(new Case("DELETE", "/api/v1/policies/" + n, null, null));
      cases.add(new Case("POST", "/api/v1/backups/" + n + "/run", null, null));
      cases.add(new Case("GET", "/api/v1/backups/" + n, null, null));
      cases.add(new Case("POST", "/api/v1/users/" + n + "/sync?dryRun=true", null, null));
    }
    for (String cut : List.of("..", "a:b", "x", KEPT + "-2026", KEPT + "-20260101T000000000Z%0A", "%7C")) {
      cases.add(new Case("GET", "/api/v1/backups/" + KEPT + "/" + cut, null, null));
    }
    // Query flags: only exactly true or false; nothing unknown, nothing twice.
    for (String q : List.of("dryRun=TRUE", "dryRun=True", "dryRun=1", "dryRun=yes", "dryRun=", "dryRun", "dryrun=true",
        "dry_run=true", "dryRun=true&dryRun=false", "dryRun=%25ZZ", "dryRun=true%00", "force=true")) {
      cases.add(new Case("DELETE", "/api/v1/policies/" + KEPT + "?" + q, null, "dryrun".equals(q.split("=")[0]) ? "dryrun" : null));
    }
    for (String q : List.of("mode=MIRROR", "mode=", "mode=push%0A", "dryRun=TRUE", "removeExtra=1", "removeExtra=TRUE",
        "extra=1", "mode=push&mode=reconcile")) {
      cases.add(new Case("POST", "/api/v1/users/" + KEPT + "/sync?" + q, null, null));
    }
    // Switch requests that must not switch.
    for (String body : List.of("null", "[]", "\"secondary\"", "{}", "{\"to\":null}", "{\"to\":\"\"}", "{\"to\":\"a:b\",\"dryRun\":true}",
        "{\"to\":\"../secondary\",\"dryRun\":true}", "{\"to\":\"secondary\\n\",\"dryRun\":true}", "{\"to\":\"a|b\"}",
        "{\"to\":\"secondary\",\"dryRun\":true,\"expectedEpoch\":-1}", "{\"to\":\"secondary\",\"confirm\":\"perhaps\"}",
        "{\"to\":\"secondary\",\"dryRun\":\"TRUEISH\"}", "{\"to\":\"secondary\",\"force\":true}", "{\"to\":[\"secondary\"]}",
        "{\"to\":\"secondary\",\"expectedEpoch\":99999999999999999999}", "")) {
      cases.add(new Case("POST", "/api/v1/identity/switch", body, null));
    }
    // gc and reload.
    for (String body : List.of("null", "[]", "{}", "{\"dryRun\":null}", "{\"dryRun\":\"maybe\"}", "{\"dryRun\":[true]}", "{")) {
      cases.add(new Case("POST", "/api/v1/gc", body, "dryrun".equals("") ? null : null));
    }
    cases.add(new Case("POST", "/api/v1/gc?dryRun=true", "{\"dryRun\":true}", "query"));
    cases.add(new Case("POST", "/api/v1/config/reload", "{\"x\":1}", "body"));
    cases.add(new Case("POST", "/api/v1/config/reload?source=/etc/passwd", null, "source"));
    // Methods and endpoints that do not exist.
    for (String[] mp : new String[][] {{"PATCH", p}, {"POST", "/api/v1/policies"}, {"DELETE", "/api/v1/policies"},
        {"PUT", "/api/v1/status"}, {"DELETE", "/api/v1/identity"}, {"GET", "/api/v1/gc"}, {"POST", "/api/v1/nosuch"},
        {"GET", "/api/v1/users/" + KEPT + "/sync"}, {"GET", "/api/v1/config/reload"}}) {
      cases.add(new Case(mp[0], mp[1], null, null));
    }
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> hostileRequestsAreRefusedWithOneLineAndChangeNothing() throws Exception {
    List<Case> cases = hostileCases();
    assertTrue(cases.size() >= 200, "cases: " + cases.size());
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
      String before = policies();
      long epoch = epoch();
      HttpResponse<String> r = admin.call(c.method(), c.path(), c.body() == null ? null : unescape(c.body()));
      int s = r.statusCode();
      assertTrue(s >= 400 && s < 500, c + " answered " + s + ": " + r.body());
      if (!r.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT).startsWith("application/json")) {
        // Refused by the web server before any Tandem code ran (e.g. an illegal escape in the path).
        assertEquals(400, s, c + ": " + r.body());
      } else {
        String error = error(r);
        assertFalse(error.isBlank(), c + ": " + r.body());
        assertFalse(error.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f || ch == 0x2028), c + ": not one line: " + error);
        if (c.mentions() != null) {
          String lower = error.toLowerCase(Locale.ROOT);
          assertTrue(Stream.of(c.mentions().split(",")).anyMatch(lower::contains), c + ": does not name " + c.mentions() + ": " + error);
        }
        if (s == 400 && c.path().startsWith("/api/v1/policies/") && c.body() != null && c.body().contains("datasets")) {
          assertTrue(error.matches("(?is).*(data ?set|schedule|mode|retain|rposeconds|user|group|createdat|service|field|body|json).*"),
              c + ": names no field: " + error);
        }
      }
      assertEquals(before, policies(), c + " changed the stored policies");
      assertEquals(epoch, epoch(), c + " switched");
    }));
  }

  /** The same hostile policies through the CLI: exit code 2, one line on stderr, nothing stored. */
  @TestFactory
  Stream<DynamicTest> hostilePoliciesAreRefusedByTheCli() throws Exception {
    List<String[]> runs = new ArrayList<>();
    Path dir = Files.createTempDirectory("hostile-policies");
    int i = 0;
    for (String d : BAD_DATASETS) {
      Path f = dir.resolve("p" + i++ + ".json");
      Files.writeString(f, unescape("{\"service\":\"clihostile\",\"datasets\":[\"" + d + "\"],\"schedules\":[\"every:1h\"]}"));
      runs.add(new String[] {"policy", "create", "--file", f.toString()});
    }
    for (String s : BAD_SCHEDULES) {
      Path f = dir.resolve("p" + i++ + ".json");
      Files.writeString(f, unescape("{\"service\":\"clihostile\",\"datasets\":[\"hdfs:/data/hostile\"],\"schedules\":[\"" + s + "\"]}"));
      runs.add(new String[] {"policy", "create", "--file", f.toString()});
    }
    for (String body : List.of("null", "[]", "{}", "\"x\"")) {
      Path f = dir.resolve("p" + i++ + ".json");
      Files.writeString(f, body);
      runs.add(new String[] {"policy", "create", "--file", f.toString()});
    }
    for (String n : List.of("a:b", "a|b", "..", "a..b", "a\nb", "a\u0000b", "A", "x".repeat(49))) {
      runs.add(new String[] {"policy", "show", n});
      runs.add(new String[] {"policy", "delete", n});
      runs.add(new String[] {"backup", "list", "--service", n});
    }
    runs.add(new String[] {"policy", "create", "--service", "clihostile", "--dataset", "hdfs:/tmp", "--schedule", "every:1h"});
    runs.add(new String[] {"policy", "create", "--service", "clihostile", "--dataset", "hdfs:/data/hostile", "--schedule",
        "every:4611686018427387904s"});
    return runs.stream().map(args -> DynamicTest.dynamicTest(String.join(" ", args).replaceAll("\\p{Cntrl}", "?"), () -> {
      String before = policies();
      String[] full = new String[args.length + 2];
      full[0] = "--conf";
      full[1] = site.toString();
      System.arraycopy(args, 0, full, 2, args.length);
      StringWriter err = new StringWriter();
      int code = TandemCli.run(full, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
      assertEquals(2, code, "exit code for invalid input: " + err);
      String text = err.toString().strip();
      assertTrue(text.startsWith("tandem: ") && !text.contains("\n"), "one line: " + text);
      assertEquals(before, policies(), "nothing stored");
    }));
  }

  /** Who may do what: 401 without a user, 403 outside the ACL (naming the user and the key), else through. */
  @TestFactory
  Stream<DynamicTest> everyEndpointChecksTheCallersAcl() {
    List<DynamicTest> tests = new ArrayList<>();
    List<String[]> mutating = List.of(new String[] {"PUT", "/api/v1/policies/aclsvc", GOOD},
        new String[] {"DELETE", "/api/v1/policies/" + KEPT, null}, new String[] {"POST", "/api/v1/backups/" + KEPT + "/run", null},
        new String[] {"POST", "/api/v1/users/" + KEPT + "/sync?removeExtra=true", null},
        new String[] {"POST", "/api/v1/identity/switch", "{\"to\":\"secondary\",\"confirm\":true}"},
        new String[] {"POST", "/api/v1/gc", "{\"dryRun\":false}"}, new String[] {"POST", "/api/v1/config/reload", null},
        new String[] {"GET", "/conf", null}, new String[] {"GET", "/jmx", null}, new String[] {"GET", "/stacks", null},
        new String[] {"GET", "/logLevel?log=io.tandem&level=DEBUG", null});
    for (String[] m : mutating) {
      String name = m[0] + " " + m[1];
      tests.add(DynamicTest.dynamicTest("no user: " + name, () -> {
        HttpResponse<String> r = unauthenticated(m[0], m[1], m[2]);
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(error(r).contains("authentication required"), r.body());
        assertUnchanged(name);
      }));
      for (String user : List.of(MALLORY, READER)) {
        tests.add(DynamicTest.dynamicTest(user + ": " + name, () -> {
          HttpResponse<String> r = admin.as(user).call(m[0], m[1], m[2]);
          assertEquals(403, r.statusCode(), r.body());
          assertTrue(error(r).contains(user) && error(r).contains("tandem.admin.acl"), r.body());
          assertUnchanged(name);
        }));
      }
    }
    for (String path : List.of("/api/v1/status", "/api/v1/policies", "/api/v1/policies/" + KEPT, "/api/v1/backups/" + KEPT,
        "/api/v1/identity", "/api/v1/identity/switch")) {
      tests.add(DynamicTest.dynamicTest("read " + path, () -> {
        assertEquals(401, unauthenticated("GET", path, null).statusCode());
        HttpResponse<String> r = admin.as(MALLORY).call("GET", path, null);
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(error(r).contains(MALLORY) && error(r).contains("tandem.read.acl"), r.body());
        assertEquals(200, admin.as(READER).call("GET", path, null).statusCode());
        assertEquals(200, admin.call("GET", path, null).statusCode());
      }));
    }
    tests.add(DynamicTest.dynamicTest("admin reads the daemon pages", () -> {
      for (String path : List.of("/conf", "/jmx?qry=java.lang:type=Runtime", "/stacks", "/logLevel?log=io.tandem")) {
        assertEquals(200, admin.call("GET", path, null).statusCode(), path);
      }
    }));
    tests.add(DynamicTest.dynamicTest("HttpServer2's other contexts are guarded too", () -> {
      assertEquals(401, unauthenticated("GET", "/static/hadoop.css", null).statusCode());
      HttpResponse<String> r = admin.as(MALLORY).call("GET", "/static/hadoop.css", null);
      assertEquals(403, r.statusCode(), r.body());
      assertTrue(error(r).contains(MALLORY), r.body());
    }));
    tests.add(DynamicTest.dynamicTest("health is open", () -> {
      HttpResponse<String> r = unauthenticated("GET", "/api/v1/health", null);
      assertEquals(200, r.statusCode());
      assertEquals("UP", Json.MAPPER.readTree(r.body()).get("status").asText());
    }));
    return tests.stream();
  }

  /** The cross-site request: a text/plain POST a page on another site can make a browser send. */
  @Test
  void crossSiteRequestsAreRefused() throws Exception {
    String body = "{\"to\":\"secondary\",\"dryRun\":true}";
    String withUser = "/api/v1/identity/switch?user.name=" + ALICE;
    long epoch = epoch();
    // A form post: no user, text/plain.
    assertEquals(401, send("POST", "/api/v1/identity/switch", body, Map.of("Content-Type", "text/plain",
        "Origin", "http://evil.example")).statusCode());
    // Even naming an admin, from a foreign origin.
    HttpResponse<String> foreign = send("POST", withUser, body, Map.of("Content-Type", "text/plain", "Origin", "http://evil.example"));
    assertEquals(403, foreign.statusCode(), foreign.body());
    assertTrue(error(foreign).contains("evil.example"), foreign.body());
    // Without an Origin (some browsers omit it): no CSRF header.
    HttpResponse<String> noHeader = send("POST", withUser, body, Map.of("Content-Type", "application/json"));
    assertEquals(400, noHeader.statusCode(), noHeader.body());
    assertTrue(error(noHeader).contains(ApiAccessFilter.CSRF_HEADER), noHeader.body());
    // With the header but not JSON.
    HttpResponse<String> plain = send("POST", withUser, body, Map.of("Content-Type", "text/plain", ApiAccessFilter.CSRF_HEADER, "x"));
    assertEquals(415, plain.statusCode(), plain.body());
    assertTrue(error(plain).contains("application/json"), plain.body());
    // A foreign Origin on a read, and "null" origins (sandboxed frames).
    assertEquals(403, send("GET", "/api/v1/policies?user.name=" + ALICE, null, Map.of("Origin", "http://evil.example")).statusCode());
    assertEquals(403, send("GET", "/api/v1/policies?user.name=" + ALICE, null, Map.of("Origin", "null")).statusCode());
    // The server's own origin is fine, and nothing ever carries a CORS header.
    HttpResponse<String> own = send("POST", withUser, body, Map.of("Content-Type", "application/json",
        ApiAccessFilter.CSRF_HEADER, "x", "Origin", "http://127.0.0.1:" + daemon.port()));
    assertEquals(200, own.statusCode(), own.body());
    for (HttpResponse<String> r : List.of(foreign, noHeader, plain, own)) {
      assertTrue(r.headers().map().keySet().stream().noneMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("access-control-")),
          r.headers().map().toString());
    }
    assertEquals(epoch, epoch(), "a dry run switches nothing");
  }

  /**
   * A policy stored under older, looser rules (an interval past what Duration arithmetic survives, a
   * reserved path) neither breaks the list for the services after it nor the scheduler's tick, and can
   * still be read (400 naming the problem) and deleted.
   */
  @Test
  void aStoredPolicyTheRulesNowRefuseBreaksNothing() throws Exception {
    io.tandem.controller.policy.PolicyStore store = new io.tandem.controller.policy.PolicyStore(ctx.zk(),
        conf.get(TandemKeys.CONTROLLER_ZK_ROOT));
    store.create(new io.tandem.core.policy.PolicySpec("aaold", List.of("hdfs:/tmp"), List.of("every:32000000000000000s"),
        "push", 1, null, null, null, "2026-01-01T00:00:00Z"));
    try {
      HttpResponse<String> list = admin.call("GET", "/api/v1/policies", null);
      assertEquals(200, list.statusCode(), list.body());
      assertTrue(list.body().contains(KEPT) && !list.body().contains("aaold"), list.body());
      HttpResponse<String> one = admin.call("GET", "/api/v1/policies/aaold", null);
      assertEquals(400, one.statusCode(), one.body());
      assertTrue(error(one).contains("too large") && error(one).contains("reserved"), one.body());
      io.tandem.controller.schedule.BackupScheduler scheduler = new io.tandem.controller.schedule.BackupScheduler(
          ctx::policies, ctx::backups, ctx.zk(), conf.get(TandemKeys.CONTROLLER_ZK_ROOT), java.time.Clock.systemUTC(), 60_000);
      assertFalse(scheduler.tick(java.time.Instant.now()).containsKey("aaold"));
    } finally {
      assertEquals(200, admin.call("DELETE", "/api/v1/policies/aaold", null).statusCode());
    }
    assertEquals(404, admin.call("GET", "/api/v1/policies/aaold", null).statusCode());
  }

  /** HBase's root dir and the controller's catalog and replica dirs, as this controller has them configured. */
  @TestFactory
  Stream<DynamicTest> theControllersOwnAndHBasesDirectoriesAreReserved() throws Exception {
    String hbaseRoot = new org.apache.hadoop.fs.Path(ctx.roles().primary().conf().get("hbase.rootdir")).toUri().getPath();
    List<String> paths = List.of(hbaseRoot, hbaseRoot + "/data/default/t", conf.get(TandemKeys.CATALOG_DIR),
        conf.get(TandemKeys.CATALOG_DIR) + "/x", conf.get(TandemKeys.REPLICA_DIR) + "/billing");
    return paths.stream().map(path -> DynamicTest.dynamicTest(path, () -> {
      HttpResponse<String> r = admin.call("PUT", "/api/v1/policies/hostile",
          "{\"datasets\":[\"hdfs:" + path + "\"],\"schedules\":[\"every:1h\"]}");
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(error(r).contains("reserved"), r.body());
      assertEquals(404, admin.call("GET", "/api/v1/policies/hostile", null).statusCode());
    }));
  }

  /** A page whose DNS name was rebound to the controller sends its own name as Host. */
  @Test
  void foreignHostHeaderIsRefused() throws Exception {
    String response;
    try (Socket s = new Socket("127.0.0.1", daemon.port())) {
      s.getOutputStream().write(("GET /api/v1/policies?user.name=" + ALICE + " HTTP/1.1\r\nHost: evil.example:" + daemon.port()
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(response.startsWith("HTTP/1.1 403"), response);
    assertTrue(response.contains("tandem.controller.http.allowed-hosts"), response);
  }

  private static void assertUnchanged(String what) throws Exception {
    assertEquals(200, admin.call("GET", "/api/v1/policies/" + KEPT, null).statusCode(), what + " deleted the policy");
    assertEquals(404, admin.call("GET", "/api/v1/policies/aclsvc", null).statusCode(), what + " stored a policy");
  }

  private static HttpResponse<String> unauthenticated(String method, String path, String body) throws Exception {
    Map<String, String> h = body == null ? Map.of(ApiAccessFilter.CSRF_HEADER, "x")
        : Map.of(ApiAccessFilter.CSRF_HEADER, "x", "Content-Type", "application/json");
    return send(method, path, body, h);
  }

  private static HttpResponse<String> send(String method, String path, String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(admin.uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return admin.raw(b);
  }

  private static String policies() throws Exception {
    HttpResponse<String> r = admin.call("GET", "/api/v1/policies", null);
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private static long epoch() throws Exception {
    HttpResponse<String> r = admin.call("GET", "/api/v1/identity", null);
    assertEquals(200, r.statusCode(), r.body());
    return Json.MAPPER.readTree(r.body()).get("epoch").asLong();
  }

  private static String error(HttpResponse<String> r) throws Exception {
    Map<String, Object> doc = Json.MAPPER.readValue(r.body(), new TypeReference<Map<String, Object>>() { });
    return String.valueOf(doc.get("error"));
  }

  /** The cases write JSON escapes as text (\\u0000, \\n) so that the JSON body carries them; Java keeps them. */
  private static String unescape(String s) {
    return s;
  }
}
