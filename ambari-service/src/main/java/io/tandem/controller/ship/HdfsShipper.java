package io.tandem.controller.ship;

import java.io.IOException;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.tools.DistCp;
import org.apache.hadoop.tools.DistCpConstants;
import org.apache.hadoop.tools.DistCpOptions;
import org.apache.hadoop.tools.mapred.CopyMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.TandemConf;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.TransferMode;

/**
 * Ships one HDFS directory's cut snapshot to its replica directory on the secondary with DistCp.
 * The caller snapshots the replica under the same name ({@link #sealReplica}) once the copy is
 * final, so that the snapshot verification reads is the one a restore will read.
 *
 * <p>After the first cut the copy is incremental: DistCp {@code -diff <previous> <current>}
 * applies the snapshot diff of the source to the replica, which must still hold the previous
 * cut's snapshot unchanged. If it does not (someone wrote to the replica, a cut was lost), the
 * shipper falls back to a full {@code -update -delete} sync and says why.
 */
public final class HdfsShipper {
  private static final Logger LOG = LoggerFactory.getLogger(HdfsShipper.class);

  private final ClusterConnection primary;
  private final ClusterConnection secondary;
  private final TandemConf tandem;

  public HdfsShipper(ClusterConnection primary, ClusterConnection secondary, TandemConf tandem) {
    this.primary = primary;
    this.secondary = secondary;
    this.tandem = tandem;
  }

  /** What one directory's shipment did. */
  public record Result(long bytesCopied, long filesCopied, boolean incremental, String fullSyncReason) {
  }

  /**
   * @param previousSnapshot the previous COMPLETE cut's snapshot name, or null for a full copy
   */
  public Result ship(String sourceDir, String snapshot, String replicaDir, String previousSnapshot,
      TransferMode mode, ProgressListener progress) throws IOException {
    DistributedFileSystem dst = secondary.fs();
    Path replica = new Path(replicaDir);
    dst.mkdirs(replica);
    dst.allowSnapshot(replica);
    Path srcRoot = qualified(primary, sourceDir);
    Path dstRoot = qualified(secondary, replicaDir);

    String fullReason = null;
    int replicaChanges;
    if (previousSnapshot != null) {
      if (!dst.exists(new Path(replica, ".snapshot/" + previousSnapshot))) {
        fullReason = "replica " + replicaDir + " lacks snapshot " + previousSnapshot + " of the previous cut";
      } else if (!primary.fs().exists(new Path(sourceDir, ".snapshot/" + previousSnapshot))) {
        fullReason = "source " + sourceDir + " lacks snapshot " + previousSnapshot + " of the previous cut";
      } else if ((replicaChanges = changedSince(dst, replica, previousSnapshot)) > 0) {
        // DistCp would refuse the diff too, but say why only in its log.
        fullReason = "replica " + replicaDir + " was changed since snapshot " + previousSnapshot
            + " of the previous cut (" + replicaChanges + " changed entries)";
      } else {
        try {
          DistCpOptions diff = new DistCpOptions.Builder(List.of(srcRoot), dstRoot)
              .withSyncFolder(true)
              .withUseDiff(previousSnapshot, snapshot)
              .maxMaps(tandem.getInt(TandemKeys.TRANSFER_MAPPERS))
              .withMapBandwidth(tandem.getInt(TandemKeys.TRANSFER_BANDWIDTH_MB))
              .preserve(DistCpOptions.FileAttribute.USER)
              .preserve(DistCpOptions.FileAttribute.GROUP)
              .preserve(DistCpOptions.FileAttribute.PERMISSION)
              .build();
          return run(diff, mode, sourceDir, progress, true, null);
        } catch (IOException e) {
          // DistCp refuses -diff when the target changed since the previous snapshot.
          fullReason = "incremental copy of " + sourceDir + " was refused (" + firstLine(e) + ")";
          LOG.warn("{}; falling back to a full sync", fullReason);
        }
      }
    }
    DistCpOptions full = new DistCpOptions.Builder(List.of(new Path(srcRoot, ".snapshot/" + snapshot)), dstRoot)
        .withSyncFolder(true)
        .withDeleteMissing(true)
        .maxMaps(tandem.getInt(TandemKeys.TRANSFER_MAPPERS))
        .withMapBandwidth(tandem.getInt(TandemKeys.TRANSFER_BANDWIDTH_MB))
        .preserve(DistCpOptions.FileAttribute.USER)
        .preserve(DistCpOptions.FileAttribute.GROUP)
        .preserve(DistCpOptions.FileAttribute.PERMISSION)
        .build();
    return run(full, mode, sourceDir, progress, false, previousSnapshot == null ? null : fullReason);
  }

