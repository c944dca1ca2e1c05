package io.tandem.controller.schedule;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.backup.BackupService;
import io.tandem.controller.policy.PolicyService;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.Policy;

/**
 * Runs every policy's cuts at their moments. Each service is scheduled on its own: its next
 * moment is computed from the last moment it handled, which is kept in the controller's
 * ZooKeeper ({@code <root>/schedule/<service>}) so a restarted or standby controller neither
 * repeats a cut nor forgets one. Moments missed while no controller ran are coalesced into one
 * cut at the latest missed moment.
 *
 * <p>Lifecycle: {@link #start()} begins ticking every {@code tickMillis}; {@link #close()}
 * stops ticking and waits for running cuts to finish. {@link #tick(Instant)} may also be
 * called directly (tests, "run due now").
 */
public final class BackupScheduler implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupScheduler.class);

  private enum State { LATENT, STARTED, CLOSED }

  private final Supplier<PolicyService> policies;
  private final Supplier<BackupService> backups;
  private final CuratorFramework zk;
  private final String dir;
  private final Clock clock;
  private final long tickMillis;
  private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
  private final Map<String, Future<Manifest>> inFlight = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("tandem-scheduler"));
  private final ExecutorService runners = Executors.newFixedThreadPool(2, daemon("tandem-cut"));

  /**
   * @param policies the policy service as it is at each tick
   * @param backups the backup service as it is at each tick: the roles of the clusters are read
   *     when a cut starts, so a switch made anywhere redirects the next scheduled cut
   */
  public BackupScheduler(Supplier<PolicyService> policies, Supplier<BackupService> backups, CuratorFramework zk,
      String root, Clock clock, long tickMillis) {
    this.policies = Objects.requireNonNull(policies, "policies");
    this.backups = Objects.requireNonNull(backups, "backups");
    this.zk = Objects.requireNonNull(zk, "zk");
    this.dir = root + "/schedule";
    this.clock = Objects.requireNonNull(clock, "clock");
    if (tickMillis < 10) {
      throw new IllegalArgumentException("tickMillis must be >= 10, got " + tickMillis);
    }
    this.tickMillis = tickMillis;
  }

  public void start() {
    start(new io.tandem.controller.status.PeriodicTasks(clock));
  }

  /** Starts ticking; a tick that fails is logged and counted in {@code tasks}, and the next one runs. */
  public void start(io.tandem.controller.status.PeriodicTasks tasks) {
    if (!state.compareAndSet(State.LATENT, State.STARTED)) {
      throw new IllegalStateException("scheduler already started or closed");
    }
    ticker.scheduleWithFixedDelay(tasks.guard("scheduler", () -> tick(clock.instant())), 0, tickMillis,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a cut for every service whose next moment is at or before {@code now} and that has
   * no cut running. Does not wait for the cuts.
   *
   * @return the services a cut was started for, with the moment it was started at
   */
  public synchronized Map<String, Instant> tick(Instant now) {
    Map<String, Instant> started = new java.util.LinkedHashMap<>();
    BackupService backups = this.backups.get();
    for (Policy p : policies.get().list()) {
      // One policy's failure (a moment beyond what Instant holds, a ZooKeeper error on its record)
      // must not keep the policies after it from their cuts.
      try {
        startIfDue(p, now, backups, started);
      } catch (Exception e) {
        LOG.error("service {}: could not schedule its next cut: {}", p.service(), e.toString());
      }
    }
    return started;
  }

  private void startIfDue(Policy p, Instant now, BackupService backups, Map<String, Instant> started) throws Exception {
    Future<Manifest> f = inFlight.get(p.service());
    if (f != null && !f.isDone()) {
      return;
    }
    Instant last = lastHandled(p.service()).orElse(p.createdAt());
    Instant due = p.nextMoment(last);
    if (due == null || due.isAfter(now)) {
      return;
    }
    // Coalesce moments missed while no controller was running into the latest one.
    int missed = 0;
    for (Instant n = p.nextMoment(due); n != null && !n.isAfter(now) && missed < 100_000; n = p.nextMoment(n)) {
      due = n;
      missed++;
    }
    if (missed > 0) {
      LOG.warn("service {}: {} scheduled moments were missed; cutting once at {}", p.service(), missed, due);
    }
    Instant moment = due;
    recordHandled(p.service(), moment);
    started.put(p.service(), moment);
    LOG.info("service {}: moment {} is due, starting its cut", p.service(), moment);
    inFlight.put(p.service(), runners.submit(() -> backups.run(p.service(), moment, null)));
  }

  /** Waits for the cut started for {@code service}, if any; for tests and "run now --wait". */
  public Manifest await(String service, long timeout, TimeUnit unit) throws Exception {
    Future<Manifest> f = inFlight.get(service);
    return f == null ? null : f.get(timeout, unit);
  }

  java.util.Optional<Instant> lastHandled(String service) {
    try {
      byte[] b = zk.getData().forPath(dir + "/" + service);
      return java.util.Optional.of(Instant.parse(new String(b, StandardCharsets.UTF_8)));
    } catch (KeeperException.NoNodeException e) {
      return java.util.Optional.empty();
    } catch (Exception e) {
      throw TandemException.unavailable("could not read the schedule state of " + service
          + " from the controller's ZooKeeper: " + e, e);
    }
  }

  private void recordHandled(String service, Instant moment) {
    byte[] b = moment.toString().getBytes(StandardCharsets.UTF_8);
    try {
      try {
        zk.setData().forPath(dir + "/" + service, b);
      } catch (KeeperException.NoNodeException e) {
        zk.create().creatingParentContainersIfNeeded().forPath(dir + "/" + service, b);
      }
    } catch (Exception e) {
      throw TandemException.unavailable("could not record the schedule state of " + service
          + " in the controller's ZooKeeper: " + e, e);
    }
  }

  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    ticker.shutdownNow();
    runners.shutdown();
    try {
      if (!runners.awaitTermination(10, TimeUnit.MINUTES)) {
        LOG.warn("cuts still running after 10 minutes; leaving them to be marked FAILED at next start");
        runners.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      runners.shutdownNow();
    }
  }

  /** Services with a cut started by this scheduler that has not finished. */
  public List<String> busy() {
    List<String> out = new ArrayList<>();
    inFlight.forEach((s, f) -> {
      if (!f.isDone()) {
        out.add(s);
      }
    });
    return out;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
