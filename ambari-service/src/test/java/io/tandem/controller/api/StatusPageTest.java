package io.tandem.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import com.fasterxml.jackson.core.type.TypeReference;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.json.Json;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The controller's status page in a real browser (Debian's chromium, headless, through its
 * chromedriver) against a controller on the embedded clusters with one COMPLETE cut: it shows the
 * catalog's and the identity's real data to an admin, the switch stays disarmed until a dry run was
 * seen and the target's name typed (the switch itself is never clicked: other tests share the
 * clusters), and a request without a user gets a 401 and nothing of the page.
 */
@ExtendWith(TwoClusters.class)
class StatusPageTest {
  private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
  private static final String ADMIN = "alice";
  private static final String READER = "bob";
  private static final String SERVICE = "pagesvc";
  /** Held so its level sticks: Selenium logs through java.util.logging. */
  private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");
  /** Warns that it has no CDP classes for this chromium: the test uses WebDriver only. */
  private static final Logger CDP_LOG = Logger.getLogger("org.openqa.selenium.devtools");

  private static ControllerContext ctx;
  private static ControllerDaemon daemon;
  private static ChromeDriver browser;
  private static Path profile;
  private static String cutId;
  private static String drillId;
  private static String primary;
  private static String secondary;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "the status page test needs "
        + CHROMIUM + " and " + CHROMEDRIVER + ": apt-get install chromium chromium-driver (.ci/run installs them)");
    TandemConf conf = ControllerFixture.conf(c, "/page");
    conf.set(TandemKeys.ADMIN_ACL, ADMIN).set(TandemKeys.READ_ACL, READER);
    primary = conf.get(TandemKeys.PRIMARY_NAME);
    secondary = conf.get(TandemKeys.SECONDARY_NAME);
    ctx = ControllerContext.open(conf);
    daemon = new ControllerDaemon(ctx);
    daemon.start();
    ControllerFixture.file(c.primary().getTestFileSystem(), "/data/page/f", 4000, 11);
    ApiClient alice = ApiClient.admin(daemon.port()).as(ADMIN);
    HttpResponse<String> put = alice.call("PUT", "/api/v1/policies/" + SERVICE,
        "{\"datasets\":[\"hdfs:/data/page\"],\"schedules\":[\"every:1h\"],\"rpoSeconds\":7200}");
    assertEquals(200, put.statusCode(), put.body());
    HttpResponse<String> run = alice.call("POST", "/api/v1/backups/" + SERVICE + "/run", null);
    assertEquals(202, run.statusCode(), run.body());
    String started = (String) Json.MAPPER.readValue(run.body(), Map.class).get("cutId");
    ControllerFixture.until("cut " + started + " is COMPLETE", Duration.ofMinutes(3),
        () -> ctx.catalog().list(SERVICE).stream().anyMatch(m -> m.cutId().equals(started) && m.state() == CutState.COMPLETE));
    cutId = started;
    // A restore drill of that cut, then a file the cut does not hold: the page's drill and drift sections.
    // The cut is COMPLETE in the catalog a moment before its lock goes (retention, user push): until
    // then the drill is refused as busy (409).
    HttpResponse<?>[] drill = new HttpResponse<?>[1];
    ControllerFixture.until("a drill is accepted", Duration.ofMinutes(1), () -> {
      drill[0] = alice.call("POST", "/api/v1/drills/" + SERVICE, null);
      assertTrue(drill[0].statusCode() == 202 || drill[0].statusCode() == 409, drill[0].body().toString());
      return drill[0].statusCode() == 202;
    });
    drillId = (String) Json.MAPPER.readValue((String) drill[0].body(), Map.class).get("drillId");
    ControllerFixture.until("drill " + drillId + " has a verdict", Duration.ofMinutes(3),
        () -> ctx.drills().list(SERVICE).stream().anyMatch(d -> d.drillId().equals(drillId)
            && d.state() != io.tandem.controller.drill.DrillState.RUNNING));
    ControllerFixture.file(c.primary().getTestFileSystem(), "/data/page/after-the-cut", 100, 12);
    // Both clusters probed and healthy: the page's cluster table and the dry run need them.
    ControllerFixture.until("both clusters probed healthy", Duration.ofMinutes(1), () -> {
      List<Map<String, Object>> clusters = Json.MAPPER.convertValue(
          Json.MAPPER.readValue(alice.call("GET", "/api/v1/status", null).body(), Map.class).get("clusters"),
          new TypeReference<List<Map<String, Object>>>() { });
      return clusters.size() == 2 && clusters.stream().allMatch(m -> Boolean.TRUE.equals(m.get("healthy")));
    });

    SELENIUM_LOG.setLevel(Level.WARNING);
    CDP_LOG.setLevel(Level.SEVERE);
    // Without its OpenTelemetry SDK (excluded: it clashes with HBase's OpenTelemetry API).
    System.setProperty("webdriver.remote.enableTracing", "false");
    profile = Files.createTempDirectory("tandem-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (ctx != null) {
      ctx.close();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + daemon.port() + path;
  }

  /** Opens the page and waits until its first refresh has drawn (or reported) everything. */
  private static void open(String user) {
    browser.get(url("/" + (user == null ? "" : "?user.name=" + user)));
    ControllerFixture.await("the page's first refresh", Duration.ofSeconds(30),
        () -> browser.findElements(By.cssSelector("body[data-loaded]")).size() == 1);
  }

  private static String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  @Test
  void anAdminSeesTheCatalogAndTheIdentityAndTheSwitchStaysDisarmedUntilTheNameIsTyped() throws Exception {
    long before = System.nanoTime();
    open(ADMIN);
    long shownMs = (System.nanoTime() - before) / 1_000_000;
    assertEquals("", text("#errors"), "no error shown");

    Manifest newest = ctx.catalog().list(SERVICE).stream().filter(m -> m.state() == CutState.COMPLETE)
        .reduce((a, b) -> b).orElseThrow();
    assertEquals(cutId, newest.cutId());
    WebElement card = browser.findElement(By.cssSelector("article[data-service='" + SERVICE + "']"));
    assertTrue(card.getText().contains(SERVICE), card.getText());
    assertTrue(text("article[data-service='" + SERVICE + "'] .newest-complete").contains(newest.cutId()),
        "the newest COMPLETE cut as the catalog has it");
    assertTrue(text("tr[data-cut='" + newest.cutId() + "']").contains("COMPLETE"), "the cut in the timeline");
    assertTrue(text("article[data-service='" + SERVICE + "'] .rpo").contains("of 2.0 h target"),
        text("article[data-service='" + SERVICE + "'] .rpo"));
    assertEquals(2, browser.findElements(By.cssSelector("article[data-service='" + SERVICE + "'] svg.chart")).size());
    String drills = text("article[data-service='" + SERVICE + "'] .drills");
    assertTrue(drills.contains("PASSED") && drills.contains(cutId), "the drill of the newest cut: " + drills);
    String drift = text("article[data-service='" + SERVICE + "'] .drift");
    assertTrue(drift.contains("/data/page") && drift.contains("1 added") && drift.contains("after-the-cut"),
        "the file written after the cut: " + drift);

    long epoch = ctx.identity().require().record().epoch();
    assertEquals(primary, ctx.identity().require().record().primary());
    assertEquals("PRIMARY", text("tr[data-cluster='" + primary + "'] .role"));
    assertEquals(Long.toString(epoch), text("tr[data-cluster='" + primary + "'] .epoch"));
    assertTrue(text("#identity").contains("primary is " + primary + ", epoch " + epoch), text("#identity"));

    // The switch: nothing armed before the dry run, then only the typed name arms it.
    WebElement go = browser.findElement(By.id("switch-go"));
    WebElement confirm = browser.findElement(By.id("switch-confirm"));
    assertEquals(secondary, browser.findElement(By.id("switch-target")).getDomProperty("value"), "the target offered");
    assertFalse(go.isEnabled(), "switch disabled before the dry run");
    assertFalse(confirm.isEnabled(), "confirmation disabled before the dry run");
    browser.findElement(By.id("switch-dryrun")).click();
    ControllerFixture.await("the dry run's report", Duration.ofSeconds(60),
        () -> text("#switch-plan").contains("Dry run") || !text("#errors").isEmpty());
    String plan = text("#switch-plan");
    assertEquals("", text("#errors"), "the dry run succeeded");
    assertTrue(plan.contains(primary + " → " + secondary) && plan.contains("at epoch " + epoch + " (the switch raises it)"), plan);
    assertTrue(plan.contains(SERVICE), "the service's outcome: " + plan);
    assertFalse(go.isEnabled(), "switch disabled until the name is typed");
    confirm.sendKeys(secondary.substring(0, secondary.length() - 1));
    assertFalse(go.isEnabled(), "a partial name does not arm it");
    confirm.sendKeys(secondary.substring(secondary.length() - 1) + "x");
    assertFalse(go.isEnabled(), "a longer name does not arm it");
    confirm.sendKeys(org.openqa.selenium.Keys.BACK_SPACE);
    assertTrue(go.isEnabled(), "the exact name arms it");
    assertEquals(epoch, ctx.identity().require().record().epoch(), "the dry run changed nothing");
    assertEquals(primary, ctx.identity().require().record().primary());

    @SuppressWarnings("unchecked")
    Map<String, Object> timing = (Map<String, Object>) browser.executeScript(
        "const n = performance.getEntriesByType('navigation')[0];"
        + "return {load: n.loadEventEnd - n.startTime, dom: n.domContentLoadedEventEnd - n.startTime};");
    System.out.printf("status page: navigation load %.0f ms, DOMContentLoaded %.0f ms, drawn with data %d ms"
        + " after the test asked for it; %s%n", ((Number) timing.get("load")).doubleValue(),
        ((Number) timing.get("dom")).doubleValue(), shownMs, text("#refreshed"));
    screenshot();
  }

  /** The whole page as PNG in target/, and in {@code tandem.screenshot.dir} when set (docs/img). */
  private static void screenshot() throws Exception {
    JavascriptExecutor js = browser;
    long height = ((Number) js.executeScript("document.activeElement.blur(); window.scrollTo(0, 0);"
        + " return document.documentElement.scrollHeight")).longValue();
    // The window's size includes its frame: leave room so the whole page is in the viewport.
    browser.manage().window().setSize(new Dimension(1280, (int) Math.min(6000, height + 200)));
    js.executeScript("window.scrollTo(0, 0)");
    byte[] png = browser.getScreenshotAs(OutputType.BYTES);
    Path out = Paths.get("target", "status-page.png");
    Files.createDirectories(out.getParent());
    Files.write(out, png);
    String dir = System.getProperty("tandem.screenshot.dir");
    if (dir != null && !dir.isBlank()) {
      Files.createDirectories(Paths.get(dir));
      Files.copy(out, Paths.get(dir, "status-page.png"), StandardCopyOption.REPLACE_EXISTING);
    }
    browser.manage().window().setSize(new Dimension(1280, 900));
  }

  @Test
  void withoutAUserTheBrowserGetsA401AndNothingOfThePage() throws Exception {
    browser.manage().deleteAllCookies();
    browser.get(url("/"));
    String source = browser.getPageSource();
    assertTrue(source.contains("authentication required"), source);
    assertFalse(source.contains(SERVICE), "no service name without a user");
    assertTrue(browser.findElements(By.cssSelector("article[data-service]")).isEmpty());
    assertTrue(browser.findElements(By.id("clusters")).isEmpty(), "not even the page's skeleton");
    ApiClient anyone = ApiClient.admin(daemon.port());
    for (String path : List.of("/", "/index.html", "/status.js", "/status.css", "/api/v1/identity/guards")) {
      HttpResponse<String> r = anyone.raw(HttpRequest.newBuilder(anyone.uri(path)).GET());
      assertEquals(401, r.statusCode(), path + ": " + r.body());
      assertFalse(r.body().contains("status.js") || r.body().contains("<html"), path + ": " + r.body());
    }
  }

  @Test
  void readersLoadThePageFilesButNotTheDaemonPages() throws Exception {
    ApiClient bob = ApiClient.admin(daemon.port()).as(READER);
    // "/" answers a redirect to /index.html (the browser test follows it).
    assertEquals(302, bob.call("GET", "/", null).statusCode());
    for (String path : List.of("/index.html", "/status.js", "/status.css", "/api/v1/identity/guards",
        "/api/v1/backups/" + SERVICE + "?limit=1")) {
      HttpResponse<String> r = bob.call("GET", path, null);
      assertEquals(200, r.statusCode(), path + ": " + r.body());
    }
    assertEquals(403, bob.call("GET", "/jmx", null).statusCode());
    assertEquals(403, bob.call("POST", "/api/v1/identity/switch", "{\"to\":\"" + secondary + "\",\"dryRun\":true}")
        .statusCode(), "a reader may not even dry-run a switch");
    assertEquals(403, ApiClient.admin(daemon.port()).as("mallory").call("GET", "/status.js", null).statusCode());
    List<?> one = Json.MAPPER.readValue(bob.call("GET", "/api/v1/backups/" + SERVICE + "?limit=1", null).body(), List.class);
    assertEquals(1, one.size());
    HttpResponse<String> bad = bob.call("GET", "/api/v1/backups/" + SERVICE + "?limit=0", null);
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("limit"), bad.body());
    Map<String, Object> guards = Json.MAPPER.readValue(bob.call("GET", "/api/v1/identity/guards", null).body(),
        new TypeReference<Map<String, Object>>() { });
    assertEquals(ctx.identity().require().record().epoch(), ((Number) guards.get("epoch")).longValue());
    assertEquals(2, ((List<?>) guards.get("clusters")).size(), guards.toString());
  }
}
