package io.tandem.controller.ship;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ContentSummary;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.snapshot.ExportSnapshot;
import org.apache.hadoop.hbase.snapshot.SnapshotDescriptionUtils;
import org.apache.hadoop.hbase.snapshot.SnapshotInfo;
import org.apache.hadoop.hbase.shaded.protobuf.generated.SnapshotProtos.SnapshotDescription;
import org.apache.hadoop.hbase.util.CommonFSUtils;
import org.apache.hadoop.util.ToolRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.TandemConf;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.TransferMode;

/**
 * Ships one HBase snapshot from the primary into the secondary's HBase root dir with
 * ExportSnapshot: {@code -copy-to} run by the primary (push) or {@code -copy-from} run by the
 * secondary (pull). HFiles already in the secondary's archive (shipped with an earlier cut and
 * still referenced by its snapshot) are skipped by ExportSnapshot, so later cuts copy only
 * what changed. Bytes copied are measured as the growth of the table's archive on the
 * secondary.
 */
public final class HBaseShipper {
  private static final Logger LOG = LoggerFactory.getLogger(HBaseShipper.class);

  private final ClusterConnection primary;
  private final ClusterConnection secondary;
  private final TandemConf tandem;

  public HBaseShipper(ClusterConnection primary, ClusterConnection secondary, TandemConf tandem) {
    this.primary = primary;
    this.secondary = secondary;
    this.tandem = tandem;
  }

  /** Size of the snapshot on the primary: store files and their count. */
  public record Size(long bytes, long files) {
  }

  public Size size(String snapshot) throws IOException {
    Configuration conf = primary.conf();
    Path rootDir = CommonFSUtils.getRootDir(conf);
    Path snapshotDir = SnapshotDescriptionUtils.getCompletedSnapshotDir(snapshot, rootDir);
    SnapshotDescription desc = SnapshotDescriptionUtils.readSnapshotInfo(primary.fs(), snapshotDir);
    SnapshotInfo.SnapshotStats stats = SnapshotInfo.getSnapshotStats(conf,
        org.apache.hadoop.hbase.shaded.protobuf.ProtobufUtil.createSnapshotDesc(desc));
    return new Size(stats.getStoreFilesSize(), stats.getStoreFilesCount());
  }

  /** @return bytes that crossed the network (0 if every HFile was already there) */
  public long ship(String snapshot, String table, TransferMode mode, Size size, ProgressListener progress)
      throws IOException {
    ClusterConnection runner = mode == TransferMode.PUSH ? primary : secondary;
    Configuration conf = CopyJobs.jobConf(runner.conf(), tandem);
    List<String> args = exportArgs(snapshot, mode, primary.hbaseRootDir(), secondary.hbaseRootDir(), tandem);
    Path archive = tableArchive(table);
    long before = archiveBytes(archive);
    long t0 = System.currentTimeMillis();
    ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "export-progress-" + snapshot);
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(() -> {
      try {
        long now = archiveBytes(archive) - before;
        progress.progress(CopyProgress.of(table, Math.max(0, now), size.bytes(), -1, size.files(),
            System.currentTimeMillis() - t0));
      } catch (IOException | RuntimeException e) {
        LOG.debug("progress probe of {} failed: {}", archive, e.toString());
      }
    }, 1, 1, TimeUnit.SECONDS);
    int rc;
    try {
      rc = ToolRunner.run(conf, new ExportSnapshot(), args.toArray(new String[0]));
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("ExportSnapshot of " + snapshot + " failed: " + e.getMessage(), e);
    } finally {
      poller.shutdownNow();
    }
    if (rc != 0) {
      // ExportSnapshot (an AbstractHBaseTool) logs its exception and returns 1; the commonest cause,
      // a job runner that cannot start, is named here so it reaches the cut's reason.
      String cause = CopyJobs.runnerProblem(conf);
      throw new IOException("ExportSnapshot of " + snapshot + " (" + mode.text() + ") exited with " + rc
          + (cause != null ? ": " + cause : "; see the controller log for the job's error"));
    }
    long copied = Math.max(0, archiveBytes(archive) - before);
    progress.progress(CopyProgress.of(table, size.bytes(), size.bytes(), size.files(), size.files(),
        System.currentTimeMillis() - t0));
    LOG.info("ExportSnapshot of {} ({}) done: {} of {} bytes copied", snapshot, mode.text(), copied, size.bytes());
    return copied;
  }

  /**
   * ExportSnapshot's arguments. Its {@code -bandwidth} is per map task (each mapper throttles its
   * own input stream), as DistCp's is, so it gets {@code tandem.transfer.bandwidth.mb} as is: the
   * job as a whole may move up to mappers times that.
   */
  static List<String> exportArgs(String snapshot, TransferMode mode, String primaryRoot, String secondaryRoot,
      TandemConf tandem) {
    List<String> args = new ArrayList<>(List.of("-snapshot", snapshot,
        "-copy-to", secondaryRoot,
        "-mappers", String.valueOf(tandem.getInt(TandemKeys.TRANSFER_MAPPERS)),
        "-bandwidth", String.valueOf(tandem.getInt(TandemKeys.TRANSFER_BANDWIDTH_MB))));
    if (mode == TransferMode.PULL) {
      args.add("-copy-from");
      args.add(primaryRoot);
    }
    return args;
  }

  private Path tableArchive(String table) throws IOException {
    TableName tn = TableName.valueOf(table);
    Path root = new Path(secondary.hbaseRootDir());
    return new Path(root, "archive/data/" + tn.getNamespaceAsString() + "/" + tn.getQualifierAsString());
  }

  private long archiveBytes(Path archive) throws IOException {
    if (!secondary.fs().exists(archive)) {
      return 0;
    }
    ContentSummary cs = secondary.fs().getContentSummary(archive);
    return cs.getLength();
  }
}