  /** Snapshots the replica as the cut's restore point, under the cut's snapshot name. */
  public void sealReplica(String replicaDir, String snapshot) throws IOException {
    secondary.fs().createSnapshot(new Path(replicaDir), snapshot);
  }

  private Result run(DistCpOptions options, TransferMode mode, String what, ProgressListener progress,
      boolean incremental, String fullReason) throws IOException {
    ClusterConnection runner = mode == TransferMode.PUSH ? primary : secondary;
    Configuration conf = CopyJobs.jobConf(runner.conf(), tandem);
    try {
      DistCp distCp = new DistCp(conf, options);
      Job job = distCp.createAndSubmitJob();
      long bytesTotal = job.getConfiguration().getLong(DistCpConstants.CONF_LABEL_TOTAL_BYTES_TO_BE_COPIED, -1);
      long filesTotal = job.getConfiguration().getLong(DistCpConstants.CONF_LABEL_TOTAL_NUMBER_OF_RECORDS, -1);
      JobWatch.await(job, what, progress, bytesTotal, filesTotal,
          c -> c.findCounter(CopyMapper.Counter.BYTESCOPIED).getValue(),
          c -> c.findCounter(CopyMapper.Counter.COPY).getValue());
      Counters c = job.getCounters();
      long bytes = c.findCounter(CopyMapper.Counter.BYTESCOPIED).getValue();
      long files = c.findCounter(CopyMapper.Counter.COPY).getValue();
      LOG.info("DistCp of {} ({}, {}) copied {} bytes in {} files", what, mode.text(),
          incremental ? "incremental" : "full", bytes, files);
      return new Result(bytes, files, incremental, fullReason);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while copying " + what, e);
    } catch (Exception e) {
      String msg = e instanceof IOException ? e.getMessage() : "DistCp of " + what + " failed: " + e.getMessage();
      String space = spaceProblem(options.getTargetPath());
      throw new IOException(space == null ? msg : msg + "; " + space, e);
    }
  }

  /**
   * Why the secondary may have refused the copy's writes, when the job's own failure says nothing
   * useful (the local runner reports "NA"): a space or name quota on the target or a parent that
   * leaves no room for one more block, or a cluster out of space. Null when none applies.
   */
  private String spaceProblem(Path target) {
    try {
      DistributedFileSystem fs = secondary.fs();
      long block = fs.getDefaultBlockSize(target) * fs.getDefaultReplication(target);
      for (Path p = fs.makeQualified(target); p != null; p = p.getParent()) {
        if (!fs.exists(p)) {
          continue;
        }
        org.apache.hadoop.fs.QuotaUsage q = fs.getQuotaUsage(p);
        if (q.getSpaceQuota() >= 0 && q.getSpaceQuota() - q.getSpaceConsumed() < block) {
          return "the space quota of " + p.toUri().getPath() + " on " + secondary.name() + " cluster leaves no room ("
              + q.getSpaceConsumed() + " of " + q.getSpaceQuota() + " bytes used, a block needs " + block
              + "): raise it with 'hdfs dfsadmin -setSpaceQuota' or clear it with -clrSpaceQuota";
        }
        if (q.getQuota() >= 0 && q.getFileAndDirectoryCount() >= q.getQuota()) {
          return "the name quota of " + p.toUri().getPath() + " on " + secondary.name() + " cluster is used up ("
              + q.getFileAndDirectoryCount() + " of " + q.getQuota() + " names): raise it with 'hdfs dfsadmin -setQuota'";
        }
      }
      long left = fs.getStatus().getRemaining();
      if (left < block) {
        return secondary.name() + " cluster has " + left + " bytes of DFS space left: add capacity or free space";
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("space of the copy's target not checked: {}", e.toString());
    }
    return null;
  }

  /** Entries changed in {@code dir} since {@code snapshot} (0: the snapshot is its current state). */
  private static int changedSince(DistributedFileSystem fs, Path dir, String snapshot) throws IOException {
    return fs.getSnapshotDiffReport(dir, snapshot, "").getDiffList().size();
  }

  static Path qualified(ClusterConnection c, String path) throws IOException {
    return c.fs().makeQualified(new Path(path));
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return m.split("\n", 2)[0];
  }
}
