package io.tandem.controller.status;

import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.fs.FsStatus;
import org.apache.hadoop.hbase.ClusterMetrics;
import org.apache.hadoop.hbase.client.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.ClockSkewProbe;

/**
 * Probes each cluster's HDFS (NameNode answers, free space) and HBase (active master, live
 * RegionServers) every interval, each probe bounded by the interval so a dead cluster reads as
 * unhealthy instead of hanging the status. A cluster is faulty after {@code threshold}
 * consecutive failed probes.
 */
public final class HealthProbe implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(HealthProbe.class);

  private final Map<String, ClusterConnection> clusters;
  private final java.util.function.Function<String, String> roleOf;
  private final long intervalMillis;
  private final int threshold;
  private final Clock clock;
  private final PeriodicTasks tasks;
  private final ClockSkewProbe skewProbe = new ClockSkewProbe();
  private final Map<String, ClusterHealth> last = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tandem-health"));
  private final ExecutorService probes = Executors.newCachedThreadPool(r -> daemon(r, "tandem-probe"));

  public HealthProbe(Map<String, ClusterConnection> clusters, java.util.function.Function<String, String> roleOf, long intervalMillis,
      int threshold, Clock clock) {
    this.clusters = Map.copyOf(clusters);
    this.roleOf = roleOf;
    this.intervalMillis = intervalMillis;
    this.threshold = threshold;
    this.clock = clock;
    this.tasks = new PeriodicTasks(clock);
  }

  public void start() {
    ticker.scheduleWithFixedDelay(tasks.guard("health-probe", this::probeAll), 0, intervalMillis,
        TimeUnit.MILLISECONDS);
  }

  /** The controller's periodic tasks, these probes among them, with their failure counts. */
  public PeriodicTasks tasks() {
    return tasks;
  }

  /** Probes every cluster once, now. */
  public void probeAll() {
    for (ClusterConnection c : clusters.values()) {
      Future<List<String>> f = probes.submit(() -> probe(c));
      List<String> problems;
      Long free = null;
      Long skew = null;
      try {
        problems = f.get(Math.max(intervalMillis, 2000), TimeUnit.MILLISECONDS);
        if (problems.isEmpty()) {
          free = c.fs().getStatus().getRemaining();
          skew = measureSkew(c);
        }
      } catch (java.util.concurrent.TimeoutException e) {
        f.cancel(true);
        problems = List.of("no answer within " + Math.max(intervalMillis, 2000) + " ms");
      } catch (Exception e) {
        problems = List.of(String.valueOf(e.getMessage()).split("\n", 2)[0]);
      }
      record(c.name(), problems, free, skew);
    }
  }

  private Long measureSkew(ClusterConnection c) {
    try {
      return skewProbe.hdfs(c).skewMs();
    } catch (IOException | RuntimeException e) {
      LOG.debug("clock skew of {} not measured: {}", c.name(), e.toString());
      return null;
    }
  }

  private void record(String name, List<String> problems, Long free, Long skew) {
    Instant now = clock.instant();
    ClusterHealth prev = last.get(name);
    boolean healthy = problems.isEmpty();
    int failures = healthy ? 0 : (prev == null ? 1 : prev.consecutiveFailures() + 1);
    Instant faultySince = null;
    if (failures >= threshold) {
      faultySince = prev != null && prev.faultySince() != null ? prev.faultySince() : now;
      if (prev == null || prev.faultySince() == null) {
        LOG.error("cluster {} is FAULTY after {} failed probes: {}", name, failures, problems);
      }
    }
    last.put(name, new ClusterHealth(name, roleOf.apply(name), healthy, now, faultySince,
        failures, problems, free, skew));
  }

  private static List<String> probe(ClusterConnection c) {
    List<String> problems = new ArrayList<>();
    try {
      FsStatus st = c.fs().getStatus();
      if (st.getCapacity() <= 0) {
        problems.add("HDFS reports no capacity");
      }
    } catch (Exception e) {
      problems.add("HDFS: " + e.getMessage());
    }
    try (Admin admin = c.hbase().getAdmin()) {
      ClusterMetrics m = admin.getClusterMetrics(java.util.EnumSet.of(ClusterMetrics.Option.LIVE_SERVERS,
          ClusterMetrics.Option.MASTER));
      if (m.getMasterName() == null) {
        problems.add("HBase: no active master");
      }
      if (m.getLiveServerMetrics().isEmpty()) {
        problems.add("HBase: no live RegionServers");
      }
    } catch (Exception e) {
      problems.add("HBase: " + String.valueOf(e.getMessage()).split("\n", 2)[0]);
    }
    return problems;
  }

  /** True if the last probe of {@code cluster} found no problem. */
  public boolean healthy(String cluster) {
    ClusterHealth h = last.get(cluster);
    return h != null && h.healthy();
  }

  public Map<String, ClusterHealth> last() {
    return Map.copyOf(last);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    probes.shutdownNow();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
