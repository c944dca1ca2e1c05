package io.tandem.controller.cut;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.TableSnapshotScanner;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.CommonFSUtils;

/**
 * A cut as its snapshots hold it on one cluster: HBase snapshots read with
 * {@link TableSnapshotScanner} (the snapshot's own files, no table or RegionServer involved) and
 * HDFS snapshots read under {@code <dir>/.snapshot/<name>}. Point it at any cluster's
 * configuration that has the snapshots (the primary, or the secondary after shipping).
 */
final class SnapshotCutView implements CutView {
  private final Configuration conf;
  private final CutPlan plan;

  SnapshotCutView(Configuration conf, CutPlan plan) {
    this.conf = conf;
    this.plan = plan;
  }

  @Override
  public Set<String> rows(String table) throws IOException {
    String snapshot = plan.tableSnapshots().get(table);
    FileSystem fs = FileSystem.get(conf);
    Path restore = fs.makeQualified(new Path("/tmp/tandem-cut-view/" + UUID.randomUUID()));
    Set<String> rows = new HashSet<>();
    try (TableSnapshotScanner scanner = new TableSnapshotScanner(conf, CommonFSUtils.getRootDir(conf), restore,
        snapshot, new Scan())) {
      for (Result r = scanner.next(); r != null; r = scanner.next()) {
        rows.add(Bytes.toString(r.getRow()));
      }
    } finally {
      fs.delete(restore, true);
    }
    return rows;
  }

  @Override
  public Set<String> files(String dir) throws IOException {
    FileSystem fs = FileSystem.get(conf);
    Set<String> names = new HashSet<>();
    for (FileStatus st : fs.listStatus(new Path(dir + "/.snapshot/" + plan.dirSnapshots().get(dir)))) {
      names.add(st.getPath().getName());
    }
    return names;
  }
}
