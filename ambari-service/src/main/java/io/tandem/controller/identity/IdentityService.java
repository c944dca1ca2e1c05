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
 *   <li>the record goes to "nobody is primary" (epoch + 1): every guard refuses application writes;</li>
 *   <li>wait until every guard of the old primary has acknowledged that epoch, or has lost its
 *       session to the controller's ZooKeeper (a guard refuses as soon as it is disconnected);</li>
 *   <li>planned switch (old primary healthy): a final cut of every service, so nothing is lost;</li>
 *   <li>restore the newest COMPLETE cut of every service into live tables and directories on the target;</li>
 *   <li>the record names the target (epoch + 2): its guards let application writes in.</li>
 * </ol>
 * A failure before the last step leaves the record in transition (both refuse) and says so; the
 * admin re-runs the switch. Every record change is compare-and-set, fenced by the elected
 * controller's latch node when there is one.
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

  /**
   * @param expectedEpoch if not null, refuse unless the record is at this epoch (stale views lose)
   * @throws TandemException INVALID without confirmation, CONFLICT for a switch to the current
   *         primary or a stale epoch, NOT_FOUND for an unknown cluster, UNAVAILABLE for an
   *         unhealthy target
   */
  public SwitchReport switchTo(String target, boolean confirm, boolean dryRun, Long expectedEpoch) throws IOException {
    long t0 = System.nanoTime();
    ctx.cluster(target);
    IdentityStore.Versioned v = ctx.identity().require();
    IdentityRecord rec = v.record();
    if (expectedEpoch != null && expectedEpoch != rec.epoch()) {
      throw TandemException.conflict("stale epoch " + expectedEpoch + ": the identity record is at epoch "
          + rec.epoch() + " (primary " + display(rec) + "); re-read it and retry");
    }
    if (rec.isPrimary(target)) {
      throw TandemException.conflict("cluster " + target + " is already primary (epoch " + rec.epoch() + ")");
    }
    String from = rec.inTransition() ? ctx.other(target).name() : rec.primary();
    if (!dryRun && !confirm) {
      throw TandemException.invalid("switching " + target + " to primary needs confirmation: add --confirm (see --dry-run for what would be lost)");
    }
    if (!Boolean.TRUE.equals(healthy.apply(target))) {
      throw TandemException.unavailable("cluster " + target + " is not healthy; it cannot become primary", null);
    }
    boolean planned = !rec.inTransition() && Boolean.TRUE.equals(healthy.apply(from));
    ControllerContext.Roles roles = ctx.refreshRoles();
    if (!roles.secondary().name().equals(target)) {
      throw TandemException.conflict("cluster " + target + " does not hold the backups (the catalog is on "
          + roles.secondary().name() + ")");
    }

    List<String> warnings = new ArrayList<>();
    List<SwitchReport.ServiceOutcome> outcomes = new ArrayList<>();
    for (Policy p : roles.policies().list()) {
      List<Manifest> cuts = roles.catalog().list(p.service());
      Optional<Manifest> newest = newestComplete(cuts);
      if (newest.isEmpty()) {
        warnings.add("service " + p.service() + " has no complete cut on " + target + ": its data would be "
            + (planned ? "copied by the final cut only" : "LOST"));
      } else if (!planned) {
        Manifest m = newest.get();
        warnings.add("service " + p.service() + ": writes after " + m.moment() + " (cut " + m.cutId()
            + ", " + Duration.between(m.moment(), ctx.clock().instant()).toSeconds() + " s ago) exist only on "
            + from + " and would be lost");
        cuts.stream().filter(c -> c.moment().isAfter(m.moment()) && c.state() != CutState.COMPLETE)
            .forEach(c -> warnings.add("service " + p.service() + ": cut " + c.cutId() + " is " + c.state()
                + " and was never shipped"));
      }
      outcomes.add(new SwitchReport.ServiceOutcome(p.service(), newest.map(Manifest::cutId).orElse(null),
          newest.map(m -> m.moment().toString()).orElse(null), null));
    }
    if (dryRun) {
      return new SwitchReport(from, target, rec.epoch(), rec.epoch(), true, planned, outcomes, warnings, 0, 0,
          ms(t0));
    }

    LOG.warn("IDENTITY SWITCH {} -> {} confirmed ({}), epoch {}", from, target, planned ? "planned" : "failover", rec.epoch());
    IdentityStore.Versioned transition = ctx.identity().change(v.version(),
        rec.next(IdentityRecord.NONE, ctx.clock().instant(), "switching " + from + " -> " + target), fencing());
    long d0 = System.nanoTime();
    awaitGuards(from, transition.record().epoch());
    long demoteMs = ms(d0);

    long r0 = System.nanoTime();
    outcomes = new ArrayList<>();
    for (Policy p : roles.policies().list()) {
      Manifest chosen;
      String finalState = null;
      if (planned) {
        Manifest fin = roles.backups().run(p.service(), ctx.clock().instant(), null);
        finalState = fin.state().name();
        if (fin.state() != CutState.COMPLETE) {
          throw TandemException.failed("final cut of " + p.service() + " before the switch failed (" + fin.reason()
              + "); both clusters refuse writes until the switch is re-run or reverted with 'tandem identity switch --to "
              + from + " --confirm'", null);
        }
      }
      chosen = newestComplete(roles.catalog().list(p.service())).orElse(null);
      if (chosen == null) {
        LOG.warn("service {} has no complete cut: nothing to restore on {}", p.service(), target);
      } else {
        roles.restores().restore(p.service(), chosen.cutId(), false);
      }
      outcomes.add(new SwitchReport.ServiceOutcome(p.service(), chosen == null ? null : chosen.cutId(),
          chosen == null ? null : chosen.moment().toString(), finalState));
    }
    long restoreMs = ms(r0);

    IdentityStore.Versioned done = ctx.identity().change(transition.version(),
        transition.record().next(target, ctx.clock().instant(), (planned ? "planned switch" : "failover") + " from " + from),
        fencing());
    ctx.refreshRoles();
    LOG.warn("IDENTITY SWITCH done: {} is primary at epoch {} (demote {} ms, restore {} ms)", target,
        done.record().epoch(), demoteMs, restoreMs);
    return new SwitchReport(from, target, rec.epoch(), done.record().epoch(), false, planned, outcomes, warnings,
        demoteMs, restoreMs, ms(t0));
  }

  /**
   * Waits until every guard registered for {@code cluster} acknowledges {@code epoch} with writes
   * refused, or is gone (its session ended). A guard that is partitioned refuses by itself, and
   * its member node disappears when its session expires, so the wait is bounded.
   */
  private void awaitGuards(String cluster, long epoch) {
    CuratorFramework zk = ctx.zk();
    String dir = ctx.identity().layout().members(cluster);
    long deadline = System.nanoTime() + guardWait.toNanos();
    while (true) {
      List<String> pending = new ArrayList<>();
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
            + guardWait.toSeconds() + " s: " + pending + "; both clusters refuse writes; re-run the switch", null);
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
