package io.tandem.controller.status;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.ControllerContext;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.json.Json;
import io.tandem.core.policy.Policy;

/**
 * Publishes the controller's metrics to the Ambari Metrics collector (timeline metrics POST)
 * under app id {@code tandem}, with the names metainfo/metrics.json declares: controller-wide
 * values, and per service ({@code instanceId} = the service) the newest complete cut's age and the
 * newest cut's duration. Off unless
 * {@code tandem.metrics.collector.url} is set. A failed POST is logged and retried at the next
 * interval; it never affects backups.
 */
public final class MetricsPublisher implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsPublisher.class);
  public static final String APP_ID = "tandem";

  private final ControllerContext ctx;
  private final HealthProbe health;
  private final URI collector;
  private final String hostname;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tandem-metrics");
    t.setDaemon(true);
    return t;
  });

  public MetricsPublisher(ControllerContext ctx, HealthProbe health, URI collector, String hostname) {
    this.ctx = ctx;
    this.health = health;
    this.collector = collector;
    this.hostname = hostname;
  }

  public void start(long intervalMillis) {
    timer.scheduleWithFixedDelay(health.tasks().guard("metrics", () -> {
      try {
        publish();
      } catch (IOException | RuntimeException e) {
        LOG.warn("metrics not published to {}: {}", collector, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }), 0, intervalMillis, TimeUnit.MILLISECONDS);
  }

  /** Per-service metrics: one series per service, told apart by the timeline metric's instanceId. */
  public static final String SERVICE_RPO_AGE = "tandem.service.rpo_age_seconds";
  public static final String SERVICE_CUT_DURATION = "tandem.service.cut_duration_seconds";

  /** One value of a per-service metric. */
  public record ServiceValue(String metric, String service, double value) {
  }

  /**
   * The per-service values: the age of the newest COMPLETE cut (absent while a service has none)
   * and the duration, start to end, of its newest finished cut, whatever its state.
   */
  public List<ServiceValue> computePerService() throws IOException {
    long now = ctx.clock().millis();
    List<ServiceValue> out = new ArrayList<>();
    for (Policy p : ctx.policies().list()) {
      Manifest newestComplete = null;
      Manifest newestFinished = null;
      for (Manifest m : ctx.catalog().list(p.service())) {
        if (m.state() == CutState.COMPLETE) {
          newestComplete = m;
        }
        if (m.startedAt() != null && m.finishedAt() != null) {
          newestFinished = m;
        }
      }
      if (newestComplete != null) {
        out.add(new ServiceValue(SERVICE_RPO_AGE, p.service(),
            (now - newestComplete.moment().toEpochMilli()) / 1000.0));
      }
      if (newestFinished != null) {
        out.add(new ServiceValue(SERVICE_CUT_DURATION, p.service(),
            Duration.between(newestFinished.startedAt(), newestFinished.finishedAt()).toMillis() / 1000.0));
      }
    }
    return out;
  }

  /** The current values, by metric name. */
  public Map<String, Double> compute() throws IOException {
    long completed = 0;
    long failed = 0;
    long aborted = 0;
    double fenceWindow = 0;
    double maxAge = 0;
    double bytesPerSec = 0;
    long now = ctx.clock().millis();
    for (Policy p : ctx.policies().list()) {
      List<Manifest> cuts = ctx.catalog().list(p.service());
      Manifest newestComplete = null;
      for (Manifest m : cuts) {
        switch (m.state()) {
          case COMPLETE -> {
            completed++;
            newestComplete = m;
          }
          case FAILED -> failed++;
          case ABORTED -> aborted++;
          default -> { }
        }
      }
      if (!cuts.isEmpty()) {
        fenceWindow = Math.max(fenceWindow, cuts.get(cuts.size() - 1).fenceWindowMs());
      }
      if (newestComplete != null) {
        maxAge = Math.max(maxAge, (now - newestComplete.moment().toEpochMilli()) / 1000.0);
        if (newestComplete.copySeconds() > 0) {
          bytesPerSec = Math.max(bytesPerSec, newestComplete.bytesCopied() / (double) newestComplete.copySeconds());
        }
      }
    }
    double skew = 0;
    double free = 0;
    for (ClusterHealth h : health.last().values()) {
      if (h.skewMs() != null) {
        skew = Math.max(skew, Math.abs(h.skewMs()));
      }
      if (h.name().equals(ctx.secondary().name()) && h.freeBytes() != null) {
        free = h.freeBytes();
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("tandem.cuts.completed", (double) completed);
    m.put("tandem.cuts.failed", (double) failed);
    m.put("tandem.cuts.aborted", (double) aborted);
    m.put("tandem.fence.window_ms", fenceWindow);
    m.put("tandem.rpo.newest_complete_age_max_seconds", maxAge);
    m.put("tandem.ship.bytes_per_sec", bytesPerSec);
    m.put("tandem.clock.max_skew_ms", skew);
    m.put("tandem.secondary.free_bytes", free);
    return m;
  }

  /** One POST of every metric at the current time. */
  public void publish() throws IOException, InterruptedException {
    long ts = ctx.clock().millis();
    List<Map<String, Object>> metrics = new ArrayList<>();
    for (Map.Entry<String, Double> e : compute().entrySet()) {
      metrics.add(timelineMetric(e.getKey(), null, ts, e.getValue()));
    }
    for (ServiceValue v : computePerService()) {
      metrics.add(timelineMetric(v.metric(), v.service(), ts, v.value()));
    }
    HttpRequest req = HttpRequest.newBuilder(collector).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(Map.of("metrics", metrics)))).build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() / 100 != 2) {
      throw new IOException("collector answered " + resp.statusCode() + ": " + resp.body());
    }
  }

  private Map<String, Object> timelineMetric(String name, String instanceId, long ts, double value) {
    Map<String, Object> one = new LinkedHashMap<>();
    one.put("metricname", name);
    one.put("appid", APP_ID);
    if (instanceId != null) {
      one.put("instanceId", instanceId);
    }
    one.put("hostname", hostname);
    one.put("starttime", ts);
    one.put("metrics", Map.of(Long.toString(ts), value));
    return one;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

}
