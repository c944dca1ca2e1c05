package io.tandem.controller.identity;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.fault.FaultPoints;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.identity.GuardAck;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.policy.Policy;

/**
 * Switches which cluster is primary, with the admin in the loop.
 *
 * <p>The sequence keeps "never two primaries" at every step:
 * <ol>
 *   <li>the switch is recorded (direction, and planned or not, decided once: planned when the old
 *       primary is healthy);</li>
 *   <li>the record goes to "nobody is primary" (epoch + 1): every guard refuses application writes;</li>
 *   <li>wait until every guard of the old primary has acknowledged that epoch, or has lost its
 *       session to the controller's ZooKeeper (a guard refuses as soon as it is disconnected);</li>
 *   <li>planned switch: a final cut of every service, so nothing is lost;</li>
 *   <li>per service, the newest data goes live on the target: the newest COMPLETE cut is restored,
 *       unless the target's own live data is newer (it was primary after that cut was taken: a
 *       failover soon after a failback keeps it);</li>
 *   <li>the record names the target (epoch + 2): its guards let application writes in.</li>
 * </ol>
 * Every step is persisted in the controller's ZooKeeper ({@link SwitchStore}) as it completes. A
 * switch that stopped anywhere (a failure, or its controller killed) is resumed by running it again
 * with the same target, from the step it reached and with its recorded decision; or it is reverted
 * before promotion by "switching" to the old primary. Only one switch runs at a time, across
 * processes. Every record change is compare-and-set, fenced by the elected controller's latch node
 * when there is one.
 */
