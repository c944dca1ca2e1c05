package io.tandem.controller;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;

import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import io.tandem.controller.api.ApiServer;
import io.tandem.controller.identity.IdentityService;
import io.tandem.controller.status.ClusterHealth;
import io.tandem.controller.status.MetricsPublisher;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.controller.schedule.BackupScheduler;
import io.tandem.controller.status.HealthProbe;
import io.tandem.core.config.ConfigKey;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.controller.policy.DeclaredPolicies;

/**
 * The controller daemon ({@code tandem controller start}): the HTTP API and health probes on
 * every controller host, and — on the one host that wins leader election in the controller's
 * ZooKeeper — the scheduler. A standby controller takes over when the active one's ZooKeeper
 * session ends; the schedule state in ZooKeeper keeps it from repeating or skipping cuts.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #close()} once (idempotent).
 */
public final class ControllerDaemon implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerDaemon.class);

  private final ControllerContext ctx;
  private final HealthProbe health;
  private final ApiServer api;
  private final LeaderLatch latch;
  private final IdentityService identity;
  private MetricsPublisher metrics;
  private final java.util.concurrent.ScheduledExecutorService autoFailover =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(daemonThread("tandem-auto-failover"));
  private final CountDownLatch closed = new CountDownLatch(1);
  private BackupScheduler scheduler;
  private java.util.concurrent.ScheduledExecutorService userReconcile;
  private java.util.concurrent.ScheduledExecutorService drills;

  public ControllerDaemon(ControllerContext ctx) throws IOException {
    this.ctx = ctx;
    TandemConf conf = ctx.conf();
    this.health = new HealthProbe(ctx.clusters(), this::roleOf,
        conf.getLong(TandemKeys.WATCH_INTERVAL_MS), conf.getInt(TandemKeys.WATCH_FAILURE_THRESHOLD), ctx.clock());
    this.latch = new LeaderLatch(ctx.zk(), ctx.identity().layout().controllerLatch(),
        java.net.InetAddress.getLocalHost().getHostName() + ":" + ProcessHandle.current().pid());
    this.identity = new IdentityService(ctx, health::healthy,
        () -> latch.hasLeadership() ? latch.getLastPathIsLeader() : null,
        Duration.ofMillis(conf.getLong(TandemKeys.GUARD_WAIT_MS)));
    this.api = new ApiServer(ctx, health, identity, latch::hasLeadership, this::reloadConfig, conf.get(TandemKeys.HTTP_BIND_HOST),
        conf.getInt(TandemKeys.HTTP_PORT));
  }

  public void start() throws Exception {
    applyDeclaredPolicies();
    health.start();
    api.start();
    latch.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        onLeadership();
      }

      @Override
      public void notLeader() {
        onLostLeadership();
      }
    });
    latch.start();
    String collector = ctx.conf().get(TandemKeys.METRICS_COLLECTOR_URL);
    if (!collector.isBlank()) {
      metrics = new MetricsPublisher(ctx, health, java.net.URI.create(collector),
          java.net.InetAddress.getLocalHost().getCanonicalHostName());
      metrics.start(ctx.conf().getLong(TandemKeys.METRICS_INTERVAL_MS));
      LOG.info("publishing metrics to {}", collector);
    }
    if (ctx.conf().getBoolean(TandemKeys.FAILOVER_AUTOMATIC)) {
      long delayS = ctx.conf().getLong(TandemKeys.FAILOVER_AUTOMATIC_DELAY_S);
      LOG.warn("automatic failover is ON: the secondary is promoted after the primary is faulty for {} s", delayS);
      autoFailover.scheduleWithFixedDelay(health.tasks().guard("auto-failover", () -> maybeFailOver(delayS)), 1, 1,
          java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** The role a cluster has in the identity record: PRIMARY, SECONDARY, or NONE mid-switch. */
  String roleOf(String cluster) {
    IdentityRecord r = ctx.identity().require().record();
    if (r.inTransition()) {
      return "NONE";
    }
    return r.isPrimary(cluster) ? "PRIMARY" : "SECONDARY";
  }

  private void maybeFailOver(long delayS) {
    try {
      if (!latch.hasLeadership()) {
        return;
      }
      IdentityRecord r = ctx.identity().require().record();
      if (r.inTransition()) {
        return;
      }
      ClusterHealth h = health.last().get(r.primary());
      if (h != null && h.faultySince() != null
          && Duration.between(h.faultySince(), ctx.clock().instant()).toSeconds() >= delayS) {
        String target = ctx.other(r.primary()).name();
        LOG.error("AUTOMATIC FAILOVER: {} faulty since {}, promoting {}", r.primary(), h.faultySince(), target);
        identity.switchTo(target, true, false, r.epoch());
      }
    } catch (java.io.IOException e) {
      // Counted and logged by the periodic task's guard; it tries again in a second.
      throw new java.io.UncheckedIOException("automatic failover failed: " + e.getMessage(), e);
    }
  }

  public IdentityService identity() {
    return identity;
  }

  public HealthProbe health() {
    return health;
  }

  private synchronized void onLeadership() {
    LOG.info("this controller is now ACTIVE");
    try {
      ctx.refreshRoles();
      ctx.publishProtected();
    } catch (IOException | RuntimeException e) {
      LOG.error("could not refresh roles or publish protected data sets: {}", e.getMessage(), e);
    }
    try {
      List<String> failed = ctx.backups().failInterrupted();
      if (!failed.isEmpty()) {
        LOG.warn("cuts interrupted by a stopped controller were marked FAILED: {}", failed);
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("could not check for interrupted cuts: {}", e.getMessage(), e);
    }
    try {
      // Balancer, split and merge switches a dead controller's cut left off on the primary.
      io.tandem.controller.cut.ClusterSwitches.recover(ctx.primary(), ctx.conf().get(TandemKeys.CUT_ZK_ROOT),
          ctx.conf().getInt(TandemKeys.ZK_SESSION_TIMEOUT_MS), ctx.conf().zkAcl()).ifPresent(r -> LOG.warn("restored on {}: {}",
          ctx.primary().name(), r));
    } catch (IOException | RuntimeException e) {
      LOG.error("could not check the primary's cut switches: {}", e.getMessage(), e);
    }
    scheduler = new BackupScheduler(ctx::policies, ctx::backups, ctx.zk(),
        ctx.conf().get(TandemKeys.CONTROLLER_ZK_ROOT), ctx.clock(), ctx.conf().getLong(TandemKeys.SCHEDULER_TICK_MS));
    scheduler.start(health.tasks());
    long reconcileEveryS = ctx.conf().getLong(TandemKeys.USERS_RECONCILE_INTERVAL_S);
    if (reconcileEveryS > 0) {
      userReconcile = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          daemonThread("tandem-users-reconcile"));
      userReconcile.scheduleWithFixedDelay(health.tasks().guard("users-reconcile", this::reconcileUsers),
          reconcileEveryS, reconcileEveryS,
          java.util.concurrent.TimeUnit.SECONDS);
    }
    if (ctx.drills().intervalHours() > 0) {
      // Restore drills (docs/drills.md): due ones run one after the other on their own thread.
      long tickMs = ctx.conf().getLong(TandemKeys.SCHEDULER_TICK_MS);
      drills = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(daemonThread("tandem-drills"));
      drills.scheduleWithFixedDelay(health.tasks().guard("drills", () -> ctx.drills().runDue()), tickMs, tickMs,
          java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void onLostLeadership() {
    LOG.warn("this controller lost leadership; it is STANDBY");
    if (scheduler != null) {
      scheduler.close();
      scheduler = null;
    }
    if (userReconcile != null) {
      userReconcile.shutdownNow();
      userReconcile = null;
    }
    if (drills != null) {
      drills.shutdownNow();
      drills = null;
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThread(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** The user data schedule of its own (tandem.users.reconcile.interval.s): catches drift on the secondary. */
  private void reconcileUsers() {
    for (io.tandem.core.policy.Policy p : ctx.policies().list()) {
      try {
        var r = ctx.users().sync(p.service(), io.tandem.controller.usersync.UserSyncService.Mode.RECONCILE, false, false);
        if (!r.ok()) {
          LOG.warn("scheduled user reconcile of {} left failures: {}", p.service(), r.outcomes());
        }
      } catch (Exception e) {
        LOG.warn("scheduled user reconcile of {} failed: {}", p.service(), e.getMessage());
      }
    }
  }

  /**
   * Applies the policies declared in the running configuration (Ambari's Backup tab): created
   * or updated, deleted only with tandem.policies.delete.missing. A declared set with an invalid
   * policy changes nothing; that is logged and the controller starts anyway, running the
   * policies it already has.
   */
  void applyDeclaredPolicies() {
    DeclaredPolicies.Report r = applyDeclared(ctx.conf());
    if (r.applied()) {
      LOG.info("{}", r.summary());
    } else {
      LOG.error("{} (fix tandem.policies and refresh the configuration)", r.summary());
    }
  }

  /**
   * Re-reads the tandem-site.xml this controller was started from and applies its declared
   * policies, as on start ({@code POST /api/v1/config/reload}, Ambari's "Refresh configs").
   * Only the policy keys take effect; the report lists the other keys that changed in the file,
   * which need a restart. Blocks while another controller applies its declared policies.
   *
   * @throws TandemException INVALID if the file cannot be read or tandem.policies is not a JSON list
   */
  public DeclaredPolicies.Report reloadConfig() {
    long t0 = System.nanoTime();
    Path source = ctx.conf().source();
    if (source == null) {
      throw TandemException.invalid("this controller was not started from a tandem-site.xml file: nothing to re-read");
    }
    TandemConf fresh = TandemConf.load(source);
    List<String> restartNeeded = new ArrayList<>();
    for (ConfigKey k : TandemKeys.ALL) {
      if (!RELOADABLE.contains(k) && !ctx.conf().get(k).equals(fresh.get(k))) {
        restartNeeded.add(k.name());
      }
    }
    DeclaredPolicies.Report r = applyDeclared(fresh);
    if (r.applied()) {
      for (ConfigKey k : RELOADABLE) {
        ctx.conf().set(k, fresh.get(k));
      }
    }
    r = r.with(source.toString(), restartNeeded, (System.nanoTime() - t0) / 1_000_000);
    if (r.applied()) {
      LOG.info("configuration reloaded from {} in {} ms: {}", source, r.tookMs(), r.summary());
    } else {
      LOG.error("configuration reload from {}: {}", source, r.summary());
    }
    if (!restartNeeded.isEmpty()) {
      LOG.warn("{} changed in {} but take effect only after a restart of the controller", restartNeeded, source);
    }
    return r;
  }

  /** The keys a reload applies; every other key needs a restart. */
  private static final Set<ConfigKey> RELOADABLE = Set.of(TandemKeys.POLICIES, TandemKeys.POLICIES_DELETE_MISSING);

  /** Two controllers refreshed at once apply the same set one after the other, not racing. */
  private DeclaredPolicies.Report applyDeclared(TandemConf conf) {
    List<DeclaredPolicies.Entry> entries = DeclaredPolicies.parse(conf.get(TandemKeys.POLICIES));
    boolean deleteMissing = conf.getBoolean(TandemKeys.POLICIES_DELETE_MISSING);
    InterProcessMutex lock = new InterProcessMutex(ctx.zk(), ctx.identity().layout().root() + "/locks/declared-policies");
    try {
      if (!lock.acquire(60, TimeUnit.SECONDS)) {
        throw TandemException.conflict("another controller has been applying declared policies for 60 s: retry");
      }
    } catch (TandemException e) {
      throw e;
    } catch (Exception e) {
      throw TandemException.unavailable("could not lock the declared policies in the controller's ZooKeeper: " + e, e);
    }
    try {
      return ctx.policies().applyDeclared(entries, deleteMissing);
    } finally {
      try {
        lock.release();
      } catch (Exception e) {
        LOG.warn("could not release the declared-policies lock: {}", e.toString());
      }
    }
  }

  public int port() {
    return api.port();
  }

  public boolean isActive() {
    return latch.hasLeadership();
  }

  public synchronized BackupScheduler scheduler() {
    return scheduler;
  }

  /** Blocks until {@link #close()}. */
  public void awaitClose() throws InterruptedException {
    closed.await();
  }

  @Override
  public void close() throws IOException {
    if (closed.getCount() == 0) {
      return;
    }
    try {
      autoFailover.shutdownNow();
      if (metrics != null) {
        metrics.close();
      }
      api.close();
      health.close();
      onLostLeadership();
      latch.close();
    } finally {
      closed.countDown();
    }
  }
}
