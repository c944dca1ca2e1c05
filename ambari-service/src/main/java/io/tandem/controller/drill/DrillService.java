package io.tandem.controller.drill;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.zookeeper.ZKConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.TandemConf;
import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.controller.ship.CopyJobs;
import io.tandem.controller.verify.DirFingerprint;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.Policy;

/**
 * Restore drills: proves that the newest COMPLETE cut of a service can be brought back from the
 * secondary and holds what the primary held at the cut. A drill restores the cut into scratch
 * objects on the secondary (each table cloned from the secondary's snapshot as
 * {@code tandem_drill:<service>.<ns>.<table>}, each directory copied by DistCp from its replica
 * snapshot into {@code <tandem.drill.scratch.dir>/<service>/<drillId>/dirs/<path>}), and compares
 * them with the cut's snapshots on the primary: tables with HBase's HashTable and SyncTable
 * --dryrun (the primary's snapshot cloned under the same scratch name there, since HashTable reads
 * a table), directories file by file (length and block-size independent checksum).
 *
 * <p>Invariants. A drill never writes a live table or directory: everything it makes is in the
 * namespace {@value DrillNames#NAMESPACE} or under the scratch dir, and it removes all of it
 * before it returns, whatever happened; what a killed drill left, the next drill of the service
 * removes first. It runs under the service's lock, so no cut, retention or restore of the service
 * runs meanwhile and the cut it drills cannot expire under it. Every drill is recorded in the
 * catalog (RUNNING first, then PASSED or FAILED), the newest {@code tandem.drill.keep} kept; a
 * RUNNING record of a drill that died is marked FAILED by the next one.
 *
 * <p>Blocks for the whole drill (MapReduce jobs on the configured runner). Thread-safe; one drill
 * per service at a time.
 */
public final class DrillService {
  private static final Logger LOG = LoggerFactory.getLogger(DrillService.class);

  private final Supplier<ControllerContext.Roles> roles;
  private final TandemConf conf;
  private final ServiceLocks locks;
  private final Clock clock;

  /**
   * @param roles the services as wired now (read at the start of each drill: who is primary)
   */
  public DrillService(Supplier<ControllerContext.Roles> roles, TandemConf conf, ServiceLocks locks, Clock clock) {
    this.roles = java.util.Objects.requireNonNull(roles, "roles");
    this.conf = java.util.Objects.requireNonNull(conf, "conf");
    this.locks = java.util.Objects.requireNonNull(locks, "locks");
    this.clock = java.util.Objects.requireNonNull(clock, "clock");
  }

  /** A new drill id, for {@link #run(String, String)}. */
  public String newDrillId() {
    return DrillNames.drillId(clock.instant());
  }

  /**
   * Refuses at once what {@link #run} would refuse: an unknown service (NOT_FOUND), a service with
   * no COMPLETE cut or busy with a cut, restore, sync or drill (CONFLICT).
   */
  public Manifest checkStartable(String service) throws IOException {
    ControllerContext.Roles r = roles.get();
    r.policies().get(service);
    Manifest cut = newestComplete(r.catalog(), service).orElseThrow(() -> TandemException.conflict(
        "service " + service + " has no COMPLETE cut to drill: run a backup first"));
    if (locks.isLocked(service)) {
      throw TandemException.conflict("service " + service + " is busy: "
          + locks.holder(service).orElse("another operation") + "; retry when it has finished");
    }
    return cut;
  }

  /** The drills of {@code service} in the catalog, newest first. */
  public List<DrillRecord> list(String service) throws IOException {
    return roles.get().catalog().drills(service);
  }

  /** The newest drill of {@code service}, if any. */
  public Optional<DrillRecord> last(String service) throws IOException {
    return roles.get().catalog().lastDrill(service);
  }

  /** Hours between scheduled drills; 0: none. */
  public long intervalHours() {
    return Math.max(0, conf.getLong(TandemKeys.DRILL_INTERVAL_HOURS));
  }

  /** Whether the schedule drills {@code service} (tandem.drill.interval.hours and tandem.drill.services). */
  public boolean scheduled(String service) {
    if (intervalHours() == 0) {
      return false;
    }
    Set<String> only = selected();
    return only.isEmpty() || only.contains(service);
  }

