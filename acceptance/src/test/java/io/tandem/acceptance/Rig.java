package io.tandem.acceptance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The real Apache Ambari 3.0 server and agent of {@code ../shared/ambari-rig} (or {@code $AMBARI_RIG}),
 * seen from outside: its own scripts start and stop it, everything else goes through its REST API
 * and through Ambari's own Python ({@code resource_management}) running the pack's command scripts.
 */
final class Rig implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CLUSTER = "rig";
  private static final String STACK = "/api/v1/stacks/BIGTOP/versions/3.3.0";

  private final Path home;
  private final Path work;
  private final Map<String, String> env;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Rig(Path home, Path work, Map<String, String> env) {
    this.home = home;
    this.work = work;
    this.env = env;
  }

  /** The rig's directory: {@code $AMBARI_RIG}, else the default beside the checkout, if it exists. */
  static Optional<Path> locate() {
    String fromEnv = System.getenv("AMBARI_RIG");
    Path p = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv)
        : Path.of(System.getProperty("tandem.default.rig", "../../shared/ambari-rig"));
    return Files.isExecutable(p.resolve("bin/validate-mpack")) ? Optional.of(p.toAbsolutePath().normalize())
        : Optional.empty();
  }

  /**
   * Runs {@code validate-mpack --keep-running}: installs the pack into a fresh Ambari, checks it
   * (stacks, service, themes, advisor, alert definitions, server log) and leaves server and agent
   * running with cluster {@code rig}. Fails the test on any finding.
   *
   * @param sets {@code TYPE/NAME=VALUE} cluster settings, as an admin would enter them
   */
  static Rig validateAndKeepRunning(Path home, Path mpack, Path work, Map<String, String> sets)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/validate-mpack").toString(), mpack.toString(),
        "--work", work.toString(), "--keep-running"));
    sets.forEach((k, v) -> {
      cmd.add("--set");
      cmd.add(k + "=" + v);
    });
    Files.createDirectories(work.getParent());
    Proc.Result r = Proc.run(cmd, Map.of(), work.getParent().resolve("validate-mpack.log"), Duration.ofMinutes(5));
    Map<String, String> env = readEnv(home, work);
    Rig rig = new Rig(home, work, env);
    if (r.exit() != 0) {
      rig.close();
      throw new AssertionError("Ambari found problems with the pack (validate-mpack exit " + r.exit() + "):\n"
          + Proc.tail(r.output(), 80));
    }
    return rig;
  }

  private static Map<String, String> readEnv(Path home, Path work) throws IOException, InterruptedException {
    Proc.Result r = Proc.run(List.of(home.resolve("bin/ambari-rig").toString(), "env", "--work", work.toString()),
        Map.of(), work.getParent().resolve("rig-env.log"), Duration.ofSeconds(30)).requireExit(0);
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : r.output().split("\n")) {
      String l = line.trim().replaceFirst("^export ", "");
      int eq = l.indexOf('=');
      if (eq > 0 && l.substring(0, eq).startsWith("AMBARI_")) {
        env.put(l.substring(0, eq), l.substring(eq + 1).replaceAll("^['\"]|['\"]$", ""));
      }
    }
    if (!env.containsKey("AMBARI_URL")) {
      throw new AssertionError("ambari-rig env printed no AMBARI_URL:\n" + r.output());
    }
    return env;
  }

  String url() {
    return env.get("AMBARI_URL");
  }

  Path work() {
    return work;
  }

  /** The report validate-mpack wrote: everything Ambari said about the pack. */
  String report() throws IOException {
    Path report = work.resolve("report.txt");
    return Files.exists(report) ? Files.readString(report) : "(no report.txt)";
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return call("GET", path, null);
  }

  JsonNode call(String method, String path, Object body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8)))
        .header("X-Requested-By", "tandem-acceptance");
    String text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
    b.method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
    HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() >= 300) {
      throw new AssertionError(method + " " + path + " answered " + res.statusCode() + ": " + res.body());
    }
    return res.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(res.body());
  }

  /**
   * What Ambari's advisor, with this pack installed, recommends for one cluster's hbase-site and
   * hdfs-site beyond what it recommends without the pack: the request validate-mpack made for
   * its cluster, with this cluster's own values put in, sent twice (with and without TANDEM).
   *
   * @param clusterValues {type: {name: value}} this cluster's own settings (its ZooKeeper, Tandem's
   *     cluster names and which one this is)
   * @return the added or changed hbase-site and hdfs-site values, as one map
   */
  Map<String, String> tandemRecommendations(Map<String, Map<String, String>> clusterValues)
      throws IOException, InterruptedException {
    Map<String, String> with = recommendedSites("req-rec-config.json", clusterValues);
    Map<String, String> without = recommendedSites("req-rec-config-without-pack.json", clusterValues);
    Map<String, String> added = new LinkedHashMap<>();
    with.forEach((k, v) -> {
      if (!v.equals(without.get(k))) {
        added.put(k, v);
      }
    });
    return added;
  }

  private Map<String, String> recommendedSites(String requestFile, Map<String, Map<String, String>> values)
      throws IOException, InterruptedException {
    ObjectNode req = (ObjectNode) JSON.readTree(work.resolve("api").resolve(requestFile).toFile());
    JsonNode configs = req.path("recommendations").path("blueprint").path("configurations");
    values.forEach((type, props) -> {
      JsonNode t = configs.path(type);
      if (t.isObject()) {
        ObjectNode p = (ObjectNode) t.path("properties");
        props.forEach(p::put);
      }
    });
    JsonNode answer = call("POST", STACK + "/recommendations", req);
    JsonNode rec = answer.path("resources").path(0).path("recommendations").path("blueprint").path("configurations");
    Map<String, String> out = new LinkedHashMap<>();
    for (String type : List.of("hbase-site", "hdfs-site")) {
      Iterator<Map.Entry<String, JsonNode>> it = rec.path(type).path("properties").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  /** The cluster's current (desired) configurations: {type: {name: value}}. */
  Map<String, Map<String, String>> desiredConfigs() throws IOException, InterruptedException {
    JsonNode desired = get("/api/v1/clusters/" + CLUSTER + "?fields=Clusters/desired_configs")
        .path("Clusters").path("desired_configs");
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = desired.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String tag = e.getValue().path("tag").asText();
      JsonNode props = get("/api/v1/clusters/" + CLUSTER + "/configurations?type=" + e.getKey() + "&tag=" + tag)
          .path("items").path(0).path("properties");
      Map<String, String> m = new LinkedHashMap<>();
      props.fields().forEachRemaining(p -> m.put(p.getKey(), p.getValue().asText()));
      out.put(e.getKey(), m);
    }
    return out;
  }

  /** Has the agent run every alert of the service once a minute (the rig's default is longer). */
  int alertsEveryMinute(String service) throws IOException, InterruptedException {
    JsonNode defs = get("/api/v1/clusters/" + CLUSTER + "/alert_definitions?AlertDefinition/service_name=" + service
        + "&fields=AlertDefinition/id,AlertDefinition/name");
    int n = 0;
    for (JsonNode d : defs.path("items")) {
      String id = d.path("AlertDefinition").path("id").asText();
      call("PUT", "/api/v1/clusters/" + CLUSTER + "/alert_definitions/" + id,
          Map.of("AlertDefinition", Map.of("interval", 1)));
      n++;
    }
    return n;
  }

  /** The service's current alerts: {definition name: [state, text, latest timestamp]}. */
  Map<String, List<String>> alerts(String service) throws IOException, InterruptedException {
    JsonNode items = get("/api/v1/clusters/" + CLUSTER + "/alerts?Alert/service_name=" + service
        + "&fields=Alert/definition_name,Alert/state,Alert/text,Alert/latest_timestamp").path("items");
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (JsonNode a : items) {
      JsonNode x = a.path("Alert");
      out.put(x.path("definition_name").asText(), List.of(x.path("state").asText(), x.path("text").asText(),
          x.path("latest_timestamp").asText()));
    }
    return out;
  }

  /**
   * Runs one command of one of the pack's scripts the way the agent does: Ambari's own Python and
   * {@code resource_management}, the script's command-line protocol (command, command JSON, package
   * dir, structured output, log level, tmp dir), and a command JSON from a real server (the
   * template, {@code package/tests/fixtures/ambari-command-controller.json}) carrying this cluster's
   * live configurations, which replace the template's.
   *
   * @return the command's result; its structured output is in {@code out/<name>-structured.json}
   */
  Proc.Result runScript(Path packageDir, String script, String command, String role,
      Map<String, Map<String, String>> configs, Map<String, Object> commandParams, Path out)
      throws IOException, InterruptedException {
    ObjectNode cmd = (ObjectNode) JSON.readTree(Path.of(System.getProperty("tandem.ambari.command",
        "../package/tests/fixtures/ambari-command-controller.json")).toFile());
    cmd.set("configurations", JSON.valueToTree(configs));
    // Ambari's own role commands go by name; every other command of a script is a custom one.
    cmd.put("roleCommand", List.of("INSTALL", "START", "STOP", "STATUS", "SERVICE_CHECK").contains(command) ? command
        : "CUSTOM_COMMAND");
    cmd.put("role", role);
    cmd.put("commandType", command.equals("STATUS") ? "STATUS_COMMAND" : "EXECUTION_COMMAND");
    ObjectNode ambari = (ObjectNode) cmd.path("ambariLevelParams");
    ambari.put("jdk_location", url().replace("127.0.0.1", "localhost") + "/resources");
    ambari.put("java_home", System.getProperty("java.home"));
    ObjectNode agent = (ObjectNode) cmd.path("agentLevelParams");
    agent.put("agentCacheDir", out.resolve("agent-cache").toString());
    ObjectNode params = (ObjectNode) cmd.path("commandParams");
    commandParams.forEach((k, v) -> params.put(k, String.valueOf(v)));
    ObjectNode host = (ObjectNode) cmd.path("hostLevelParams");
    host.put("custom_command", command);
    Files.createDirectories(out.resolve("tmp"));
    String name = script.replace(".py", "") + "-" + command.toLowerCase();
    Path json = out.resolve(name + "-command.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), cmd);
    Path structured = out.resolve(name + "-structured.json");
    String python = env.getOrDefault("AMBARI_PYTHON", "python3");
    Path lib = home.resolve("lib");
    Map<String, String> penv = new LinkedHashMap<>();
    penv.put("PYTHONPATH", lib.resolve("python") + ":" + work.resolve("pyextra"));
    penv.put("PATH", lib.resolve("sbin") + ":" + System.getenv("PATH"));
    penv.put("JAVA_HOME", System.getProperty("java.home"));
    return Proc.run(List.of(python, packageDir.resolve("scripts").resolve(script).toString(), command,
            json.toString(), packageDir.toString(), structured.toString(), "INFO", out.resolve("tmp").toString()),
        penv, out.resolve(name + ".log"), Duration.ofMinutes(10));
  }

  @Override
  public void close() throws IOException {
    try {
      Proc.run(List.of(home.resolve("bin/ambari-rig").toString(), "stop", "--work", work.toString()), Map.of(),
          work.getParent().resolve("rig-stop.log"), Duration.ofMinutes(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
