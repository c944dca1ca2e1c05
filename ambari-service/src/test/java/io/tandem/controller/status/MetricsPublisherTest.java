package io.tandem.controller.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpServer;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.json.Json;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/** The controller posts every metric metainfo/metrics.json declares, as Ambari Metrics expects them. */
@ExtendWith(TwoClusters.class)
class MetricsPublisherTest {

  @Test
  void postsEveryDeclaredMetricToTheCollector(EmbeddedClusters clusters) throws Exception {
    LinkedBlockingQueue<byte[]> posts = new LinkedBlockingQueue<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/ws/v1/timeline/metrics", ex -> {
      try (InputStream in = ex.getRequestBody()) {
        posts.add(in.readAllBytes());
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    collector.start();
    try (ControllerContext ctx = ControllerFixture.open(clusters, "/metrics");
        HealthProbe health = new HealthProbe(ctx.clusters(), n -> "", 10_000, 3, Clock.systemUTC())) {
      health.probeAll();
      TableName t = ControllerFixture.table(clusters.primary(), "mpub", "t");
      ControllerFixture.rows(clusters.primary(), t, 0, 10, "a");
      ctx.policies().create(new PolicySpec("mpub", List.of("hbase:mpub:t"), List.of("every:1h"), "push", 5, null,
          null, null, null));
      Manifest cut = ctx.backups().run("mpub", Instant.now(), null);
      assertEquals(CutState.COMPLETE, cut.state(), cut::reason);
      MetricsPublisher publisher = new MetricsPublisher(ctx, health,
          URI.create("http://127.0.0.1:" + collector.getAddress().getPort() + "/ws/v1/timeline/metrics"), "ctl-host");
      publisher.publish();
      byte[] body = posts.poll(30, TimeUnit.SECONDS);
      assertTrue(body != null, "the collector received a POST");
      Map<String, List<Map<String, Object>>> doc = Json.MAPPER.readValue(body,
          new TypeReference<Map<String, List<Map<String, Object>>>>() { });
      Set<String> posted = new HashSet<>();
      Map<String, Double> perService = new HashMap<>();
      for (Map<String, Object> m : doc.get("metrics")) {
        assertEquals("tandem", m.get("appid"));
        assertEquals("ctl-host", m.get("hostname"));
        assertEquals(1, ((Map<?, ?>) m.get("metrics")).size(), "one timestamped value");
        posted.add((String) m.get("metricname"));
        if (m.containsKey("instanceId")) {
          assertEquals("mpub", m.get("instanceId"), "per-service metrics name their service");
          perService.put((String) m.get("metricname"),
              ((Number) ((Map<?, ?>) m.get("metrics")).values().iterator().next()).doubleValue());
        }
      }
      double duration = Duration.between(cut.startedAt(), cut.finishedAt()).toMillis() / 1000.0;
      assertEquals(duration, perService.get(MetricsPublisher.SERVICE_CUT_DURATION), 0.001,
          "the cut's duration, start to end");
      double age = perService.get(MetricsPublisher.SERVICE_RPO_AGE);
      assertTrue(age >= 0 && age <= (System.currentTimeMillis() - cut.moment().toEpochMilli()) / 1000.0 + 0.001,
          "the newest complete cut's age, at most the time since its moment: " + age);
      assertEquals(declared(), posted, "exactly the metrics metainfo/metrics.json declares");
      assertTrue(publisher.compute().get("tandem.secondary.free_bytes") > 0, "free space of the secondary is measured");
    } finally {
      collector.stop(0);
    }
  }

  private static Set<String> declared() throws Exception {
    String json = Files.readString(Path.of("..", "metainfo", "metrics.json"));
    Set<String> out = new HashSet<>();
    Matcher m = Pattern.compile("\"metric\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
