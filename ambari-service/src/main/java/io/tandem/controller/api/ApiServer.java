package io.tandem.controller.api;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.http.HttpServer2;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.authentication.client.PseudoAuthenticator;
import org.apache.hadoop.security.authentication.server.AuthenticationFilter;
import org.apache.hadoop.security.authentication.server.KerberosAuthenticationHandler;
import org.apache.hadoop.security.authentication.server.PseudoAuthenticationHandler;
import org.apache.hadoop.security.authorize.AccessControlList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.backup.BackupService;
import io.tandem.controller.identity.IdentityService;
import io.tandem.controller.identity.SwitchReport;
import io.tandem.controller.policy.DeclaredPolicies;
import io.tandem.controller.status.HealthProbe;
import io.tandem.controller.status.StatusReport;
import io.tandem.controller.usersync.UserSyncService;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.json.Json;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.PolicySpec;

/**
 * The controller's HTTP API (JSON in and out), what the CLI, Ambari's alerts and scripts use:
 * health, status, policies, backups. Errors are {@code {"error": "..."}} with the status of the
 * {@link TandemException.Kind}; a bad request changes nothing. It is one servlet in Hadoop's
 * {@link HttpServer2}, which also serves /jmx, /conf, /logLevel and /stacks.
 */
public final class ApiServer implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  public static final String VERSION = "0.1.0-SNAPSHOT";

  private final ControllerContext ctx;
  private final HealthProbe health;
  private final IdentityService identity;
  private final BooleanSupplier active;
  private final java.util.function.Supplier<DeclaredPolicies.Report> reload;
  private final Instant startedAt;
  private final HttpServer2 server;
  private final String rulesKey = java.util.UUID.randomUUID().toString();
  private final ExecutorService cuts = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tandem-api-cut");
    t.setDaemon(true);
    return t;
  });

  /** @param reload re-reads tandem-site.xml and applies its declared policies ({@code POST /api/v1/config/reload}) */
  public ApiServer(ControllerContext ctx, HealthProbe health, IdentityService identity, BooleanSupplier active,
      java.util.function.Supplier<DeclaredPolicies.Report> reload, String bindHost, int port) throws IOException {
    this.ctx = ctx;
    this.health = health;
    this.identity = identity;
    this.active = active;
    this.reload = reload;
    this.startedAt = ctx.clock().instant();
    // Hadoop's own embedded web server, as every Hadoop daemon runs it: besides /api/v1 it serves
    // /jmx, /conf (this controller's tandem-site), /logLevel and /stacks.
    Configuration httpConf = new Configuration(ctx.conf().raw());
    // HttpServer2's own admin check on /conf, /jmx, /logLevel, /stacks, behind ApiAccessFilter's.
    httpConf.setBoolean(org.apache.hadoop.fs.CommonConfigurationKeys.HADOOP_SECURITY_AUTHORIZATION, true);
    httpConf.setBoolean(org.apache.hadoop.fs.CommonConfigurationKeys.HADOOP_SECURITY_INSTRUMENTATION_REQUIRES_ADMIN, true);
    io.tandem.controller.TandemConf conf = ctx.conf();
    String self = UserGroupInformation.getCurrentUser().getShortUserName();
    AccessControlList admins = acl(conf.get(TandemKeys.ADMIN_ACL), self);
    AccessControlList readers = acl(conf.get(TandemKeys.READ_ACL), self);
    HttpServer2.Builder builder = new HttpServer2.Builder()
        .setName(WEBAPP)
        .addEndpoint(URI.create(conf.httpScheme() + "://" + bindHost + ":" + port))
        .setFindPort(false)
        .setConf(httpConf)
        .setACL(admins);
    if (conf.httpsOnly()) {
      // As Hadoop's daemons do with dfs.http.policy=HTTPS_ONLY: HttpServer2 reads the keystore
      // (ssl.server.keystore.*) and trust store (ssl.server.truststore.*) from this file.
      builder.setSSLConf(conf.sslConf(TandemKeys.SSL_SERVER_CONF, "ssl.server.keystore.location"));
    }
    this.server = builder.build();
    server.setAttribute(ATTRIBUTE, this);
    ApiAccessFilter.REGISTRY.put(rulesKey, new ApiAccessFilter.Rules(admins, readers,
        hostNames(bindHost, conf.get(TandemKeys.HTTP_ALLOWED_HOSTS)), "*".equals(conf.get(TandemKeys.HTTP_ALLOWED_HOSTS).trim())));
    // Every context HttpServer2 serves (the webapp with /api/v1 and the daemon pages, /static, /logs).
    server.addGlobalFilter("tandem-authentication", ApiAuthenticationFilter.class.getName(),
        authenticationParams(conf, bindHost));
    server.addGlobalFilter("tandem-access", ApiAccessFilter.class.getName(), Map.of(ApiAccessFilter.RULES_PARAM, rulesKey));
    server.addInternalServlet("tandem-api", "/api/v1/*", ApiServlet.class);
  }

  /** Hadoop ACL text ("users groups") with the controller's own user added: the Ambari scripts call as it. */
  private static AccessControlList acl(String text, String self) {
    AccessControlList acl = new AccessControlList(text);
    if (!acl.isAllAllowed()) {
      acl.addUser(self);
    }
    return acl;
  }

  /** AuthenticationFilter's init parameters from tandem-site (type, anonymous, SPNEGO principal and keytab). */
  static Map<String, String> authenticationParams(io.tandem.controller.TandemConf conf, String bindHost) throws IOException {
    String type = conf.get(TandemKeys.HTTP_AUTHENTICATION).trim().toLowerCase(java.util.Locale.ROOT);
    Map<String, String> p = new java.util.HashMap<>();
    p.put(AuthenticationFilter.COOKIE_PATH, "/");
    p.put(AuthenticationFilter.SIGNER_SECRET_PROVIDER, "random");
    switch (type) {
      case "simple" -> {
        p.put(AuthenticationFilter.AUTH_TYPE, PseudoAuthenticationHandler.TYPE);
        p.put(PseudoAuthenticationHandler.ANONYMOUS_ALLOWED, conf.get(TandemKeys.HTTP_ANONYMOUS_ALLOWED).trim());
      }
      case "kerberos" -> {
        String host = bindHost.equals("0.0.0.0") || bindHost.isBlank()
            ? java.net.InetAddress.getLocalHost().getCanonicalHostName() : bindHost;
        p.put(AuthenticationFilter.AUTH_TYPE, KerberosAuthenticationHandler.TYPE);
        p.put(KerberosAuthenticationHandler.PRINCIPAL,
            org.apache.hadoop.security.SecurityUtil.getServerPrincipal(conf.get(TandemKeys.HTTP_SPNEGO_PRINCIPAL), host));
        p.put(KerberosAuthenticationHandler.KEYTAB, conf.get(TandemKeys.HTTP_SPNEGO_KEYTAB));
      }
      default -> throw TandemException.invalid(TandemKeys.HTTP_AUTHENTICATION.name() + "=" + type
          + " is not supported: use simple or kerberos");
    }
    return p;
  }

  /** The Host header names this server answers: its bind address, this host's names and addresses, localhost. */
  static java.util.Set<String> hostNames(String bindHost, String extra) throws IOException {
    java.util.Set<String> names = new java.util.HashSet<>(List.of("localhost", "127.0.0.1", "[::1]"));
    names.add(bindHost.toLowerCase(java.util.Locale.ROOT));
    java.net.InetAddress local = java.net.InetAddress.getLocalHost();
    names.add(local.getHostName().toLowerCase(java.util.Locale.ROOT));
    names.add(local.getCanonicalHostName().toLowerCase(java.util.Locale.ROOT));
    for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
        String text = a.getHostAddress().replaceAll("%.*$", "").toLowerCase(java.util.Locale.ROOT);
        names.add(a instanceof java.net.Inet6Address ? "[" + text + "]" : text);
      }
    }
    for (String e : extra.split(",")) {
      if (!e.isBlank()) {
        names.add(e.trim().toLowerCase(java.util.Locale.ROOT));
      }
    }
    return names;
  }

  /** A message on one line: control characters (newlines included) shown as \\uXXXX. */
  public static String oneLine(String message) {
    if (message == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(message.length());
    message.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029 || c == 0x85) {
        sb.append(String.format("\\u%04x", c));
      } else {
        sb.appendCodePoint(c);
      }
    });
    return sb.toString();
  }

  /** The webapp name: HttpServer2 serves {@code webapps/tandem} from the classpath at "/". */
  static final String WEBAPP = "tandem";
  private static final String ATTRIBUTE = "tandem.api";

  public void start() throws IOException {
    server.start();
    LOG.info("controller API listening on {}://{}", ctx.conf().httpScheme(), server.getConnectorAddress(0));
  }

  public int port() {
    return server.getConnectorAddress(0).getPort();
  }

  /** A reply: HTTP status and the body, written as JSON. */
  record Reply(int status, Object body) {
  }

  /** Reads a request body, at most {@code limit} bytes. */
  @FunctionalInterface
  interface Body {
    byte[] read(int limit) throws IOException;
  }

  /** One request, whatever the transport: decoded path, raw query, the body on demand. */
  Reply serve(String method, String path, String query, Body body) {
    String[] p = path.replaceAll("/+$", "").split("/");
    // p = ["", "api", "v1", resource, ...]
    try {
      if (p.length < 4) {
        throw TandemException.notFound("no such endpoint " + path);
      }
      Object answer = route(method, p, new Request(query, body));
      if (answer instanceof Accepted a) {
        return new Reply(202, a.body());
      } else if (answer instanceof Refused r) {
        return new Reply(400, r.body());
      }
      return new Reply(200, answer);
    } catch (TandemException e) {
      return new Reply(e.kind().httpStatus(), Map.of("error", oneLine(e.getMessage())));
    } catch (Exception e) {
      LOG.error("API {} {} failed", method, oneLine(path), e);
      return new Reply(500, Map.of("error", oneLine(e.getClass().getSimpleName() + ": " + e.getMessage())));
    }
  }

  private record Request(String query, Body body) {
  }

  /** The servlet HttpServer2 runs for /api/v1/*; the ApiServer is a context attribute. */
  public static final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if ("OPTIONS".equals(req.getMethod())) {
        resp.setHeader("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
        resp.setStatus(200);
        return;
      }
      ApiServer api = (ApiServer) getServletContext().getAttribute(ATTRIBUTE);
      // Decoded and normalized by the server (a raw URI with '|' or %-escapes is no java.net.URI).
      String path = ApiAccessFilter.path(req);
      Reply r = api.serve(req.getMethod(), path, req.getQueryString(), limit -> {
        try (InputStream in = req.getInputStream()) {
          return in.readNBytes(limit);
        }
      });
      byte[] bytes = Json.bytes(r.body() == null ? List.of() : r.body());
      resp.setStatus(r.status());
      resp.setContentType("application/json; charset=utf-8");
      resp.setContentLength(bytes.length);
      try (OutputStream out = resp.getOutputStream()) {
        out.write(bytes);
      }
    }
  }

  private record Accepted(Object body) {
  }

  /** A 400 whose body carries more than the error line (a rejected reload's report). */
  private record Refused(Object body) {
  }

  /**
   * Body of {@code POST /api/v1/identity/switch}.
   *
   * @param await false to start the switch and answer 202 at once (follow it with
   *             {@code GET /api/v1/identity/switch}); true or absent to answer when it is done
   */
  public record SwitchRequest(String to, Boolean confirm, Boolean dryRun, Long expectedEpoch, Boolean await) {
  }

  /** A switch started in the background by this API, until it ends. */
  private final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.Future<?>> switching =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** Body of {@code POST /api/v1/gc}. */
  public record GcRequest(Boolean dryRun) {
  }

  private Object route(String method, String[] p, Request ex) throws Exception {
    String resource = p[3];
    if (p.length > 4 && List.of("policies", "backups", "users", "drills").contains(resource)) {
      // Before any use: a name with ':', '|', '..' or a control character is no ZooKeeper or HDFS name.
      io.tandem.core.policy.PolicyValidator.requireServiceName(p[4]);
    }
    switch (resource) {
      case "health" -> {
        requireMethod(method, "GET");
        return Map.of("status", "UP", "version", VERSION, "active", active.getAsBoolean());
      }
      case "status" -> {
        requireMethod(method, "GET");
        return StatusReport.build(ctx, health, active.getAsBoolean(), startedAt,
            java.net.InetAddress.getLocalHost().getHostName());
      }
      case "policies" -> {
        if (p.length == 4) {
          requireMethod(method, "GET");
          return ctx.policies().list().stream().map(Policy::toSpec).toList();
        }
        String service = p[4];
        switch (method) {
          case "GET":
            return ctx.policies().get(service).toSpec();
          case "PUT": {
            query(ex);
            PolicySpec spec = body(ex, PolicySpec.class, true, "the policy as a JSON object");
            if (spec.service() != null && !spec.service().equals(service)) {
              throw TandemException.invalid("the body names service " + spec.service() + " but the URL names " + service);
            }
            PolicySpec named = new PolicySpec(service, spec.datasets(), spec.schedules(), spec.mode(), spec.retain(),
                spec.rpoSeconds(), spec.users(), spec.groups(), spec.createdAt());
            return ctx.policies().apply(named).toSpec();
          }
          case "DELETE": {
            boolean dry = flag(query(ex, "dryRun"), "dryRun");
            if (!ctx.policies().delete(service, dry)) {
              throw TandemException.notFound("service " + service + " has no policy");
            }
            return Map.of("deleted", service, "dryRun", dry);
          }
          default:
            throw methodNotAllowed(method);
        }
      }
      case "backups" -> {
        if (p.length < 5) {
          throw TandemException.notFound("name a service: /api/v1/backups/{service}");
        }
        String service = p[4];
        if (p.length == 6 && "run".equals(p[5])) {
          requireMethod(method, "POST");
          ctx.policies().get(service);
          Instant moment = ctx.clock().instant();
          BackupService b = ctx.backups();
          if (b.running().containsKey(service)) {
            throw TandemException.conflict("a cut of service " + service + " is already running");
          }
          if (ctx.locks().isLocked(service)) {
            throw TandemException.conflict("service " + service + " is busy: "
                + ctx.locks().holder(service).orElse("another operation") + "; retry when it has finished");
          }
          cuts.submit(() -> b.run(service, moment, null));
          return new Accepted(Map.of("cutId", io.tandem.core.catalog.CutNames.cutId(service, moment)));
        }
        requireMethod(method, "GET");
        if (p.length == 5) {
          // ?limit=N: only the newest N cuts (the status page's timeline), still oldest first.
          String limit = query(ex, "limit").get("limit");
          List<io.tandem.core.catalog.Manifest> all = ctx.catalog().list(service);
          if (limit == null) {
            return all;
          }
          if (!limit.matches("[1-9][0-9]{0,4}")) {
            throw TandemException.invalid("query parameter limit=" + limit + " must be a whole number from 1 to 99999");
          }
          return all.subList(Math.max(0, all.size() - Integer.parseInt(limit)), all.size());
        }
        return ctx.catalog().require(service, p[5]);
      }
      case "identity" -> {
        if (p.length == 4) {
          requireMethod(method, "GET");
          return ctx.identity().require().record();
        }
        if (p.length == 5 && "switch".equals(p[4])) {
          if ("GET".equals(method)) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            out.put("current", identity.inProgress().orElse(null));
            out.put("last", identity.last().orElse(null));
            java.util.concurrent.Future<?> f = switching.get();
            out.put("runningHere", f != null && !f.isDone());
            return out;
          }
          requireMethod(method, "POST");
          query(ex);
          SwitchRequest req = body(ex, SwitchRequest.class, true, "{\"to\": \"secondary\", \"confirm\": true}");
          if (req.to() == null || req.to().isBlank()) {
            throw TandemException.invalid("name the cluster to promote: {\"to\": \"secondary\", \"confirm\": true}");
          }
          if (!CLUSTER_NAME.matcher(req.to()).matches()) {
            throw TandemException.invalid("field to: \"" + req.to() + "\" is not a cluster name (" + CLUSTER_NAME.pattern() + ")");
          }
          if (req.expectedEpoch() != null && req.expectedEpoch() < 0) {
            throw TandemException.invalid("field expectedEpoch must not be negative, got " + req.expectedEpoch());
          }
          boolean confirm = Boolean.TRUE.equals(req.confirm());
          boolean dryRun = Boolean.TRUE.equals(req.dryRun());
          if (dryRun || !confirm || !Boolean.FALSE.equals(req.await())) {
            return identity.switchTo(req.to(), confirm, dryRun, req.expectedEpoch());
          }
          // Started here, followed with GET: what would refuse it refuses now (4xx), the rest is
          // recorded step by step in the switch record.
          SwitchReport plan = identity.switchTo(req.to(), true, true, req.expectedEpoch());
          synchronized (switching) {
            java.util.concurrent.Future<?> f = switching.get();
            if (f != null && !f.isDone()) {
              throw TandemException.conflict("a switch started by this controller is still running: follow it with"
                  + " GET /api/v1/identity/switch");
            }
            switching.set(cuts.submit(() -> {
              try {
                identity.switchTo(req.to(), true, false, req.expectedEpoch());
              } catch (Exception e) {
                LOG.error("switch to {} (started through the API) failed: {}", req.to(), e.getMessage());
              }
            }));
          }
          return new Accepted(plan);
        }
        if (p.length == 5 && "guards".equals(p[4])) {
          requireMethod(method, "GET");
          query(ex);
          return guards();
        }
        throw TandemException.notFound("no such endpoint " + String.join("/", p));
      }
      case "users" -> {
        // POST /api/v1/users/{service}/sync?mode=push|reconcile&dryRun=true&removeExtra=true
        if (p.length != 6 || !"sync".equals(p[5])) {
          throw TandemException.notFound("no such endpoint " + String.join("/", p) + ": use /api/v1/users/{service}/sync");
        }
        requireMethod(method, "POST");
        Map<String, String> q = query(ex, "mode", "dryRun", "removeExtra");
        String modeText = q.getOrDefault("mode", "reconcile");
        if (!List.of("push", "reconcile").contains(modeText)) {
          throw TandemException.invalid("query parameter mode=" + modeText + " must be push or reconcile");
        }
        UserSyncService.Mode mode = UserSyncService.Mode.parse(modeText);
        return ctx.users().sync(p[4], mode, flag(q, "dryRun"), flag(q, "removeExtra"));
      }
      case "config" -> {
        if (p.length == 5 && "reload".equals(p[4])) {
          requireMethod(method, "POST");
          query(ex);
          if (ex.body().read(1).length > 0) {
            throw TandemException.invalid("POST /api/v1/config/reload takes no body");
          }
          // The request carries nothing: the controller re-reads the file its own user owns,
          // so a caller can make it apply only what the admin already wrote there.
          DeclaredPolicies.Report r = reload.get();
          if (r.applied()) {
            return r;
          }
          Map<String, Object> refused = new LinkedHashMap<>();
          refused.put("error", r.summary());
          refused.putAll(Json.MAPPER.convertValue(r, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
          return new Refused(refused);
        }
        throw TandemException.notFound("no such endpoint " + String.join("/", p));
      }
      case "gc" -> {
        // POST /api/v1/gc {"dryRun": true|false}: leftovers of cuts (see LeftoverCollector)
        requireMethod(method, "POST");
        query(ex);
        GcRequest req = body(ex, GcRequest.class, false, "{\"dryRun\": true}");
        if (req == null || req.dryRun() == null) {
          throw TandemException.invalid("say whether to remove anything: {\"dryRun\": true} lists,"
              + " {\"dryRun\": false} removes");
        }
        return ctx.leftovers(ctx.locks()::isLocked)
            .collect(req.dryRun());
      }
      case "drift" -> {
        // GET /api/v1/drift[?service=s]: what differs beyond the newest COMPLETE cut (docs/drift.md)
        requireMethod(method, "GET");
        if (p.length != 4) {
          throw TandemException.notFound("no such endpoint " + String.join("/", p) + ": use /api/v1/drift?service={service}");
        }
        String service = query(ex, "service").get("service");
        if (service == null) {
          return new io.tandem.controller.drift.DriftService(ctx).all();
        }
        try {
          io.tandem.core.policy.PolicyValidator.requireServiceName(service);
        } catch (TandemException e) {
          throw TandemException.invalid("query parameter service: " + e.getMessage());
        }
        return new io.tandem.controller.drift.DriftService(ctx).report(service);
      }
      case "drills" -> {
        // POST /api/v1/drills/{service}: start a restore drill (202, follow with GET); GET: its drills, newest first
        if (p.length != 5) {
          throw TandemException.notFound("no such endpoint " + String.join("/", p) + ": use /api/v1/drills/{service}");
        }
        String service = p[4];
        io.tandem.controller.drill.DrillService drills = ctx.drills();
        if ("GET".equals(method)) {
          query(ex);
          ctx.policies().get(service);
          return drills.list(service);
        }
        requireMethod(method, "POST");
        query(ex);
        if (ex.body().read(1).length > 0) {
          throw TandemException.invalid("POST /api/v1/drills/{service} takes no body");
        }
        io.tandem.core.catalog.Manifest cut = drills.checkStartable(service);
        String drillId = drills.newDrillId();
        cuts.submit(() -> {
          try {
            drills.run(service, drillId);
          } catch (Exception e) {
            LOG.error("drill {} of {} (started through the API) did not run: {}", drillId, service, e.getMessage());
          }
        });
        return new Accepted(Map.of("drillId", drillId, "service", service, "cutId", cut.cutId()));
      }
      default -> throw TandemException.notFound("no such endpoint /api/v1/" + resource);
    }
  }

  /**
   * {@code GET /api/v1/identity/guards}: per cluster, the identity guards registered in the controller's
   * ZooKeeper and the epoch each applied ({@code acknowledged}: it applied the record's current epoch).
   * A guard that never registered is not listed (the switch's {@code GuardRoster} names those).
   */
  private Map<String, Object> guards() throws Exception {
    io.tandem.core.identity.IdentityRecord rec = ctx.identity().require().record();
    org.apache.curator.framework.CuratorFramework zk = ctx.zk();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("epoch", rec.epoch());
    List<Map<String, Object>> clusters = new java.util.ArrayList<>();
    for (String cluster : new java.util.TreeSet<>(ctx.clusters().keySet())) {
      String dir = ctx.identity().layout().members(cluster);
      List<Map<String, Object>> members = new java.util.ArrayList<>();
      for (String m : zk.checkExists().forPath(dir) == null ? List.<String>of() : zk.getChildren().forPath(dir)) {
        try {
          io.tandem.core.identity.GuardAck ack = io.tandem.core.identity.GuardAck.decode(zk.getData().forPath(dir + "/" + m));
          Map<String, Object> g = new LinkedHashMap<>();
          g.put("member", m);
          g.put("epoch", ack.epoch());
          g.put("acknowledged", ack.epoch() == rec.epoch());
          g.put("allowsWrites", ack.allowsWrites());
          g.put("state", ack.state());
          g.put("appliedAt", ack.appliedAt().toString());
          members.add(g);
        } catch (org.apache.zookeeper.KeeperException.NoNodeException gone) {
          // Its session ended between list and read: that guard is gone.
        } catch (IllegalArgumentException unreadable) {
          members.add(Map.of("member", m, "acknowledged", false, "state", "unreadable: " + unreadable.getMessage()));
        }
      }
      clusters.add(Map.of("cluster", cluster, "guards", members));
    }
    out.put("clusters", clusters);
    return out;
  }

  /** Cluster names a switch may name (as tandem.primary.name and tandem.secondary.name are written). */
  static final java.util.regex.Pattern CLUSTER_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** Strictly {@code true} or {@code false} (absent: false); anything else, {@code TRUE} included, is refused. */
  private static boolean flag(Map<String, String> q, String name) {
    String v = q.getOrDefault(name, "false");
    if (!v.equals("true") && !v.equals("false")) {
      throw TandemException.invalid("query parameter " + name + "=" + v + " must be true or false");
    }
    return v.equals("true");
  }

  private static void requireMethod(String method, String expected) {
    if (!method.equals(expected)) {
      throw methodNotAllowed(method);
    }
  }

  private static TandemException methodNotAllowed(String method) {
    return new TandemException(TandemException.Kind.INVALID, "method " + method + " is not allowed here");
  }


  /**
   * The query parameters, decoded; {@code user.name} (authentication's) aside, only those {@code allowed}
   * (a misspelled {@code dryrun=true} must not be taken for no dry run), each at most once.
   */
  private static Map<String, String> query(Request ex, String... allowed) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = ex.query();
    if (q != null && !q.isEmpty()) {
      for (String kv : q.split("&")) {
        String[] parts = kv.split("=", 2);
        String name;
        String value;
        try {
          name = java.net.URLDecoder.decode(parts[0], java.nio.charset.StandardCharsets.UTF_8);
          value = parts.length > 1 ? java.net.URLDecoder.decode(parts[1], java.nio.charset.StandardCharsets.UTF_8) : "";
        } catch (IllegalArgumentException e) {
          throw TandemException.invalid("query parameter " + parts[0] + " is not URL-encoded: " + e.getMessage());
        }
        if (name.equals(PseudoAuthenticator.USER_NAME)) {
          continue;
        }
        if (!List.of(allowed).contains(name)) {
          throw TandemException.invalid("unknown query parameter " + name + (allowed.length == 0 ? ": this endpoint takes none"
              : ": this endpoint takes " + String.join(", ", allowed)));
        }
        if (out.put(name, value) != null) {
          throw TandemException.invalid("query parameter " + name + " is given more than once");
        }
      }
    }
    return out;
  }

  /** The body as {@code type}; JSON null, or no body when {@code required}, is refused naming the endpoint's form. */
  private static <T> T body(Request ex, Class<T> type, boolean required, String example) throws IOException {
    byte[] b = ex.body().read(1 << 20);
    if (b.length == 0 && !required) {
      return null;
    }
    if (b.length == 0) {
      throw TandemException.invalid("empty request body: send " + example);
    }
    T value = Json.read(b, type, "request body");
    if (value == null) {
      throw TandemException.invalid("request body is JSON null: send " + example);
    }
    return value;
  }

  @Override
  public void close() {
    ApiAccessFilter.REGISTRY.remove(rulesKey);
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("stopping the controller API: {}", e.toString());
    }
    cuts.shutdownNow();
  }
}
