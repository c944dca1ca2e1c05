package io.tandem.controller.cut;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * The live tables and directories of one cluster, read as applications read them (scans through
 * the RegionServers, directory listings): after a restore on the secondary, this is the cut as
 * failover would hand it to applications.
 */
final class LiveCutView implements CutView {
  private final Set<String> incomplete = new java.util.TreeSet<>();
  private final Connection hbase;
  private final FileSystem fs;

  LiveCutView(Connection hbase, FileSystem fs) {
    this.hbase = hbase;
    this.fs = fs;
  }

  @Override
  public Set<String> incomplete() {
    return incomplete;
  }

  @Override
  public Set<String> rows(String table) throws IOException {
    Set<String> rows = new HashSet<>();
    try (Table t = hbase.getTable(TableName.valueOf(table)); ResultScanner rs = t.getScanner(new Scan())) {
      for (Result r : rs) {
        if (CutView.whole(r)) {
          rows.add(Bytes.toString(r.getRow()));
        } else {
          incomplete.add(table + ": row " + Bytes.toStringBinary(r.getRow()));
        }
      }
    }
    return rows;
  }

  @Override
  public Set<String> files(String dir) throws IOException {
    Set<String> names = new HashSet<>();
    try {
      for (FileStatus st : fs.listStatus(new Path(dir))) {
        if (CutView.whole(st)) {
          names.add(st.getPath().getName());
        }
      }
    } catch (FileNotFoundException e) {
      // A directory the restore did not create holds nothing.
    }
    return names;
  }
}