  private Set<String> selected() {
    Set<String> out = new TreeSet<>();
    for (String s : conf.get(TandemKeys.DRILL_SERVICES).split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /**
   * The scheduled drills (the active controller calls this every scheduler tick): each drilled
   * service whose last drill started an interval ago or longer (never drilled: whose first
   * COMPLETE cut is an interval old or older) is drilled now, one after the other. A busy service waits for the next tick. Returns the
   * drills run.
   */
  public List<DrillRecord> runDue() {
    List<DrillRecord> out = new ArrayList<>();
    if (intervalHours() == 0) {
      return out;
    }
    Duration every = Duration.ofHours(intervalHours());
    for (Policy p : roles.get().policies().list()) {
      String service = p.service();
      if (!scheduled(service)) {
        continue;
      }
      try {
        Optional<DrillRecord> last = last(service);
        if (last.isPresent() && last.get().startedAt().plus(every).isAfter(clock.instant())) {
          continue;
        }
        Optional<Manifest> oldest = oldestComplete(roles.get().catalog(), service);
        // Never drilled: the first drill comes one interval after the service's first COMPLETE
        // cut, not at once, so a new service's first cuts do not queue behind a drill.
        if (oldest.isEmpty() || last.isEmpty() && oldest.get().moment().plus(every).isAfter(clock.instant())
            || locks.isLocked(service)) {
          continue;
        }
        DrillRecord d = run(service, newDrillId());
        LOG.info("scheduled drill {} of {}: {}{}", d.drillId(), service, d.state(),
            d.reason() == null ? "" : " (" + d.reason() + ")");
        out.add(d);
      } catch (IOException | RuntimeException e) {
        LOG.warn("scheduled drill of {} not run: {}", service, e.getMessage());
      }
    }
    return out;
  }

  /**
   * Drills the newest COMPLETE cut of {@code service} and returns the record (PASSED or FAILED);
   * a failure of the restore or comparison is the drill's verdict, not an exception.
   *
   * @throws TandemException NOT_FOUND for an unknown service, CONFLICT when it has no COMPLETE cut
   *         or is busy (its lock is taken without waiting)
   */
  public DrillRecord run(String service, String drillId) throws IOException {
    if (!DrillNames.isDrillId(drillId)) {
      throw TandemException.invalid("drill id \"" + drillId + "\" is not valid: expected drill-<yyyyMMdd'T'HHmmssSSS'Z'>");
    }
    ControllerContext.Roles r = roles.get();
    r.policies().get(service);
    try (ServiceLocks.Held lock = locks.lock(service, "restore drill " + drillId, Duration.ZERO)) {
      Manifest cut = newestComplete(r.catalog(), service).orElseThrow(() -> TandemException.conflict(
          "service " + service + " has no COMPLETE cut to drill: run a backup first"));
      return new Run(r, service, drillId, cut).execute();
    }
  }

  private static Optional<Manifest> oldestComplete(BackupCatalog catalog, String service) throws IOException {
    return catalog.list(service).stream().filter(m -> m.state() == CutState.COMPLETE).findFirst();
  }

  private static Optional<Manifest> newestComplete(BackupCatalog catalog, String service) throws IOException {
    List<Manifest> all = catalog.list(service);
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).state() == CutState.COMPLETE) {
        return Optional.of(all.get(i));
      }
    }
    return Optional.empty();
  }

  /** One drill, under the service's lock. */
  private final class Run {
    private final ControllerContext.Roles r;
    private final ClusterConnection primary;
    private final ClusterConnection secondary;
    private final String service;
    private final String drillId;
    private final Manifest cut;
    private final Path scratch;
    private final Instant startedAt;
    private final long t0 = System.nanoTime();
    private final Map<String, Long> steps = new LinkedHashMap<>();
    private final List<DrillRecord.TableCheck> tables = new ArrayList<>();
    private final List<DrillRecord.DirCheck> dirs = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    Run(ControllerContext.Roles r, String service, String drillId, Manifest cut) {
      this.r = r;
      this.primary = r.primary();
      this.secondary = r.secondary();
      this.service = service;
      this.drillId = drillId;
      this.cut = cut;
      this.scratch = new Path(DrillNames.scratchDir(conf.get(TandemKeys.DRILL_SCRATCH_DIR), service, drillId));
      this.startedAt = clock.instant();
      for (String s : List.of("clone", "hashTable", "syncTable", "dirs", "cleanup")) {
        steps.put(s, 0L);
      }
    }

    DrillRecord execute() throws IOException {
      failInterrupted();
      r.catalog().putDrill(record(DrillState.RUNNING, null, null));
      removeLeftovers("a drill of " + service + " that did not finish");
      try {
        for (Manifest.TableEntry t : cut.tables()) {
          checkTable(t);
        }
        long d0 = System.nanoTime();
        for (Manifest.DirEntry d : cut.dirs()) {
          checkDir(d);
        }
        add("dirs", d0);
      } catch (IOException | RuntimeException e) {
        String what = e instanceof TandemException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
        failures.add(what);
        LOG.error("drill {} of {} (cut {}) failed: {}", drillId, service, cut.cutId(), what, e);
      } finally {
        long c0 = System.nanoTime();
        removeLeftovers("drill " + drillId);
        add("cleanup", c0);
      }
      String reason = failures.isEmpty() ? null
          : failures.get(0) + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more problems)" : "");
      DrillRecord done = record(failures.isEmpty() ? DrillState.PASSED : DrillState.FAILED, reason, clock.instant());
      r.catalog().putDrill(done);
      trim();
      LOG.info("drill {} of {} (cut {}): {} in {} ms {}{}", drillId, service, cut.cutId(), done.state(),
          done.durationMs(), steps, reason == null ? "" : ": " + reason);
      return done;
    }

    private void add(String step, long since) {
      steps.merge(step, (System.nanoTime() - since) / 1_000_000, Long::sum);
    }

    private DrillRecord record(DrillState state, String reason, Instant finished) {
      long rows = tables.stream().mapToLong(DrillRecord.TableCheck::rows).sum();
      long batches = tables.stream().mapToLong(t -> t.counters().getOrDefault("BATCHES", 0L)).sum();
      long matched = tables.stream().mapToLong(t -> t.counters().getOrDefault("HASHES_MATCHED", 0L)).sum();
      long files = dirs.stream().mapToLong(DrillRecord.DirCheck::files).sum();
      long bytes = dirs.stream().mapToLong(DrillRecord.DirCheck::bytes).sum();
      return new DrillRecord(drillId, service, state, cut.cutId(), primary.name(), secondary.name(), startedAt,
          finished, finished == null ? null : (System.nanoTime() - t0) / 1_000_000, reason,
          new DrillRecord.Figures(tables.size(), rows, batches, matched, dirs.size(), files, bytes), steps, tables,
          dirs);
    }

    private void checkTable(Manifest.TableEntry t) throws IOException {
      TableName target = DrillNames.scratchTable(service, t.table());
      long c0 = System.nanoTime();
      try (Admin sAdmin = secondary.hbase().getAdmin(); Admin pAdmin = primary.hbase().getAdmin()) {
        if (pAdmin.listSnapshots(Pattern.compile(Pattern.quote(t.snapshot()))).isEmpty()) {
          add("clone", c0);
          failures.add("table " + t.table() + ": snapshot " + t.snapshot() + " of cut " + cut.cutId()
              + " is gone from " + primary.name() + ", so the restored copy cannot be compared with it");
          tables.add(new DrillRecord.TableCheck(t.table(), t.snapshot(), target.getNameAsString(), t.rows(), false,
              Map.of()));
          return;
        }
        ensureNamespace(sAdmin);
        ensureNamespace(pAdmin);
        // The restore on the secondary and the copy to compare with on the primary, side by side.
        Future<Void> restored = sAdmin.cloneSnapshotAsync(t.snapshot(), target);
        Future<Void> source = pAdmin.cloneSnapshotAsync(t.snapshot(), target);
        await(restored, "restore of " + t.table() + " from snapshot " + t.snapshot() + " on " + secondary.name());
        await(source, "clone of snapshot " + t.snapshot() + " on " + primary.name());
      }
      add("clone", c0);
      Configuration hashConf = CopyJobs.jobConf(primary.conf(), conf);
      // The hash files go to the secondary; on YARN the job needs a token for its NameNode too.
      hashConf.set("mapreduce.job.hdfs-servers", secondary.fsUri().toString());
      Configuration syncConf = CopyJobs.jobConf(secondary.conf(), conf);
      Path hashDir = secondary.fs().makeQualified(new Path(scratch, "hashes/" + target.getQualifierAsString()));
      TableComparison.Result res = TableComparison.compare(hashConf, target.getNameAsString(), syncConf,
          target.getNameAsString(), ZKConfig.getZooKeeperClusterKey(primary.conf()), hashDir);
      steps.merge("hashTable", res.hashMs(), Long::sum);
      steps.merge("syncTable", res.syncMs(), Long::sum);
      tables.add(new DrillRecord.TableCheck(t.table(), t.snapshot(), target.getNameAsString(), t.rows(), res.same(),
          res.counters()));
      if (!res.same()) {
        failures.add("table " + t.table() + " restored from " + secondary.name() + " differs from its snapshot "
            + t.snapshot() + " on " + primary.name() + ": " + res.difference());
      }
    }

    private void checkDir(Manifest.DirEntry d) throws IOException {
      Path source = new Path(d.path() + "/.snapshot/" + d.snapshot());
      Path target = new Path(scratch, "dirs" + d.path());
      r.restores().syncDirInto(d, target);
      if (!primary.fs().exists(source)) {
        failures.add("directory " + d.path() + ": snapshot " + d.snapshot() + " of cut " + cut.cutId()
            + " is gone from " + primary.name() + ", so the restored copy cannot be compared with it");
        dirs.add(new DrillRecord.DirCheck(d.path(), d.snapshot(), target.toString(), 0, 0, false, "no primary snapshot"));
        return;
      }
      DirFingerprint src = DirFingerprint.of(primary.fs(), source);
      DirFingerprint dst = DirFingerprint.of(secondary.fs(), target);
      String diff = src.firstDifference(dst);
      dirs.add(new DrillRecord.DirCheck(d.path(), d.snapshot(), target.toString(), dst.files().size(), dst.bytes(),
          diff == null, diff));
      if (diff != null) {
        failures.add("directory " + d.path() + " restored from " + secondary.name() + " differs from its snapshot "
            + d.snapshot() + " on " + primary.name() + ": " + diff);
      }
    }

    /**
     * Every scratch table of the service on both clusters (removed side by side), and the
     * service's scratch dirs. Best effort, logged.
     */
    private void removeLeftovers(String of) {
      List<Thread> removers = new ArrayList<>();
      for (ClusterConnection c : List.of(primary, secondary)) {
        Thread th = new Thread(() -> removeScratchTables(c, of), "tandem-drill-cleanup-" + c.name());
        th.start();
        removers.add(th);
      }
      for (Thread th : removers) {
        try {
          th.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          LOG.warn("interrupted while removing the scratch tables of {}", of);
        }
      }
      Path serviceScratch = scratch.getParent();
      try {
        secondary.fs().delete(serviceScratch, true);
      } catch (IOException e) {
        LOG.warn("drill scratch dir {} on {} (of {}) not removed: {}", serviceScratch, secondary.name(), of, e.toString());
      }
    }

    private void removeScratchTables(ClusterConnection c, String of) {
      try (Admin admin = c.hbase().getAdmin()) {
        for (TableName tn : scratchTables(admin)) {
          try {
            if (admin.isTableEnabled(tn)) {
              admin.disableTable(tn);
            }
            admin.deleteTable(tn);
          } catch (IOException e) {
            LOG.warn("drill scratch table {} on {} (of {}) not removed: {}", tn, c.name(), of, e.toString());
          }
        }
      } catch (IOException e) {
        LOG.warn("drill scratch tables on {} (of {}) not listed: {}", c.name(), of, e.toString());
      }
    }

    private List<TableName> scratchTables(Admin admin) throws IOException {
      try {
        return Arrays.stream(admin.listTableNamesByNamespace(DrillNames.NAMESPACE))
            .filter(tn -> DrillNames.isScratchOf(service, tn)).toList();
      } catch (NamespaceNotFoundException e) {
        return List.of();
      }
    }

    /** RUNNING records of this service's drills: under the lock, nobody is running them. */
    private void failInterrupted() throws IOException {
      for (DrillRecord d : r.catalog().drills(service)) {
        if (d.state() == DrillState.RUNNING) {
          r.catalog().putDrill(new DrillRecord(d.drillId(), d.service(), DrillState.FAILED, d.cutId(), d.primary(),
              d.secondary(), d.startedAt(), clock.instant(), null, "the drill stopped before it finished (its"
              + " controller stopped); drill " + drillId + " removed what it left", d.figures(), d.stepsMs(),
              d.tables(), d.dirs()));
        }
      }
    }

    private void trim() {
      int keep = Math.max(1, conf.getInt(TandemKeys.DRILL_KEEP));
      try {
        List<DrillRecord> all = r.catalog().drills(service);
        for (DrillRecord d : all.subList(Math.min(keep, all.size()), all.size())) {
          r.catalog().deleteDrill(service, d.drillId());
        }
      } catch (IOException e) {
        LOG.warn("old drill records of {} not trimmed: {}", service, e.toString());
      }
    }
  }

  private static void await(Future<Void> f, String what) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted during the " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException(what + " failed: " + cause.getMessage(), cause);
    }
  }

  private static void ensureNamespace(Admin admin) throws IOException {
    try {
      admin.getNamespaceDescriptor(DrillNames.NAMESPACE);
    } catch (NamespaceNotFoundException e) {
      try {
        admin.createNamespace(NamespaceDescriptor.create(DrillNames.NAMESPACE).build());
      } catch (org.apache.hadoop.hbase.NamespaceExistException raced) {
        // another drill made it
      }
    }
  }
}
