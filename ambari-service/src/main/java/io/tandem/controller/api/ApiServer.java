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
    this.server = new HttpServer2.Builder()
        .setName(WEBAPP)
        .addEndpoint(URI.create("http://" + bindHost + ":" + port))
        .setFindPort(false)
        .setConf(httpConf)
        .build();
    server.setAttribute(ATTRIBUTE, this);
    server.addInternalServlet("tandem-api", "/api/v1/*", ApiServlet.class);
  }

  /** The webapp name: HttpServer2 serves {@code webapps/tandem} from the classpath at "/". */
  static final String WEBAPP = "tandem";
  private static final String ATTRIBUTE = "tandem.api";

  public void start() throws IOException {
    server.start();
    LOG.info("controller API listening on {}", server.getConnectorAddress(0));
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
      return new Reply(e.kind().httpStatus(), Map.of("error", e.getMessage()));
    } catch (Exception e) {
      LOG.error("API {} {} failed", method, path, e);
      return new Reply(500, Map.of("error", e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
  }

  private record Request(String query, Body body) {
  }

  /** The servlet HttpServer2 runs for /api/v1/*; the ApiServer is a context attribute. */
  public static final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      ApiServer api = (ApiServer) getServletContext().getAttribute(ATTRIBUTE);
      String path = URI.create(req.getRequestURI()).getPath();
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
            PolicySpec spec = Json.read(readBody(ex), PolicySpec.class, "request body");
            if (spec.service() != null && !spec.service().equals(service)) {
              throw TandemException.invalid("the body names service " + spec.service() + " but the URL names " + service);
            }
            PolicySpec named = new PolicySpec(service, spec.datasets(), spec.schedules(), spec.mode(), spec.retain(),
                spec.rpoSeconds(), spec.users(), spec.groups(), spec.createdAt());
            return ctx.policies().apply(named).toSpec();
          }
          case "DELETE": {
            boolean dry = "true".equals(query(ex).get("dryRun"));
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
          return ctx.catalog().list(service);
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
          SwitchRequest req = Json.read(readBody(ex), SwitchRequest.class, "request body");
          if (req.to() == null || req.to().isBlank()) {
            throw TandemException.invalid("name the cluster to promote: {\"to\": \"secondary\", \"confirm\": true}");
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
        throw TandemException.notFound("no such endpoint " + String.join("/", p));
      }
      case "users" -> {
        // POST /api/v1/users/{service}/sync?mode=push|reconcile&dryRun=true&removeExtra=true
        if (p.length != 6 || !"sync".equals(p[5])) {
          throw TandemException.notFound("no such endpoint " + String.join("/", p) + ": use /api/v1/users/{service}/sync");
        }
        requireMethod(method, "POST");
        Map<String, String> q = query(ex);
        UserSyncService.Mode mode = UserSyncService.Mode.parse(q.getOrDefault("mode", "reconcile"));
        return ctx.users().sync(p[4], mode, flag(q, "dryRun"), flag(q, "removeExtra"));
      }
      case "config" -> {
        if (p.length == 5 && "reload".equals(p[4])) {
          requireMethod(method, "POST");
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
        byte[] body = ex.body().read(1 << 20);
        GcRequest req = body.length == 0 ? new GcRequest(null) : Json.read(body, GcRequest.class, "request body");
        if (req.dryRun() == null) {
          throw TandemException.invalid("say whether to remove anything: {\"dryRun\": true} lists,"
              + " {\"dryRun\": false} removes");
        }
        return new io.tandem.controller.gc.LeftoverCollector(ctx.roles(), ctx.conf(), ctx.locks()::isLocked)
            .collect(req.dryRun());
      }
      default -> throw TandemException.notFound("no such endpoint /api/v1/" + resource);
    }
  }

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

  private static byte[] readBody(Request ex) throws IOException {
    byte[] b = ex.body().read(1 << 20);
    if (b.length == 0) {
      throw TandemException.invalid("empty request body: send the policy as JSON");
    }
    return b;
  }

  private static Map<String, String> query(Request ex) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = ex.query();
    if (q != null) {
      for (String kv : q.split("&")) {
        String[] parts = kv.split("=", 2);
        out.put(parts[0], parts.length > 1 ? parts[1] : "");
      }
    }
    return out;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("stopping the controller API: {}", e.toString());
    }
    cuts.shutdownNow();
  }
}
