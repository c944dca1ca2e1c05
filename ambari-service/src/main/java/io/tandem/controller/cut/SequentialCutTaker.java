package io.tandem.controller.cut;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.SnapshotType;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.cluster.ClusterConnection;

/**
 * The naive cut: one HBase snapshot per table, then one HDFS snapshot per directory, one after
 * another, with no fence. Each snapshot is consistent on its own; together they are not (a
 * write can land between two of them). Kept as the baseline the fenced cut is measured
 * against, and as the control that proves the chain test can fail.
 */
public final class SequentialCutTaker implements CutTaker {
  private static final Logger LOG = LoggerFactory.getLogger(SequentialCutTaker.class);
  private final ClusterConnection primary;

  public SequentialCutTaker(ClusterConnection primary) {
    this.primary = primary;
  }

  @Override
  public CutResult take(CutPlan plan) throws IOException {
    long t0 = System.nanoTime();
    Instant takenAt = Instant.now();
    List<String> tablesDone = new ArrayList<>();
    List<String> dirsDone = new ArrayList<>();
    DistributedFileSystem fs = primary.fs();
    try (Admin admin = primary.hbase().getAdmin()) {
      try {
        for (Map.Entry<String, String> e : sortedEntries(plan.tableSnapshots())) {
          admin.snapshot(e.getValue(), TableName.valueOf(e.getKey()), SnapshotType.FLUSH);
          tablesDone.add(e.getValue());
        }
        for (Map.Entry<String, String> e : sortedEntries(plan.dirSnapshots())) {
          Path dir = new Path(e.getKey());
          fs.allowSnapshot(dir);
          fs.createSnapshot(dir, e.getValue());
          dirsDone.add(e.getKey());
        }
      } catch (IOException | RuntimeException e) {
        SnapshotCleanup.deleteQuietly(admin, fs, tablesDone, plan, dirsDone);
        throw new IOException("cut " + plan.cutId() + " failed on the primary: " + e.getMessage(), e);
      }
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    LOG.info("cut {}: {} table and {} dir snapshots taken sequentially in {} ms (not fenced)",
        plan.cutId(), tablesDone.size(), dirsDone.size(), ms);
    return new CutResult(takenAt, false, 0, Map.of(), ms, "sequential");
  }

  private static List<Map.Entry<String, String>> sortedEntries(Map<String, String> m) {
    return m.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList();
  }
}
