package io.tandem.controller.backup;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.client.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.TandemConf;
import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.CutAbortedException;
import io.tandem.controller.cut.CutPlan;
import io.tandem.controller.cut.CutResult;
import io.tandem.controller.cut.CutTaker;
import io.tandem.controller.fault.FaultPoints;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.controller.policy.PolicyService;
import io.tandem.controller.policy.PrimaryInventory;
import io.tandem.controller.ship.HBaseShipper;
import io.tandem.controller.ship.HdfsShipper;
import io.tandem.controller.ship.ProgressListener;
import io.tandem.controller.verify.DirFingerprint;
import io.tandem.controller.usersync.UserSyncService;
import io.tandem.controller.verify.TableFingerprint;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.catalog.Retention;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.DataSet;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.TransferMode;
import io.tandem.core.usersync.UserData;

/**
 * Runs one backup of one service end to end: plan the cut, have the primary snapshot every data
 * set, ship the snapshots (push or pull), verify them on the secondary, and record the result in
 * the catalog; then apply retention.
 *
 * <p>Invariant: a cut is COMPLETE in the catalog only after every table and directory verified
 * equal on the secondary. Any failure marks it FAILED with the reason (ABORTED when the cut's
 * write fence aborted it, see {@link CutAbortedException}) and removes its snapshots on both
 * clusters. One cut per service runs at a time.
 */
