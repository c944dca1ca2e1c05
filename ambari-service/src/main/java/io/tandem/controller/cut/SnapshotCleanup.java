package io.tandem.controller.cut;

import java.util.List;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes the snapshots a failed cut left behind; never throws, logs what it could not undo. */
final class SnapshotCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotCleanup.class);

  private SnapshotCleanup() {
  }

  static void deleteQuietly(Admin admin, DistributedFileSystem fs, List<String> hbaseSnapshots,
      CutPlan plan, List<String> dirs) {
    for (String s : hbaseSnapshots) {
      try {
        admin.deleteSnapshot(s);
      } catch (Exception e) {
        LOG.warn("cut {}: could not delete HBase snapshot {} after failure: {}", plan.cutId(), s, e.toString());
      }
    }
    for (String d : dirs) {
      try {
        fs.deleteSnapshot(new Path(d), plan.dirSnapshots().get(d));
      } catch (Exception e) {
        LOG.warn("cut {}: could not delete HDFS snapshot of {} after failure: {}", plan.cutId(), d, e.toString());
      }
    }
  }
}
