package io.tandem.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.mapreduce.TableHashCompare;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The acceptance stage: Tandem as users install it, and nothing else.
 *
 * <ol>
 *   <li>The management pack built by ambari-service is installed into a real Apache Ambari 3.0
 *       (the rig) and checked there; the settings Ambari's advisor recommends for each cluster's
 *       hbase-site and hdfs-site are taken from Ambari's own answer.</li>
 *   <li>A primary and a secondary start in a JVM of their own, with only the pack's server-side
 *       jars added to their classpath and only those settings (plus each cluster's basics).</li>
 *   <li>The controller is installed and started by the pack's own INSTALL and START scripts run by
 *       Ambari's Python, downloading its runtime from the Ambari server, then driven only through
 *       its CLI and REST API.</li>
 *   <li>What it did is checked with tools that share none of its code: a causal chain workload
 *       (every restored cut holds a prefix of every chain) and HBase's HashTable/SyncTable.</li>
 * </ol>
 *
 * Steps run in order and share state; a failed step fails the ones after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstalledPackIT {
  private static final String SERVICE = "billing";
  private static final TableName ORDERS = TableName.valueOf("billing", "orders");
  private static final TableName LEDGER = TableName.valueOf("billing", "ledger");
  private static final org.apache.hadoop.fs.Path EVENTS = new org.apache.hadoop.fs.Path("/data/billing/events");
  private static final int WRITERS = 2;

  private final HttpClient http = HttpClient.newHttpClient();
  private Path work;
  private Path pack;
  private Path packageDir;
  private Rig rig;
  private Process clusters;
  private Properties ready;
  private int httpPort;
  private int[] zkPorts;
  private Path sandbox;
  private Path tandemBin;
  private Path confDir;
  private Configuration primaryConf;
  private Configuration secondaryConf;
  private Connection primaryHBase;
  private Connection secondaryHBase;
  private ChainWriters writers;
  private final List<String> log = new ArrayList<>();
  private final Map<String, Long> timings = new LinkedHashMap<>();
  private final long t0 = System.nanoTime();

  @BeforeAll
  void installPackIntoAmbari() throws Exception {
    work = Path.of(System.getProperty("tandem.work", "target/acceptance-work")).toAbsolutePath();
    deleteTree(work);
    Files.createDirectories(work);
    Path mpack = Path.of(System.getProperty("tandem.mpack"));
    assertTrue(Files.isRegularFile(mpack), "the management pack " + mpack + " is not built: run mvn package first");
    pack = work.resolve("pack");
    Files.createDirectories(pack);
    Proc.run(List.of("tar", "xzf", mpack.toString(), "-C", pack.toString(), "--strip-components=1"), Map.of(),
        work.resolve("untar.log"), Duration.ofMinutes(2)).requireExit(0);
    packageDir = pack.resolve("common-services/TANDEM/0.1.0/package");
    assertTrue(Files.isDirectory(packageDir.resolve("scripts")), "no package/scripts in the pack");

    zkPorts = new int[] {freePort(), freePort(), freePort()};
    httpPort = freePort();
    sandbox = work.resolve("sandbox");
    confDir = sandbox.resolve("etc/tandem/conf");
    tandemBin = sandbox.resolve("usr/lib/tandem/bin/tandem");

    Path rigHome = Rig.locate().orElseThrow(() -> new AssertionError(
        "the Ambari rig is missing (set AMBARI_RIG or put it at ../shared/ambari-rig): the acceptance stage needs it"));
    Map<String, String> sets = new LinkedHashMap<>();
    // What an admin enters on the config tabs for this deployment.
    sets.put("tandem-site/tandem.controller.zk.quorum", "127.0.0.1:" + zkPorts[2]);
    sets.put("tandem-site/tandem.controller.http.port", Integer.toString(httpPort));
    sets.put("tandem-site/tandem.controller.http.bind-host", "127.0.0.1");
    sets.put("tandem-site/tandem.primary.conf.dir", work.resolve("clusters/primary-conf").toString());
    sets.put("tandem-site/tandem.secondary.conf.dir", work.resolve("clusters/secondary-conf").toString());
    sets.put("tandem-site/tandem.scheduler.tick.ms", "1000");
    sets.put("tandem-site/tandem.transfer.mappers", "2");
    sets.put("tandem-env/tandem_home", sandbox.resolve("usr/lib/tandem").toString());
    sets.put("tandem-env/tandem_conf_dir", confDir.toString());
    sets.put("tandem-env/tandem_log_dir", sandbox.resolve("var/log/tandem").toString());
    sets.put("tandem-env/tandem_pid_dir", sandbox.resolve("var/run/tandem").toString());
    // Ambari's own cluster here is the rig's stand-in, not one of the two clusters: it must not
    // write its client configs over theirs (an admin sets this to the cluster Ambari manages).
    sets.put("tandem-env/tandem_local_cluster", "none");
    sets.put("tandem-env/tandem_user", System.getProperty("user.name"));
    sets.put("tandem-env/tandem_group", "root".equals(System.getProperty("user.name")) ? "root" : "users");
    long t = System.nanoTime();
    rig = Rig.validateAndKeepRunning(rigHome, mpack, work.resolve("rig"), sets);
    timing("ambari validate-mpack", t);
    say("Ambari installed and checked the pack: " + rig.url());
    // The agent runs every alert of the pack each minute from now on, against whatever runs.
    assertEquals(8, rig.alertsEveryMinute("TANDEM"), "alert definitions of TANDEM");
  }

  @Test
  @Order(1)
  void clustersStartWithOnlyThePacksJarsAndAmbarisRecommendations() throws Exception {
    long t = System.nanoTime();
    Map<String, String> primarySite = recommendationsFor("primary", zkPorts[0]);
    Map<String, String> secondarySite = recommendationsFor("secondary", zkPorts[1]);
    timing("advisor recommendations", t);
    say("Ambari recommends for the primary: " + primarySite);
    say("Ambari recommends for the secondary: " + secondarySite);
    // The advisor's output must carry what the server-side parts need, or the cut cannot work.
    for (String key : List.of("hbase.coprocessor.user.region.classes", "dfs.namenode.plugins",
        "dfs.namenode.inode.attributes.provider.class", "tandem.guard.zk.quorum", "tandem.cluster.name",
        "tandem.cut.zookeeper.quorum")) {
      assertTrue(primarySite.containsKey(key), "Ambari's advisor does not recommend " + key + ": " + primarySite);
    }
    Path primaryProps = write(work.resolve("primary-site.properties"), primarySite);
    Path secondaryProps = write(work.resolve("secondary-site.properties"), secondarySite);

    List<Path> serverJars;
    try (Stream<Path> s = Files.list(packageDir.resolve("files/server"))) {
      serverJars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
    }
    assertEquals(2, serverJars.size(), "server-side jars in the pack: " + serverJars);
    String classpath = Files.readString(Path.of(System.getProperty("tandem.cluster.classpath"))).trim()
        + ":" + serverJars.stream().map(Path::toString).collect(Collectors.joining(":"));
    assertFalse(classpath.contains("tandem-core") || classpath.contains("tandem-ambari-service"),
        "the clusters' classpath must hold no Tandem code but the pack's server jars");
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx2g", "-Djava.net.preferIPv4Stack=true",
        "-Dlog4j.configuration=log4j-test.properties"));
    cmd.addAll(List.of(System.getProperty("tandem.jvm.opens", "").trim().split("\\s+")));
    cmd.addAll(List.of("-cp", classpath, "io.tandem.testkit.ClusterRunner", "--work", work.resolve("clusters").toString(),
        "--zk-ports", zkPorts[0] + "," + zkPorts[1] + "," + zkPorts[2], "--primary-site", primaryProps.toString(),
        "--secondary-site", secondaryProps.toString(), "--yarn"));
    Files.createDirectories(work.resolve("clusters"));
    t = System.nanoTime();
    clusters = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(work.resolve("clusters.log").toFile()).start();
    Path readyFile = work.resolve("clusters/ready.properties");
    await("the clusters' JVM to start (see " + work.resolve("clusters.log") + ")", Duration.ofMinutes(5), () -> {
      if (!clusters.isAlive()) {
        throw new AssertionError("the clusters' JVM exited with " + clusters.exitValue() + ":\n"
            + tail(work.resolve("clusters.log")));
      }
      return Files.exists(readyFile);
    });
    timing("clusters' JVM start (2 clusters + YARN)", t);
    ready = new Properties();
    try (Reader r = Files.newBufferedReader(readyFile)) {
      ready.load(r);
    }
    primaryConf = clientConf(Path.of(ready.getProperty("primary.conf")));
    secondaryConf = clientConf(Path.of(ready.getProperty("secondary.conf")));
    primaryHBase = ConnectionFactory.createConnection(primaryConf);
    secondaryHBase = ConnectionFactory.createConnection(secondaryConf);
    // The service's data, as the application creates it.
    try (Admin admin = primaryHBase.getAdmin()) {
      admin.createNamespace(NamespaceDescriptor.create("billing").build());
      for (TableName tn : List.of(ORDERS, LEDGER)) {
        admin.createTable(TableDescriptorBuilder.newBuilder(tn)
            .setColumnFamily(ColumnFamilyDescriptorBuilder.of(ChainWriters.FAMILY)).build());
      }
    }
    FileSystem.get(primaryConf).mkdirs(EVENTS);
  }

  @Test
  @Order(2)
  void ambariInstallsAndStartsTheControllerFromThePack() throws Exception {
    long t = System.nanoTime();
    agent("tandem_controller.py", "INSTALL", Map.of()).requireExit(0);
    timing("INSTALL (downloads the controller runtime from Ambari)", t);
    Path lib = sandbox.resolve("usr/lib/tandem/lib");
    List<String> jars;
    try (Stream<Path> s = Files.list(lib)) {
      jars = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertTrue(jars.stream().anyMatch(j -> j.startsWith("hadoop-mapreduce-client-jobclient")), "YARN job client: " + jars);
    assertTrue(jars.stream().anyMatch(j -> j.startsWith("hadoop-mapreduce-client-common")), "local job runner: " + jars);
    assertTrue(Files.isExecutable(tandemBin), "launcher " + tandemBin);
    Proc.Result help = cli("--help").requireExit(0);
    assertTrue(help.output().contains("backup"), help.output());

    t = System.nanoTime();
    agent("tandem_controller.py", "START", Map.of()).requireExit(0);
    timing("START (until the REST API answers UP)", t);
    JsonNode health = api("GET", "/api/v1/health", null);
    assertEquals("UP", health.path("status").asText(), health.toString());
    agent("tandem_controller.py", "STATUS", Map.of()).requireExit(0);
  }

  @Test
  @Order(3)
  void aScheduledCutRunsUnderAChainWorkload() throws Exception {
    writers = new ChainWriters(primaryHBase, FileSystem.get(primaryConf), ORDERS, LEDGER, EVENTS, WRITERS);
    Instant moment = Instant.now().plusSeconds(20);
    cli("policy", "create", "--service", SERVICE, "--dataset", "hbase:billing:orders", "--dataset",
        "hbase:billing:ledger", "--dataset", "hdfs:" + EVENTS, "--schedule", "once:" + moment, "--mode", "push",
        "--retain", "20").requireExit(0);
    JsonNode cut = awaitNewCompleteCut(List.of(), Duration.ofMinutes(4));
    say("scheduled cut " + cut.path("cutId").asText() + " COMPLETE, fence " + cut.path("fenceWindowMs").asLong()
        + " ms, chains so far " + writers.steps());
    assertTrue(!cut.path("moment").asText().isEmpty());
  }

  @Test
  @Order(4)
  void manualCutsArePushedAndPulledTheLatterOnYarn() throws Exception {
    long t = System.nanoTime();
    Proc.Result push = cli("backup", "run", "--service", SERVICE).requireExit(0);
    timing("manual push cut (CLI, local job runner)", t);
    assertTrue(push.output().contains("\"state\" : \"COMPLETE\"") || push.output().contains("\"state\":\"COMPLETE\""),
        push.output());
    // Both cuts so far ran under the chain workload; the rest need no more writes.
    writers.close();
    say("chain writers stopped after steps " + writers.steps());
    updatePolicy("pull", "every:1d");
    // The same installed controller, told to run its copies on the clusters' YARN.
    Path yarnSite = work.resolve("yarn-tandem-site.xml");
    Files.writeString(yarnSite, Files.readString(confDir.resolve("tandem-site.xml")).replace("</configuration>",
        "<property><name>tandem.mapreduce.framework</name><value>yarn</value></property></configuration>"));
    List<String> before = yarnApps("tandem-secondary");
    t = System.nanoTime();
    Proc.Result pull = cli("--conf", yarnSite.toString(), "backup", "run", "--service", SERVICE).requireExit(0);
    timing("manual pull cut (CLI, YARN)", t);
    assertTrue(pull.output().contains("COMPLETE"), pull.output());
    List<String> after = yarnApps("tandem-secondary");
    assertTrue(after.size() > before.size(), "the pull ran no job on the secondary's YARN: " + after);
    say("YARN applications of the pull: " + after.subList(before.size(), after.size()));

    t = System.nanoTime();
    List<String> known = cutIds();
    agent("tandem_controller.py", "RUN_BACKUP_NOW", Map.of("service", SERVICE)).requireExit(0);
    awaitNewCompleteCut(known, Duration.ofMinutes(4));
    timing("RUN_BACKUP_NOW through Ambari's script until COMPLETE", t);
  }

  @Test
  @Order(5)
  void restoredCutsArePrefixesOfEveryChainAndMatchThePrimarysSnapshots() throws Exception {
    JsonNode cuts = api("GET", "/api/v1/backups/" + SERVICE, null);
    List<JsonNode> complete = new ArrayList<>();
    cuts.forEach(c -> {
      if ("COMPLETE".equals(c.path("state").asText())) {
        complete.add(c);
      }
    });
    assertTrue(complete.size() >= 4, "complete cuts: " + cuts);
    for (JsonNode cut : List.of(complete.get(0), complete.get(complete.size() - 1))) {
      String id = cut.path("cutId").asText();
      long t = System.nanoTime();
      cli("restore", "--service", SERVICE, "--cut", id).requireExit(0);
      timing("restore of " + id, t);
      List<Integer> prefixes = ChainWriters.check(secondaryHBase, FileSystem.get(secondaryConf), ORDERS, LEDGER,
          EVENTS, WRITERS);
      say("restored " + id + ": chain prefixes " + prefixes);
      assertTrue(prefixes.stream().mapToInt(Integer::intValue).sum() > 0, "the restored cut is empty");
      for (JsonNode table : cut.path("tables")) {
        compareWithPrimarySnapshot(TableName.valueOf(table.path("table").asText()), table.path("snapshot").asText());
      }
    }
  }

  @Test
  @Order(6)
  void ambarisServiceCheckPasses() throws Exception {
    // Ambari's cluster is not the primary here (tandem_local_cluster=none), so, as the service
    // check's message and docs/ambari.md say, the admin creates its directory on the primary.
    FileSystem fs = FileSystem.get(primaryConf);
    fs.mkdirs(new org.apache.hadoop.fs.Path("/tmp/tandem-service-check"));
    try (var out = fs.create(new org.apache.hadoop.fs.Path("/tmp/tandem-service-check/check.txt"), true)) {
      out.writeBytes("tandem-service-check\n");
    }
    long t = System.nanoTime();
    agent("service_check.py", "SERVICE_CHECK", Map.of()).requireExit(0);
    timing("SERVICE_CHECK", t);
  }

  @Test
  @Order(7)
  void aConfirmedFailoverThroughTheApiThenScheduledCutsFlowFromTheNewPrimary() throws Exception {
    long epochBefore = api("GET", "/api/v1/identity", null).path("epoch").asLong();
    // Refused before anything happens: no credentials; a cross-site text/plain post naming the admin.
    String confirm = "{\"to\":\"secondary\",\"confirm\":true}";
    HttpResponse<String> anonymous = apiRaw("POST", "/api/v1/identity/switch", confirm, Map.of("X-XSRF-HEADER", "x"));
    assertEquals(401, anonymous.statusCode(), anonymous.body());
    HttpResponse<String> crossSite = apiRaw("POST", "/api/v1/identity/switch?user.name=" + System.getProperty("user.name"),
        confirm, Map.of("Content-Type", "text/plain", "Origin", "http://evil.example"));
    assertEquals(403, crossSite.statusCode(), crossSite.body());
    assertEquals(401, apiRaw("DELETE", "/api/v1/policies/" + SERVICE, null, Map.of("X-XSRF-HEADER", "x")).statusCode());
    assertEquals(epochBefore, api("GET", "/api/v1/identity", null).path("epoch").asLong(), "no switch");
    long t = System.nanoTime();
    JsonNode answer = api("POST", "/api/v1/identity/switch",
        Map.of("to", "secondary", "confirm", true));
    timing("failover through the API", t);
    JsonNode identity = api("GET", "/api/v1/identity", null);
    say("failover: " + answer + " -> " + identity);
    assertEquals("secondary", identity.path("primary").asText(), identity.toString());
    assertTrue(identity.path("epoch").asLong() > epochBefore, identity.toString());
    // The catalog now lives on the new secondary: the old primary's HDFS.
    assertScheduledCutFlowsTo(primaryConf, "the new secondary (the old primary)", identity);
  }

  @Test
  @Order(8)
  void aFailbackThroughTheCliWhileTheDaemonRunsThenScheduledCutsFlowBack() throws Exception {
    long t = System.nanoTime();
    Proc.Result r = cli("identity", "switch", "--to", "primary", "--confirm").requireExit(0);
    timing("failback through the CLI", t);
    say("failback: " + Proc.tail(r.output(), 5));
    JsonNode identity = api("GET", "/api/v1/identity", null);
    assertEquals("primary", identity.path("primary").asText(), identity.toString());
    assertScheduledCutFlowsTo(secondaryConf, "the secondary", identity);
  }

  @Test
  @Order(9)
  void userSyncAndAmbarisSwitchCommandRun() throws Exception {
    cli("users", "sync", "--service", SERVICE).requireExit(0);
    agent("tandem_controller.py", "SWITCH_IDENTITY", Map.of("dry_run", "true")).requireExit(0);
    String structured = Files.readString(work.resolve("agent/tandem_controller-switch_identity-structured.json"));
    assertTrue(structured.contains("tandem_switch"), structured);
  }

  /**
   * #15 through the installed pack: a restore drill with the pack's own HashTable/SyncTable jobs,
   * the drift report, and the status page's files, driven by bin/tandem and REST only.
   */
  @Test
  @Order(10)
  void aRestoreDrillTheDriftReportAndTheStatusPage() throws Exception {
    long t = System.nanoTime();
    Proc.Result drill = cli("drill", "run", SERVICE, "--json").requireExit(0);
    timing("drill of " + SERVICE, t);
    assertTrue(drill.output().matches("(?s).*\"state\"\\s*:\\s*\"PASSED\".*"), drill.output());
    JsonNode drills = api("GET", "/api/v1/drills/" + SERVICE, null);
    assertEquals("PASSED", drills.get(0).path("state").asText(), drills.toString());
    say("drill: " + drills.get(0).path("durationMs").asLong() + " ms, steps " + drills.get(0).path("stepsMs")
        + ", figures " + drills.get(0).path("figures"));
    assertTrue(drills.get(0).path("figures").path("tables").asInt() >= 2, drills.toString());

    t = System.nanoTime();
    cli("drift", "--service", SERVICE, "--json").requireExit(0);
    JsonNode drift = api("GET", "/api/v1/drift?service=" + SERVICE, null);
    timing("drift report", t);
    assertEquals(SERVICE, drift.path("service").asText(), drift.toString());
    assertTrue(drift.path("cut").path("replicaAtCut").asBoolean(), "the secondary holds the newest cut: " + drift);
    say("drift: drift=" + drift.path("drift") + " tables=" + drift.path("tables").size() + " took "
        + drift.path("tookMs") + " ms, calls " + drift.path("calls"));

    String user = "?user.name=" + System.getProperty("user.name");
    HttpResponse<String> page = apiRaw("GET", "/index.html" + user, null, Map.of());
    assertEquals(200, page.statusCode(), page.body());
    assertTrue(page.body().contains("status.js"), page.body());
    assertEquals(200, apiRaw("GET", "/status.js" + user, null, Map.of()).statusCode());
    assertEquals(401, apiRaw("GET", "/index.html", null, Map.of()).statusCode(), "the page needs a user");
  }

  @Test
  @Order(11)
  void ambarisAgentComputesThePacksAlertsFromTheLiveController() throws Exception {
    Instant controllerUp = Instant.now().minusSeconds(30);
    Map<String, List<String>>[] last = new Map[1];
    await("the agent to run the 8 alerts against the running controller", Duration.ofMinutes(4), () -> {
      last[0] = rig.alerts("TANDEM");
      // Each alert has run against the live controller (not a fixture, not an unreachable one), and
      // the RPO alert has seen the newest COMPLETE cut, taken after the failback.
      return last[0].size() == 8 && last[0].values().stream()
          .allMatch(a -> !a.get(2).isEmpty() && Long.parseLong(a.get(2)) > controllerUp.toEpochMilli() - 600_000
              && !a.get(1).contains("cannot reach") && !a.get(1).contains("answered HTTP"))
          && "OK".equals(last[0].get("tandem_rpo").get(0));
    });
    say("alerts: " + last[0]);
    assertEquals("OK", last[0].get("tandem_controller_process").get(0), last[0].toString());
    assertEquals("OK", last[0].get("tandem_rpo").get(0), last[0].toString());
    assertEquals("OK", last[0].get("tandem_drill").get(0), "the drill of step 10 passed: " + last[0]);
  }

  @Test
  @Order(12)
  void ambariStopsTheController() throws Exception {
    agent("tandem_controller.py", "STOP", Map.of()).requireExit(0);
    assertNotEquals(0, agent("tandem_controller.py", "STATUS", Map.of()).exit(), "STATUS after STOP");
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      Path pid = sandbox == null ? null : sandbox.resolve("var/run/tandem/tandem.pid");
      if (pid != null && Files.exists(pid)) {
        ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroyForcibly);
      }
      for (AutoCloseable c : new AutoCloseable[] {primaryHBase, secondaryHBase}) {
        if (c != null) {
          c.close();
        }
      }
      if (clusters != null) {
        clusters.getOutputStream().close();
        if (!clusters.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)) {
          clusters.destroyForcibly();
        }
      }
    } finally {
      if (rig != null) {
        rig.close();
      }
      timing("whole stage", t0);
      Files.writeString(work.resolve("summary.txt"), String.join("\n", log) + "\n" + timings.entrySet().stream()
          .map(e -> e.getKey() + ": " + e.getValue() + " ms").collect(Collectors.joining("\n")) + "\n"
          + (rig != null ? rig.report() : ""));
    }
  }

  // ------------------------------------------------------------------------------------------

  private Map<String, String> recommendationsFor(String which, int zkPort) throws Exception {
    Map<String, Map<String, String>> values = new LinkedHashMap<>();
    values.put("hbase-site", Map.of("hbase.zookeeper.quorum", "127.0.0.1",
        "hbase.zookeeper.property.clientPort", Integer.toString(zkPort)));
    values.put("zoo.cfg", Map.of("clientPort", Integer.toString(zkPort)));
    values.put("tandem-site", Map.of("tandem.controller.zk.quorum", "127.0.0.1:" + zkPorts[2]));
    values.put("tandem-env", Map.of("tandem_local_cluster", which, "tandem_user", System.getProperty("user.name")));
    return rig.tandemRecommendations(values);
  }

  private void compareWithPrimarySnapshot(TableName table, String snapshot) throws Exception {
    TableName clone = TableName.valueOf(table.getNamespaceAsString(), table.getQualifierAsString() + "_check_"
        + Long.toString(System.nanoTime(), 36));
    try (Admin admin = primaryHBase.getAdmin()) {
      admin.cloneSnapshot(snapshot, clone);
    }
    try {
      Configuration source = new Configuration(primaryConf);
      source.set("mapreduce.framework.name", "local");
      Configuration target = new Configuration(secondaryConf);
      target.set("mapreduce.framework.name", "local");
      String fs = ready.getProperty("primary.fs");
      org.apache.hadoop.fs.Path hashes = new org.apache.hadoop.fs.Path(fs + "/tmp/acceptance-hashes/" + clone.getNameAsString().replace(':', '_'));
      String sourceZk = ready.getProperty("primary.zk") + ":/hbase";
      long t = System.nanoTime();
      Map<String, Long> counters = TableHashCompare.compare(source, clone.getNameAsString(), target,
          table.getNameAsString(), sourceZk, hashes);
      timing("HashTable + SyncTable --dryrun of " + table, t);
      say("SyncTable --dryrun " + snapshot + " (primary) vs " + table + " (secondary): " + counters);
      for (String diff : List.of("HASHES_NOT_MATCHED", "SOURCEMISSINGROWS", "TARGETMISSINGROWS", "SOURCEMISSINGCELLS",
          "TARGETMISSINGCELLS", "DIFFERENTCELLVALUES")) {
        assertEquals(0L, counters.getOrDefault(diff, 0L), diff + " for " + table + ": " + counters);
      }
      assertTrue(counters.getOrDefault("HASHES_MATCHED", 0L) > 0, "SyncTable compared nothing: " + counters);
    } finally {
      try (Admin admin = primaryHBase.getAdmin()) {
        admin.disableTable(clone);
        admin.deleteTable(clone);
      }
    }
  }

  /**
   * The next scheduled cut after a switch lands in the catalog on {@code newSecondary}'s HDFS and
   * carries the identity's new epoch.
   */
  private void assertScheduledCutFlowsTo(Configuration newSecondary, String name, JsonNode identity) throws Exception {
    JsonNode cut = scheduledCutAfterSwitch();
    assertTrue(FileSystem.get(newSecondary).exists(new org.apache.hadoop.fs.Path(
        "/tandem/catalog/" + SERVICE + "/" + cut.path("cutId").asText() + "/manifest.json")),
        "the cut after the switch is not in the catalog on " + name);
    assertEquals(identity.path("epoch").asLong(), cut.path("epoch").asLong(), cut.toString());
  }

  private JsonNode scheduledCutAfterSwitch() throws Exception {
    List<String> known = cutIds();
    updatePolicy(null, "once:" + Instant.now().plusSeconds(10));
    return awaitNewCompleteCut(known, Duration.ofMinutes(4));
  }

  private void updatePolicy(String mode, String schedule) throws Exception {
    JsonNode p = api("GET", "/api/v1/policies/" + SERVICE, null);
    List<String> args = new ArrayList<>(List.of("policy", "update", "--service", SERVICE));
    p.path("datasets").forEach(d -> args.addAll(List.of("--dataset", d.asText())));
    args.addAll(List.of("--schedule", schedule, "--mode", mode != null ? mode : p.path("mode").asText(),
        "--retain", p.path("retain").asText()));
    cli(args.toArray(String[]::new)).requireExit(0);
  }

  private List<String> cutIds() throws Exception {
    List<String> ids = new ArrayList<>();
    api("GET", "/api/v1/backups/" + SERVICE, null).forEach(c -> ids.add(c.path("cutId").asText()));
    return ids;
  }

  private JsonNode awaitNewCompleteCut(List<String> known, Duration timeout) throws Exception {
    JsonNode[] found = new JsonNode[1];
    await("a new COMPLETE cut of " + SERVICE, timeout, () -> {
      for (JsonNode c : api("GET", "/api/v1/backups/" + SERVICE, null)) {
        if (known.contains(c.path("cutId").asText())) {
          continue;
        }
        String state = c.path("state").asText();
        if ("COMPLETE".equals(state)) {
          found[0] = c;
          return true;
        }
        if ("FAILED".equals(state)) {
          throw new AssertionError("cut " + c.path("cutId").asText() + " FAILED: " + c.path("reason").asText());
        }
      }
      return false;
    });
    return found[0];
  }

  private List<String> yarnApps(String tag) throws IOException, org.apache.hadoop.yarn.exceptions.YarnException {
    try (YarnClient yarn = YarnClient.createYarnClient()) {
      yarn.init(new YarnConfiguration(secondaryConf));
      yarn.start();
      return yarn.getApplications().stream().filter(a -> a.getApplicationTags().contains(tag))
          .map(ApplicationReport::getName).sorted().toList();
    }
  }

  private Proc.Result agent(String script, String command, Map<String, Object> params) throws Exception {
    return rig.runScript(packageDir, script, command, script.startsWith("service_check") ? "TANDEM_SERVICE_CHECK"
        : "TANDEM_CONTROLLER", rig.desiredConfigs(), params, work.resolve("agent"));
  }

  private Proc.Result cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(tandemBin.toString());
    cmd.addAll(List.of(args));
    Files.createDirectories(work.resolve("cli"));
    Path out = work.resolve("cli").resolve(String.format("%03d-%s.log", log.size(), String.join("-", args)
        .replaceAll("[^A-Za-z0-9.-]", "_").substring(0, Math.min(60, String.join("-", args).length()))));
    return Proc.run(cmd, Map.of("TANDEM_CONF_DIR", confDir.toString(), "JAVA_HOME", System.getProperty("java.home")),
        out, Duration.ofMinutes(8));
  }

  /**
   * Calls the API as an admin does in the default simple mode (docs/security.md): as the service user
   * (tandem_user, whom the controller always admits to tandem.admin.acl), with the CSRF header.
   */
  private JsonNode api(String method, String path, Object body) throws Exception {
    HttpResponse<String> r = apiRaw(method, path + (path.contains("?") ? "&" : "?") + "user.name="
        + System.getProperty("user.name"), body, Map.of("X-XSRF-HEADER", "acceptance"));
    if (r.statusCode() >= 300) {
      throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return Rig.JSON.readTree(r.body());
  }

  private HttpResponse<String> apiRaw(String method, String pathAndQuery, Object body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + pathAndQuery))
        .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json");
    headers.forEach(b::setHeader);
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body instanceof String text ? text : Rig.JSON.writeValueAsString(body)));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Configuration clientConf(Path dir) {
    Configuration c = new Configuration(false);
    for (String f : List.of("core-site.xml", "hdfs-site.xml", "hbase-site.xml", "yarn-site.xml", "mapred-site.xml")) {
      if (Files.exists(dir.resolve(f))) {
        c.addResource(new org.apache.hadoop.fs.Path(dir.resolve(f).toUri()));
      }
    }
    return HBaseConfiguration.create(c);
  }

  private static Path write(Path file, Map<String, String> settings) throws IOException {
    Properties p = new Properties();
    p.putAll(settings);
    try (OutputStream out = Files.newOutputStream(file)) {
      p.store(out, "settings Ambari's advisor recommends");
    }
    return file;
  }

  private static void await(String what, Duration timeout, java.util.concurrent.Callable<Boolean> condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
    }
  }

  private void say(String line) {
    log.add(line);
    System.out.println("[acceptance] " + line);
  }

  private void timing(String what, long startNanos) {
    timings.put(what, (System.nanoTime() - startNanos) / 1_000_000);
  }

  private static String tail(Path file) {
    try {
      return Proc.tail(Files.readString(file, StandardCharsets.UTF_8), 40);
    } catch (IOException e) {
      return "(" + file + " unreadable)";
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
