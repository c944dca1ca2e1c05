package io.tandem.controller.cut;

import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
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

import io.tandem.core.catalog.Manifest;

/**
 * A cut as its snapshots hold it on one cluster: HBase snapshots read with
 * {@link TableSnapshotScanner} (the snapshot's own files under that cluster's HBase root dir, no
 * table or RegionServer involved) and HDFS snapshots read under their {@code .snapshot} path.
 * On the primary a directory's snapshot is under the directory itself; on the secondary it is
 * under the directory's replica, where shipping put it.
 */
final class SnapshotCutView implements CutView {
  private final Set<String> incomplete = new java.util.TreeSet<>();
  private final Configuration conf;
  private final Map<String, String> tableSnapshots;
  private final Map<String, String> dirSnapshotPaths;

  /** The cut's snapshots on the primary ({@code conf} is the primary's). */
  SnapshotCutView(Configuration conf, CutPlan plan) {
    this(conf, plan.tableSnapshots(), onSource(plan));
  }

  private SnapshotCutView(Configuration conf, Map<String, String> tableSnapshots,
      Map<String, String> dirSnapshotPaths) {
    this.conf = conf;
    this.tableSnapshots = Map.copyOf(tableSnapshots);
    this.dirSnapshotPaths = Map.copyOf(dirSnapshotPaths);
  }

  /**
   * A shipped cut as the secondary holds it ({@code conf} is the secondary's): the snapshots
   * ExportSnapshot wrote into its HBase root dir and the replica snapshots DistCp filled.
   */
  static SnapshotCutView shipped(Configuration conf, Manifest m) {
    Map<String, String> tables = new LinkedHashMap<>();
    m.tables().forEach(t -> tables.put(t.table(), t.snapshot()));
    Map<String, String> dirs = new LinkedHashMap<>();
    m.dirs().forEach(d -> dirs.put(d.path(), d.replicaPath() + "/.snapshot/" + d.snapshot()));
    return new SnapshotCutView(conf, tables, dirs);
  }

  private static Map<String, String> onSource(CutPlan plan) {
    Map<String, String> dirs = new LinkedHashMap<>();
    plan.dirSnapshots().forEach((dir, snap) -> dirs.put(dir, dir + "/.snapshot/" + snap));
    return dirs;
  }

  @Override
  public Set<String> incomplete() {
    return incomplete;
  }

  @Override
  public Set<String> rows(String table) throws IOException {
    String snapshot = require(tableSnapshots, table);
    FileSystem fs = FileSystem.get(conf);
    Path restore = fs.makeQualified(new Path("/tmp/tandem-cut-view/" + UUID.randomUUID()));
    Set<String> rows = new HashSet<>();
    try (TableSnapshotScanner scanner = new TableSnapshotScanner(conf, CommonFSUtils.getRootDir(conf), restore,
        snapshot, new Scan())) {
      for (Result r = scanner.next(); r != null; r = scanner.next()) {
        if (CutView.whole(r)) {
          rows.add(Bytes.toString(r.getRow()));
        } else {
          incomplete.add(table + ": row " + Bytes.toStringBinary(r.getRow()));
        }
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
    for (FileStatus st : fs.listStatus(new Path(require(dirSnapshotPaths, dir)))) {
      if (CutView.whole(st)) {
        names.add(st.getPath().getName());
      }
    }
    return names;
  }

  private static String require(Map<String, String> m, String key) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException(key + " is not in this cut (it holds " + m.keySet() + ")");
    }
    return v;
  }
}