public final class IdentityService {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityService.class);

  private final ControllerContext ctx;
  private final Function<String, Boolean> healthy;
  private final Supplier<String> fencingPath;
  private final Duration guardWait;

  /**
   * @param healthy     whether a cluster is healthy now (from the health probe)
   * @param fencingPath the elected controller's latch node, or null when not run by the daemon
   * @param guardWait   longest wait for the old primary's guards (at least their session timeout)
   */
  public IdentityService(ControllerContext ctx, Function<String, Boolean> healthy, Supplier<String> fencingPath,
      Duration guardWait) {
    this.ctx = ctx;
    this.healthy = healthy;
    this.fencingPath = fencingPath;
    this.guardWait = guardWait;
  }

  public IdentityRecord current() {
    return ctx.identity().require().record();
  }

  /** The switch in progress, if any (interrupted or running). */
  public Optional<SwitchState> inProgress() {
    return ctx.switches().current();
  }

  /** The last switch that ended (promoted or reverted). */
  public Optional<SwitchState> last() {
    return ctx.switches().last();
  }

  /**
   * Makes {@code target} primary: starts a switch, resumes the interrupted switch to
   * {@code target}, or reverts the interrupted switch away from {@code target}.
   *
   * @param expectedEpoch if not null, refuse unless the record is at this epoch (stale views lose)
   * @throws TandemException INVALID without confirmation, CONFLICT for a switch to the current
   *         primary, a stale epoch or while another switch runs, NOT_FOUND for an unknown cluster,
   *         UNAVAILABLE for an unhealthy target
   */
  public SwitchReport switchTo(String target, boolean confirm, boolean dryRun, Long expectedEpoch) throws IOException {
    long t0 = System.nanoTime();
    ctx.cluster(target);
    if (!dryRun && !confirm) {
      throw TandemException.invalid("switching " + target + " to primary needs confirmation: add --confirm (see --dry-run for what would be lost)");
    }
    if (dryRun) {
      return plan(target, true, expectedEpoch, t0);
    }
    ctx.switches().lock(Duration.ZERO);
    try {
      return plan(target, false, expectedEpoch, t0);
    } finally {
      ctx.switches().unlock();
    }
  }

  private SwitchReport plan(String target, boolean dryRun, Long expectedEpoch, long t0) throws IOException {
    SwitchStore switches = ctx.switches();
    IdentityStore.Versioned v = ctx.identity().require();
    IdentityRecord rec = v.record();
    if (expectedEpoch != null && expectedEpoch != rec.epoch()) {
      throw TandemException.conflict("stale epoch " + expectedEpoch + ": the identity record is at epoch "
          + rec.epoch() + " (primary " + display(rec) + "); re-read it and retry");
    }
    Optional<SwitchState> open = switches.current();
    if (open.isPresent() && !dryRun) {
      SwitchState s = open.get();
      if (!rec.inTransition() && rec.isPrimary(s.to())) {
        // Promoted, but stopped before the switch was closed: close it now.
        switches.undemoted(s.to());
        switches.finish(s.at(SwitchState.Step.PROMOTED, ctx.clock().instant()));
        LOG.warn("switch {} had promoted {} but was not closed; closed now", s.id(), s.to());
        open = Optional.empty();
      } else if (!rec.inTransition() && rec.isPrimary(s.from()) && !s.reached(SwitchState.Step.TRANSITION)) {
        // Recorded, but stopped before anything changed: nothing to resume or revert.
        switches.finish(s.failed("stopped before the transition; nothing had changed", ctx.clock().instant()));
        open = Optional.empty();
      }
    }
    if (open.isPresent()) {
      SwitchState s = open.get();
      if (!healthy(target)) {
        throw TandemException.unavailable("cluster " + target + " is not healthy; it cannot become primary", null);
      }
      if (target.equals(s.from())) {
        return revert(s, v, dryRun, t0);
      }
      LOG.warn("resuming switch {} ({} -> {}, {}) at step {}", s.id(), s.from(), s.to(),
          s.planned() ? "planned" : "failover", s.step());
      return execute(s.resumedBy(ControllerContext.self()), rec, dryRun, "resume", t0);
    }
    if (rec.isPrimary(target)) {
      throw TandemException.conflict("cluster " + target + " is already primary (epoch " + rec.epoch() + ")");
    }
    if (!healthy(target)) {
      throw TandemException.unavailable("cluster " + target + " is not healthy; it cannot become primary", null);
    }
    String from = rec.inTransition() ? ctx.other(target).name() : rec.primary();
    boolean planned = !rec.inTransition() && healthy(from);
    SwitchState s = SwitchState.start(from, target, planned, ctx.clock().instant(), ControllerContext.self());
    if (!dryRun) {
      switches.save(s);
    }
    return execute(s, rec, dryRun, "switch", t0);
  }

  private boolean healthy(String cluster) {
    return Boolean.TRUE.equals(healthy.apply(cluster));
  }

  private SwitchReport execute(SwitchState s, IdentityRecord before, boolean dryRun, String action, long t0)
      throws IOException {
    ControllerContext.Roles roles = ctx.refreshRoles();
    if (!roles.secondary().name().equals(s.to())) {
      throw TandemException.conflict("cluster " + s.to() + " does not hold the backups (the catalog is on "
          + roles.secondary().name() + ")");
    }
    Optional<Long> targetDemotedAt = ctx.switches().demotedAt(s.to());
    List<String> warnings = new ArrayList<>();
    List<SwitchReport.ServiceOutcome> outcomes = new ArrayList<>();
    for (Policy p : roles.policies().list()) {
      List<Manifest> cuts = roles.catalog().list(p.service());
      Optional<Manifest> newest = newestComplete(cuts);
      String kept = keptBecause(newest.orElse(null), targetDemotedAt);
      if (newest.isEmpty()) {
        warnings.add("service " + p.service() + " has no complete cut on " + s.to() + ": its data would be "
            + (s.planned() ? "copied by the final cut only" : "LOST"));
      } else if (!s.planned()) {
        Manifest m = newest.get();
        warnings.add("service " + p.service() + ": writes after " + m.moment() + " (cut " + m.cutId()
            + ", " + Duration.between(m.moment(), ctx.clock().instant()).toSeconds() + " s ago) exist only on "
            + s.from() + " and would be lost" + (kept == null ? "" : "; " + s.to() + " keeps its live data: " + kept));
        cuts.stream().filter(c -> c.moment().isAfter(m.moment()) && c.state() != CutState.COMPLETE)
            .forEach(c -> warnings.add("service " + p.service() + ": cut " + c.cutId() + " is " + c.state()
                + " and was never shipped"));
      }
      outcomes.add(new SwitchReport.ServiceOutcome(p.service(), newest.map(Manifest::cutId).orElse(null),
          newest.map(m -> m.moment().toString()).orElse(null), null, s.planned() ? null : kept));
    }
    if (dryRun) {
      return new SwitchReport(s.from(), s.to(), before.epoch(), before.epoch(), true, s.planned(), outcomes, warnings,
          0, 0, ms(t0), "switch".equals(action) ? null : s.id(), action, s.step().name());
    }

    LOG.warn("IDENTITY SWITCH {} {} -> {} confirmed ({}), epoch {}, step {}", s.id(), s.from(), s.to(),
        s.planned() ? "planned" : "failover", before.epoch(), s.step());
    long demoteMs = 0;
    long restoreMs = 0;
    SwitchStore switches = ctx.switches();
    try {
      if (!s.reached(SwitchState.Step.TRANSITION)) {
        IdentityStore.Versioned cur = ctx.identity().require();
        IdentityStore.Versioned transition = cur.record().inTransition() ? cur : ctx.identity().change(cur.version(),
            cur.record().next(IdentityRecord.NONE, ctx.clock().instant(), "switching " + s.from() + " -> " + s.to()),
            fencing());
        switches.demoted(s.from(), transition.record().epoch());
        s = s.inTransitionAt(transition.record().epoch(), ctx.clock().instant());
        switches.save(s);
        FaultPoints.reach(FaultPoints.SWITCH_TRANSITION);
      }
      if (!s.reached(SwitchState.Step.GUARDS_ACKED)) {
        long d0 = System.nanoTime();
        awaitGuards(s.from(), s.transitionEpoch());
        demoteMs = ms(d0);
        s = s.at(SwitchState.Step.GUARDS_ACKED, ctx.clock().instant());
        switches.save(s);
        FaultPoints.reach(FaultPoints.SWITCH_GUARDS);
      }
      roles = ctx.refreshRoles();
      long r0 = System.nanoTime();
      if (s.planned() && !s.reached(SwitchState.Step.FINAL_CUTS)) {
        for (Policy p : roles.policies().list()) {
          if (s.finalCuts().containsKey(p.service())) {
            continue;
          }
          Manifest fin = roles.backups().run(p.service(), ctx.clock().instant(), null);
          if (fin.state() != CutState.COMPLETE) {
            throw TandemException.failed("final cut of " + p.service() + " before the switch failed (" + fin.reason()
                + "); both clusters refuse writes until the switch is re-run ('tandem identity switch --to " + s.to()
                + " --confirm' resumes it) or reverted ('tandem identity switch --to " + s.from() + " --confirm')", null);
          }
          s = s.withFinalCut(p.service(), fin.cutId(), ctx.clock().instant());
          switches.save(s);
        }
        s = s.at(SwitchState.Step.FINAL_CUTS, ctx.clock().instant());
        switches.save(s);
        FaultPoints.reach(FaultPoints.SWITCH_FINAL_CUT);
      }
      outcomes = new ArrayList<>();
      for (Policy p : roles.policies().list()) {
        String done = s.restored().get(p.service());
        Manifest chosen = newestComplete(roles.catalog().list(p.service())).orElse(null);
        String kept = keptBecause(chosen, targetDemotedAt);
        if (done == null) {
          if (chosen == null) {
            LOG.warn("service {} has no complete cut: nothing to restore on {}", p.service(), s.to());
            done = "none: no complete cut";
          } else if (kept != null) {
            LOG.warn("service {}: {} keeps its live data: {}", p.service(), s.to(), kept);
            done = "live: " + kept;
          } else {
            roles.restores().restore(p.service(), chosen.cutId(), false);
            done = chosen.cutId();
          }
          s = s.withRestored(p.service(), done, ctx.clock().instant());
          switches.save(s);
          FaultPoints.reach(FaultPoints.SWITCH_RESTORE);
        }
        outcomes.add(new SwitchReport.ServiceOutcome(p.service(), chosen == null || kept != null ? null : chosen.cutId(),
            chosen == null ? null : chosen.moment().toString(), s.finalCuts().containsKey(p.service()) ? "COMPLETE" : null,
            kept));
      }
      s = s.at(SwitchState.Step.RESTORED, ctx.clock().instant());
      switches.save(s);
      restoreMs = ms(r0);

      IdentityStore.Versioned cur = ctx.identity().require();
      if (!cur.record().inTransition()) {
        throw TandemException.conflict("the identity record left the transition while switch " + s.id()
            + " ran (primary " + cur.record().primary() + "); not promoting " + s.to());
      }
      IdentityStore.Versioned done = ctx.identity().change(cur.version(),
          cur.record().next(s.to(), ctx.clock().instant(), (s.planned() ? "planned switch" : "failover") + " from "
              + s.from() + " (" + s.id() + ")"), fencing());
      switches.undemoted(s.to());
      s = s.at(SwitchState.Step.PROMOTED, ctx.clock().instant());
      switches.finish(s);
      ctx.refreshRoles();
      LOG.warn("IDENTITY SWITCH {} done: {} is primary at epoch {} (demote {} ms, restore {} ms)", s.id(), s.to(),
          done.record().epoch(), demoteMs, restoreMs);
      return new SwitchReport(s.from(), s.to(), before.epoch(), done.record().epoch(), false, s.planned(), outcomes,
          warnings, demoteMs, restoreMs, ms(t0), s.id(), action, s.step().name());
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      try {
        switches.save(s.failed(why, ctx.clock().instant()));
      } catch (RuntimeException again) {
        LOG.error("switch {}: could not record its failure: {}", s.id(), again.getMessage());
      }
      LOG.error("IDENTITY SWITCH {} stopped at step {}: {} (re-run it to resume, or switch to {} to revert)", s.id(),
          s.step(), why, s.from());
      throw e;
    }
  }

  /**
   * Undoes an interrupted switch before promotion: the old primary is primary again (one epoch
   * later, so every guard re-reads), and the switch ends as REVERTED.
   */
  private SwitchReport revert(SwitchState s, IdentityStore.Versioned v, boolean dryRun, long t0) {
    String note = "revert of " + s.id() + " (stopped at step " + s.step() + ")";
    if (dryRun) {
      return new SwitchReport(s.to(), s.from(), v.record().epoch(), v.record().epoch(), true, s.planned(), List.of(),
          List.of(note + ": " + s.from() + " would be primary again; restores already made on " + s.to()
              + " stay there as the secondary's live tables"), 0, 0, ms(t0), s.id(), "revert", s.step().name());
    }
    IdentityStore.Versioned after = v;
    if (v.record().inTransition()) {
      after = ctx.identity().change(v.version(), v.record().next(s.from(), ctx.clock().instant(), note), fencing());
    }
    ctx.switches().undemoted(s.from());
    SwitchState reverted = s.at(SwitchState.Step.REVERTED, ctx.clock().instant());
    ctx.switches().finish(reverted);
    try {
      ctx.refreshRoles();
    } catch (IOException e) {
      LOG.warn("roles not refreshed after the revert: {}", e.getMessage());
    }
    LOG.warn("IDENTITY SWITCH {} REVERTED: {} is primary again at epoch {}", s.id(), s.from(), after.record().epoch());
    return new SwitchReport(s.to(), s.from(), v.record().epoch(), after.record().epoch(), false, s.planned(), List.of(),
        List.of(), 0, 0, ms(t0), s.id(), "revert", reverted.step().name());
  }

  /**
   * Why the target's live data is kept instead of restoring {@code newest}, or null to restore:
   * the target stopped being primary at epoch {@code demotedAt}, after {@code newest} was taken,
   * so its live data holds everything that cut holds and more.
   */
  private static String keptBecause(Manifest newest, Optional<Long> demotedAt) {
    if (newest == null || demotedAt.isEmpty() || newest.epoch() >= demotedAt.get()) {
      return null;
    }
    return "its live data is newer than cut " + newest.cutId() + " (taken at epoch " + newest.epoch()
        + "; it was primary until epoch " + demotedAt.get() + ")";
  }

  /**
   * Waits until every guard of {@code cluster} acknowledges {@code epoch} with writes refused, or
   * is gone (its session ended). A guard that is partitioned refuses by itself, and its member
   * node disappears when its session expires, so the wait is bounded.
   *
   * <p>Which guards: those that registered a member node; and, when the cluster is healthy (so it
   * can be asked) and {@code tandem.failover.require.guards} is on, also a guard of each of its
   * live RegionServers and its active NameNode ({@link GuardRoster}): a server whose guard never
   * registered would accept writes, so it is waited for and named when the wait runs out.
   */
  private void awaitGuards(String cluster, long epoch) {
    CuratorFramework zk = ctx.zk();
    String dir = ctx.identity().layout().members(cluster);
    boolean roster = ctx.conf().getBoolean(io.tandem.core.config.TandemKeys.FAILOVER_REQUIRE_GUARDS)
        && healthy(cluster);
    GuardRoster guards = new GuardRoster(ctx.identity().layout(), zk);
    long deadline = System.nanoTime() + guardWait.toNanos();
    long rosterAt = 0;
    List<String> unguarded = List.of();
    while (true) {
      List<String> pending = new ArrayList<>();
      if (roster && System.nanoTime() - rosterAt > 1_000_000_000L) {
        try {
          GuardRoster.Roster r = guards.check(ctx.cluster(cluster));
          unguarded = new ArrayList<>(r.missing());
        } catch (IOException e) {
          LOG.warn("could not list the guards {} must have ({}); waiting for the registered ones only", cluster,
              e.getMessage());
          roster = false;
          unguarded = List.of();
        }
        rosterAt = System.nanoTime();
      }
      unguarded.forEach(g -> pending.add(g + " (no guard registered)"));
      try {
        for (String m : zk.checkExists().forPath(dir) == null ? List.<String>of() : zk.getChildren().forPath(dir)) {
          try {
            GuardAck ack = GuardAck.decode(zk.getData().forPath(dir + "/" + m));
            if (ack.epoch() < epoch || ack.allowsWrites()) {
              pending.add(m + " (epoch " + ack.epoch() + ")");
            }
          } catch (KeeperException.NoNodeException gone) {
            // Session ended between list and read: that guard refuses.
          }
        }
      } catch (Exception e) {
        throw TandemException.unavailable("could not read guard acknowledgements: " + e, e);
      }
      if (pending.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw TandemException.failed("guards of " + cluster + " did not acknowledge epoch " + epoch + " within "
            + guardWait.toSeconds() + " s: " + pending + "; both clusters refuse writes; load the guard on those"
            + " servers or stop them, then re-run the switch", null);
      }
      synchronized (this) {
        try {
          // Guard acks arrive within a ZooKeeper round trip; re-check at a short, bounded pace.
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw TandemException.failed("interrupted while waiting for guards", e);
        }
      }
    }
  }

  private String fencing() {
    return fencingPath == null ? null : fencingPath.get();
  }

  private static Optional<Manifest> newestComplete(List<Manifest> cuts) {
    Manifest best = null;
    for (Manifest m : cuts) {
      if (m.state() == CutState.COMPLETE) {
        best = m;
      }
    }
    return Optional.ofNullable(best);
  }

  private static String display(IdentityRecord r) {
    return r.inTransition() ? "none (switch in progress)" : r.primary();
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