public final class BackupService {
  private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);

  private final TandemConf tandem;
  private final ClusterConnection primary;
  private final ClusterConnection secondary;
  private final PolicyService policies;
  private final PrimaryInventory inventory;
  private final BackupCatalog catalog;
  private final CutTaker cutTaker;
  private final UserSyncService users;
  private final HBaseShipper hbaseShipper;
  private final HdfsShipper hdfsShipper;
  private final LongSupplier epoch;
  private final Clock clock;
  private final ServiceLocks locks;
  private final Map<String, CutProgress> running = new ConcurrentHashMap<>();
  private volatile Consumer<CutPlan> afterShipHook = p -> { };
  private volatile Consumer<String> leftoverSweep = s -> { };

  public BackupService(TandemConf tandem, ClusterConnection primary, ClusterConnection secondary,
      PolicyService policies, PrimaryInventory inventory, BackupCatalog catalog, CutTaker cutTaker,
      UserSyncService users, LongSupplier epoch, Clock clock, ServiceLocks locks) {
    this.tandem = tandem;
    this.primary = primary;
    this.secondary = secondary;
    this.policies = policies;
    this.inventory = inventory;
    this.catalog = catalog;
    this.cutTaker = cutTaker;
    this.users = users;
    this.hbaseShipper = new HBaseShipper(primary, secondary, tandem);
    this.hdfsShipper = new HdfsShipper(primary, secondary, tandem);
    this.epoch = epoch;
    this.clock = clock;
    this.locks = locks;
  }

  /** Fault injection between shipping and verification (tests corrupt a shipped file here). */
  public void setAfterShipHook(Consumer<CutPlan> hook) {
    this.afterShipHook = hook == null ? p -> { } : hook;
  }

  /**
   * What a cut runs after it found cuts a dead holder left RUNNING (given the service, whose lock
   * it holds): the controller sweeps the other leftovers such a crash leaves (snapshot staging,
   * scratch, cut znodes), so the next run leaves nothing behind.
   */
  public void setLeftoverSweep(Consumer<String> sweep) {
    this.leftoverSweep = sweep == null ? s -> { } : sweep;
  }

  /** Cuts running now, by service. */
  public Map<String, CutProgress> running() {
    return Map.copyOf(running);
  }

  /**
   * Runs a cut of {@code service} at {@code moment} and returns its final manifest (COMPLETE,
   * FAILED, or ABORTED when its write fence aborted it). Blocks until done.
   *
   * <p>Runs under the service's lock ({@link ServiceLocks}), taken without waiting: a cut,
   * restore or user sync of the same service anywhere (this process, the CLI, another controller)
   * makes it fail with CONFLICT. Holding the lock, it first fails the cuts a dead holder left
   * RUNNING (see {@link #failInterrupted(String)}).
   *
   * @throws TandemException NOT_FOUND for an unknown service, CONFLICT if a cut of it is running
   */
  public Manifest run(String service, Instant moment, ProgressListener listener) {
    Policy policy = policies.get(service);
    String cutId = CutNames.cutId(service, moment);
    CutProgress progress = new CutProgress(service, cutId, clock.instant());
    if (running.putIfAbsent(service, progress) != null) {
      throw TandemException.conflict("a cut of service " + service + " is already running ("
          + running.get(service).cutId() + "): wait for it to finish");
    }
    try (ServiceLocks.Held lock = locks.lock(service, "cut " + cutId, Duration.ZERO)) {
      try {
        List<String> failed = failInterrupted(service);
        if (!failed.isEmpty()) {
          LOG.warn("service {}: cuts left RUNNING by a controller that died were marked FAILED and their snapshots"
              + " removed: {}", service, failed);
          leftoverSweep.accept(service);
        }
      } catch (IOException e) {
        throw TandemException.unavailable("could not check the catalog of service " + service
            + " for interrupted cuts: " + e.getMessage(), e);
      }
      return runLocked(policy, cutId, moment, progress, listener == null ? ProgressListener.NONE : listener, lock);
    } finally {
      running.remove(service);
    }
  }

  private Manifest runLocked(Policy policy, String cutId, Instant moment, CutProgress progress,
      ProgressListener listener, ServiceLocks.Held lock) {
    Instant started = clock.instant();
    Manifest draft = new Manifest(cutId, policy.service(), epoch.getAsLong(), moment, started, null,
        CutState.RUNNING, null, policy.mode().text(), null, false, 0, Map.of(), null, null,
        List.of(), List.of(), 0, 0, 0);
    CutPlan plan = null;
    try {
      catalog.put(draft);
      Optional<Manifest> previous = newestComplete(policy.service());
      plan = plan(policy, cutId, moment);
      draft = new Manifest(cutId, policy.service(), draft.epoch(), moment, started, null, CutState.RUNNING,
          null, policy.mode().text(), null, false, 0, Map.of(), null,
          previous.map(Manifest::cutId).orElse(null), List.of(), List.of(), 0, 0, 0);
      catalog.put(draft);

      progress.phase(CutProgress.Phase.SNAPSHOTTING);
      CutResult cut = cutTaker.take(plan);
      LOG.info("cut {}: snapshots taken by {} method in {} ms, fence window {} ms", cutId, cut.method(),
          cut.snapshotMs(), cut.fenceWindowMs());

      // User data at the cut: paths' attributes from the cut's own snapshots, grants right after.
      UserData userData = null;
      if (Boolean.parseBoolean(tandem.get(TandemKeys.USERS_CAPTURE))) {
        userData = users.capture(policy, plan.tables(), plan.dirSnapshots());
        catalog.putCutUsers(policy.service(), cutId, userData);
      }

      progress.phase(CutProgress.Phase.SHIPPING);
      long copyStart = System.nanoTime();
      ProgressListener both = p -> {
        progress.copy(p);
        listener.progress(p);
      };
      List<Manifest.TableEntry> tables = new ArrayList<>();
      Map<String, TableFingerprint> sourceTables = new LinkedHashMap<>();
      for (String table : plan.tables()) {
        String snap = plan.tableSnapshots().get(table);
        HBaseShipper.Size size = hbaseShipper.size(snap);
        sourceTables.put(table, TableFingerprint.of(primary.conf(), primary.fs(), snap, scratch()));
        long copied = hbaseShipper.ship(snap, table, policy.mode(), size, both);
        tables.add(new Manifest.TableEntry(table, snap, size.bytes(), copied, size.files(), -1, null));
        FaultPoints.reach(FaultPoints.CUT_SHIP);
      }
      List<Manifest.DirEntry> dirs = new ArrayList<>();
      String prevSnap = previous.map(m -> CutNames.dirSnapshot(m.cutId())).orElse(null);
      for (String dir : plan.dirs()) {
        String snap = plan.dirSnapshots().get(dir);
        String replica = replicaPath(policy.service(), dir);
        HdfsShipper.Result r = hdfsShipper.ship(dir, snap, replica, prevSnap, policy.mode(), both);
        dirs.add(new Manifest.DirEntry(dir, snap, replica, -1, r.bytesCopied(), r.filesCopied(), null,
            r.incremental(), r.fullSyncReason()));
        FaultPoints.reach(FaultPoints.CUT_SHIP);
      }
      long copySeconds = Duration.ofNanos(System.nanoTime() - copyStart).toSeconds();
      afterShipHook.accept(plan);
      // Snapshot the replicas only now, so the snapshot verified below (and restored later) holds
      // whatever reached the replica, even a change made after its copy finished.
      for (Manifest.DirEntry d : dirs) {
        hdfsShipper.sealReplica(d.replicaPath(), d.snapshot());
      }

      progress.phase(CutProgress.Phase.VERIFYING);
      FaultPoints.reach(FaultPoints.CUT_VERIFY);
      List<Manifest.TableEntry> verifiedTables = new ArrayList<>();
      for (Manifest.TableEntry t : tables) {
        TableFingerprint src = sourceTables.get(t.table());
        TableFingerprint dst = TableFingerprint.of(secondary.conf(), secondary.fs(), t.snapshot(), scratch());
        if (src.rows() != dst.rows() || !src.hash().equals(dst.hash())) {
          throw new VerificationException("table " + t.table() + " does not match on " + secondary.name()
              + " cluster: " + dst.rows() + " rows (hash " + dst.hash().substring(0, 12) + ") vs "
              + src.rows() + " rows (hash " + src.hash().substring(0, 12) + ") on " + primary.name());
        }
        verifiedTables.add(new Manifest.TableEntry(t.table(), t.snapshot(), t.bytes(), t.bytesCopied(),
            t.files(), src.rows(), src.hash()));
      }
      List<Manifest.DirEntry> verifiedDirs = new ArrayList<>();
      for (Manifest.DirEntry d : dirs) {
        DirFingerprint src = DirFingerprint.of(primary.fs(), new Path(d.path() + "/.snapshot/" + d.snapshot()));
        DirFingerprint dst = DirFingerprint.of(secondary.fs(), new Path(d.replicaPath() + "/.snapshot/" + d.snapshot()));
        String diff = src.firstDifference(dst);
        if (diff != null) {
          throw new VerificationException("directory " + d.path() + " does not match its copy "
              + d.replicaPath() + " on " + secondary.name() + " cluster: " + diff);
        }
        verifiedDirs.add(new Manifest.DirEntry(d.path(), d.snapshot(), d.replicaPath(), src.bytes(),
            d.bytesCopied(), src.files().size(), src.digest(), d.incremental(), d.fullSyncReason()));
      }

      lock.check();
      long epochNow = epoch.getAsLong();
      if (epochNow != draft.epoch()) {
        throw TandemException.conflict("the cluster identity changed during the cut (epoch " + draft.epoch()
            + " -> " + epochNow + "): a cut from an older epoch is never catalogued as complete");
      }
      long inCut = verifiedTables.stream().mapToLong(Manifest.TableEntry::bytes).sum()
          + verifiedDirs.stream().mapToLong(Manifest.DirEntry::bytes).sum();
      long copied = verifiedTables.stream().mapToLong(Manifest.TableEntry::bytesCopied).sum()
          + verifiedDirs.stream().mapToLong(Manifest.DirEntry::bytesCopied).sum();
      Manifest done = new Manifest(cutId, policy.service(), draft.epoch(), moment, started, clock.instant(),
          CutState.COMPLETE, null, policy.mode().text(), cut.method(), cut.consistent(), cut.fenceWindowMs(),
          cut.ackLatencyMs(), null, draft.previousCutId(), verifiedTables, verifiedDirs, inCut, copied,
          copySeconds, userData == null ? null : userData.summary());
      catalog.put(done);
      LOG.info("cut {} COMPLETE: {} bytes in cut, {} copied in {} s ({})", cutId, inCut, copied, copySeconds,
          policy.mode().text());
      FaultPoints.reach(FaultPoints.CUT_CATALOG);
      syncUsers(policy, plan, userData);
      progress.phase(CutProgress.Phase.CLEANING);
      applyRetention(policy);
      return done;
    } catch (Exception e) {
      CutState state = e instanceof CutAbortedException ? CutState.ABORTED : CutState.FAILED;
      String reason = e instanceof TandemException || e instanceof VerificationException
          || e instanceof CutAbortedException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
      LOG.error("cut {} of service {} {}: {}", cutId, policy.service(), state, reason, e);
      if (plan != null) {
        removeSnapshots(plan);
      }
      Manifest failed = draft.withState(state, reason, clock.instant());
      try {
        catalog.put(failed);
      } catch (IOException | RuntimeException io) {
        LOG.error("cut {}: could not record {} in the catalog (the next cut of {} will record it FAILED): {}", cutId,
            state, policy.service(), io.toString());
      }
      return failed;
    }
  }

  /**
   * Sends the user data to the secondary after a complete cut, as tandem.users.sync.on-cut says.
   * The cut stays COMPLETE whatever happens here: its user data is recorded with it and a restore
   * applies it; a failed sync is logged and the next one retries.
   */
  private void syncUsers(Policy policy, CutPlan plan, UserData atCut) {
    String how = tandem.get(TandemKeys.USERS_SYNC_ON_CUT).trim();
    if (how.equalsIgnoreCase("none")) {
      return;
    }
    try {
      UserSyncService.Mode mode = UserSyncService.Mode.parse(how);
      UserSyncService.Report r = atCut != null
          ? users.sync(policy, atCut, plan.tables(), mode, false, false)
          : users.sync(policy.service(), mode, false, false);
      if (!r.ok()) {
        LOG.warn("cut {}: user {} of {} left failures: {}", plan.cutId(), how, policy.service(), r.outcomes());
      }
    } catch (Exception e) {
      LOG.warn("cut {}: user {} of {} failed: {}", plan.cutId(), how, policy.service(), e.toString());
    }
  }

  /** The newest COMPLETE cut of a service, the base of the next incremental copy. */
  public Optional<Manifest> newestComplete(String service) throws IOException {
    List<Manifest> all = catalog.list(service);
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).state() == CutState.COMPLETE) {
        return Optional.of(all.get(i));
      }
    }
    return Optional.empty();
  }

  private CutPlan plan(Policy policy, String cutId, Instant moment) throws IOException {
    List<String> missing = inventory.missing(policy);
    if (!missing.isEmpty()) {
      throw TandemException.notFound("service " + policy.service() + ": " + String.join("; ", missing));
    }
    Map<String, String> tables = new LinkedHashMap<>();
    for (String t : inventory.tables(policy)) {
      tables.put(t, CutNames.tableSnapshot(cutId, t));
    }
    Map<String, String> dirs = new LinkedHashMap<>();
    for (DataSet d : policy.of(DataSet.Kind.HDFS_DIR)) {
      dirs.put(d.path(), CutNames.dirSnapshot(cutId));
    }
    if (tables.isEmpty() && dirs.isEmpty()) {
      throw TandemException.invalid("service " + policy.service() + " has no tables or directories to back up (empty namespaces?)");
    }
    return new CutPlan(cutId, policy.service(), moment, epoch.getAsLong(), tables, dirs);
  }

  /** Where directory {@code dir} of {@code service} is kept on the secondary. */
  public String replicaPath(String service, String dir) {
    return tandem.get(TandemKeys.REPLICA_DIR) + "/" + service + dir;
  }

  private String scratch() {
    return "/tandem/tmp";
  }

  /** Deletes cuts beyond the policy's retention, on both clusters. */
  public List<String> applyRetention(Policy policy) throws IOException {
    List<String> deleted = new ArrayList<>();
    for (Manifest m : Retention.toDelete(catalog.list(policy.service()), policy.retain())) {
      deleteCut(m);
      deleted.add(m.cutId());
    }
    if (!deleted.isEmpty()) {
      LOG.info("retention of {} (keep {}): deleted cuts {}", policy.service(), policy.retain(), deleted);
    }
    return deleted;
  }

  /** Removes a cut's snapshots on both clusters and its manifest. */
  public void deleteCut(Manifest m) throws IOException {
    if (m.state() == CutState.COMPLETE) {
      // First never restorable, then its snapshots go: a crash in between leaves a FAILED cut,
      // which the next retention deletes, never a COMPLETE cut without its snapshots.
      catalog.put(m.withState(CutState.FAILED, "expired by retention; being deleted", clock.instant()));
    }
    Map<String, String> tables = new LinkedHashMap<>();
    m.tables().forEach(t -> tables.put(t.table(), t.snapshot()));
    Map<String, String> dirs = new LinkedHashMap<>();
    m.dirs().forEach(d -> dirs.put(d.path(), d.snapshot()));
    removeSnapshots(new CutPlan(m.cutId(), m.service(), m.moment(), m.epoch(), tables, dirs));
    FaultPoints.reach(FaultPoints.CUT_RETENTION);
    catalog.delete(m.service(), m.cutId());
  }

  /** Best effort: every snapshot of the plan on both clusters, and replica snapshots. */
  private void removeSnapshots(CutPlan plan) {
    for (ClusterConnection c : List.of(primary, secondary)) {
      try (Admin admin = c.hbase().getAdmin()) {
        for (String snap : plan.tableSnapshots().values()) {
          try {
            if (!admin.listSnapshots(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(snap))).isEmpty()) {
              admin.deleteSnapshot(snap);
            }
          } catch (IOException e) {
            LOG.warn("could not delete HBase snapshot {} on {}: {}", snap, c.name(), e.toString());
          }
        }
      } catch (IOException e) {
        LOG.warn("could not reach HBase on {} to delete snapshots of {}: {}", c.name(), plan.cutId(), e.toString());
      }
    }
    for (Map.Entry<String, String> d : plan.dirSnapshots().entrySet()) {
      deleteDirSnapshot(primary, d.getKey(), d.getValue());
      deleteDirSnapshot(secondary, replicaPath(plan.service(), d.getKey()), d.getValue());
    }
  }

  private static void deleteDirSnapshot(ClusterConnection c, String dir, String snap) {
    try {
      if (c.fs().exists(new Path(dir + "/.snapshot/" + snap))) {
        c.fs().deleteSnapshot(new Path(dir), snap);
      }
    } catch (IOException e) {
      LOG.warn("could not delete HDFS snapshot {} of {} on {}: {}", snap, dir, c.name(), e.toString());
    }
  }

  /**
   * Marks cuts left RUNNING by a controller that stopped mid-cut as FAILED and removes their
   * snapshots, for every service whose lock is free (a service whose lock is held has a cut in
   * flight somewhere, which is left alone): a cut nobody finished is never restorable. The new
   * leader calls this.
   */
  public List<String> failInterrupted() throws IOException {
    List<String> out = new ArrayList<>();
    for (String service : catalog.services()) {
      if (running.containsKey(service)) {
        continue;
      }
      try (ServiceLocks.Held lock = locks.lock(service, "clean-up of interrupted cuts", Duration.ZERO)) {
        out.addAll(failInterrupted(service));
      } catch (TandemException busy) {
        LOG.info("service {} is busy ({}): its RUNNING cuts are in flight, not interrupted", service, busy.getMessage());
      }
    }
    return out;
  }

  /**
   * The cuts of {@code service} left RUNNING, marked FAILED with their snapshots removed. Call only
   * holding the service's lock: then nobody is running them.
   */
  public List<String> failInterrupted(String service) throws IOException {
    List<String> out = new ArrayList<>();
    for (Manifest m : catalog.list(service)) {
      if (m.state() == CutState.RUNNING) {
        Map<String, String> tables = new LinkedHashMap<>();
        Map<String, String> dirs = new LinkedHashMap<>();
        try {
          Policy p = policies.get(service);
          for (String t : inventory.tables(p)) {
            tables.put(t, CutNames.tableSnapshot(m.cutId(), t));
          }
          p.of(DataSet.Kind.HDFS_DIR).forEach(d -> dirs.put(d.path(), CutNames.dirSnapshot(m.cutId())));
        } catch (TandemException | IOException e) {
          LOG.warn("cut {}: policy gone, only the manifest is updated: {}", m.cutId(), e.getMessage());
        }
        try {
          cutTaker.abandon(m.cutId());
        } catch (IOException e) {
          LOG.warn("cut {}: what it held on the primary was not ended now ({}); its session's expiry ends it",
              m.cutId(), e.getMessage());
        }
        removeSnapshots(new CutPlan(m.cutId(), service, m.moment(), m.epoch(), tables, dirs));
        catalog.put(m.withState(CutState.FAILED, "the controller stopped during the cut", clock.instant()));
        out.add(m.cutId());
      }
    }
    return out;
  }

  /** Thrown when a shipped copy does not match its source. */
  static final class VerificationException extends IOException {
    private static final long serialVersionUID = 1L;

    VerificationException(String message) {
      super(message);
    }
  }
}
