package io.tandem.controller.restore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.tools.DistCp;
import org.apache.hadoop.tools.DistCpOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.TandemConf;
import io.tandem.controller.catalog.BackupCatalog;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.fault.FaultPoints;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.controller.ship.CopyJobs;
import io.tandem.controller.usersync.UserSyncService;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.usersync.UserData;

/**
 * Materializes a COMPLETE cut on the secondary as live data: each HBase snapshot becomes the
 * table of the same name (cloned, or restored over an existing table), and each directory's
 * replica snapshot is synced into the directory's own path with DistCp. This is what failover
 * relies on, and what restore drills exercise.
 */
public final class RestoreService {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreService.class);

  private final ClusterConnection secondary;
  private final BackupCatalog catalog;
  private final UserSyncService users;
  private final TandemConf tandem;
  private final ServiceLocks locks;

  public RestoreService(ClusterConnection secondary, BackupCatalog catalog, UserSyncService users, TandemConf tandem,
      ServiceLocks locks) {
    this.locks = locks;
    this.secondary = secondary;
    this.catalog = catalog;
    this.users = users;
    this.tandem = tandem;
  }

  /**
   * One action of a restore, in words; a dry run returns them without doing them.
   *
   * @param users what the restore did (or would do) to give the data the cut's user data; null for
   *              a cut recorded without user data
   */
  public record Report(String cutId, boolean dryRun, List<String> actions, UserSyncService.Report users) {
  }

  /**
   * <p>Runs under the service's lock, so no cut's retention deletes the cut while it is restored.
   *
   * @throws TandemException NOT_FOUND for an unknown cut, CONFLICT for a cut that is not COMPLETE
   *         or a service busy with a cut, restore or user sync
   */
  public Report restore(String service, String cutId, boolean dryRun) throws IOException {
    if (dryRun) {
      return restoreLocked(service, cutId, true);
    }
    try (ServiceLocks.Held lock = locks.lock(service, "restore of cut " + cutId, java.time.Duration.ZERO)) {
      return restoreLocked(service, cutId, false);
    }
  }

  private Report restoreLocked(String service, String cutId, boolean dryRun) throws IOException {
    Manifest m = catalog.require(service, cutId);
    if (m.state() != CutState.COMPLETE) {
      throw TandemException.conflict("cut " + cutId + " of service " + service + " is " + m.state()
          + ", not COMPLETE: only complete cuts can be restored");
    }
    List<String> actions = new ArrayList<>();
    try (Admin admin = secondary.hbase().getAdmin()) {
      for (Manifest.TableEntry t : m.tables()) {
        TableName tn = TableName.valueOf(t.table());
        if (admin.tableExists(tn)) {
          actions.add("restore table " + t.table() + " from snapshot " + t.snapshot() + " (replaces its current content)");
          if (!dryRun) {
            if (admin.isTableEnabled(tn)) {
              admin.disableTable(tn);
            }
            admin.restoreSnapshot(t.snapshot());
            admin.enableTable(tn);
          }
        } else {
          actions.add("clone snapshot " + t.snapshot() + " as table " + t.table());
          if (!dryRun) {
            ensureNamespace(admin, tn.getNamespaceAsString());
            admin.cloneSnapshot(t.snapshot(), tn);
          }
        }
        if (!dryRun) {
          FaultPoints.reach(FaultPoints.RESTORE_COPY);
        }
      }
    }
    for (Manifest.DirEntry d : m.dirs()) {
      actions.add("sync directory " + d.path() + " from " + d.replicaPath() + "/.snapshot/" + d.snapshot());
      if (!dryRun) {
        syncDir(d);
      }
    }
    UserSyncService.Report userReport = null;
    Optional<UserData> recorded = catalog.cutUsers(service, cutId);
    if (recorded.isPresent()) {
      userReport = users.applyCut(m, recorded.get(), dryRun);
      actions.add("give the restored data the cut's user data (" + recorded.get().summary().grants() + " grants, "
          + recorded.get().summary().paths() + " paths): " + userReport.outcomes());
      if (!dryRun && !userReport.ok()) {
        throw TandemException.failed("restore of cut " + cutId + ": the data is back but some of its user data"
            + " could not be applied (" + userReport.outcomes() + "); see the controller log, fix, and run"
            + " 'tandem users sync --service " + service + " --mode reconcile'", null);
      }
    } else {
      actions.add("no user data recorded with cut " + cutId + "; permissions stay as they are on " + secondary.name());
    }
    LOG.info("{} cut {} of {}: {}", dryRun ? "dry run of restore of" : "restored", cutId, service, actions);
    return new Report(cutId, dryRun, actions, userReport);
  }

  private static void ensureNamespace(Admin admin, String ns) throws IOException {
    try {
      admin.getNamespaceDescriptor(ns);
    } catch (NamespaceNotFoundException e) {
      admin.createNamespace(NamespaceDescriptor.create(ns).build());
    }
  }

  private void syncDir(Manifest.DirEntry d) throws IOException {
    syncDirInto(d, new Path(d.path()));
  }

  /**
   * Makes {@code target} on the secondary hold exactly what directory {@code d}'s replica snapshot
   * holds (owner, group and permissions too), with DistCp on the configured job runner: what a
   * restore does for the directory's own path, and what a restore drill does for a scratch path.
   */
  public void syncDirInto(Manifest.DirEntry d, Path target) throws IOException {
    Path src = secondary.fs().makeQualified(new Path(d.replicaPath() + "/.snapshot/" + d.snapshot()));
    Path dst = secondary.fs().makeQualified(target);
    DistCpOptions options = new DistCpOptions.Builder(List.of(src), dst)
        .withSyncFolder(true)
        .withDeleteMissing(true)
        .preserve(DistCpOptions.FileAttribute.USER)
        .preserve(DistCpOptions.FileAttribute.GROUP)
        .preserve(DistCpOptions.FileAttribute.PERMISSION)
        .build();
    try {
      secondary.fs().mkdirs(dst);
      var job = new DistCp(CopyJobs.jobConf(secondary.conf(), tandem), options).execute();
      if (!job.isSuccessful()) {
        throw new IOException("restore of " + d.path() + " failed: job " + job.getJobID() + " did not succeed");
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("restore of " + d.path() + " failed: " + e.getMessage(), e);
    }
  }
}
