package io.tandem.controller.verify;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.TableSnapshotScanner;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.CommonFSUtils;

/**
 * Row count and a content hash of an HBase snapshot, read straight from the snapshot's files
 * (TableSnapshotScanner) so no table needs to be cloned. The hash covers every cell's row,
 * family, qualifier, timestamp, type and value in scan order, so two snapshots with the same
 * hash hold the same data.
 */
public record TableFingerprint(long rows, long cells, String hash) {

  public static TableFingerprint of(Configuration clusterConf, FileSystem fs, String snapshot, String scratchDir)
      throws IOException {
    Path rootDir = CommonFSUtils.getRootDir(clusterConf);
    Path restoreDir = fs.makeQualified(new Path(scratchDir, "verify-" + UUID.randomUUID()));
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long rows = 0;
    long cells = 0;
    Scan scan = new Scan().readAllVersions().setRaw(false);
    try (TableSnapshotScanner scanner = new TableSnapshotScanner(clusterConf, rootDir, restoreDir, snapshot, scan)) {
      for (Result r; (r = scanner.next()) != null;) {
        rows++;
        for (Cell c : r.rawCells()) {
          cells++;
          md.update(CellUtil.cloneRow(c));
          md.update(CellUtil.cloneFamily(c));
          md.update(CellUtil.cloneQualifier(c));
          md.update(Bytes.toBytes(c.getTimestamp()));
          md.update(c.getTypeByte());
          md.update(CellUtil.cloneValue(c));
        }
      }
    } finally {
      fs.delete(restoreDir, true);
    }
    return new TableFingerprint(rows, cells, HexFormat.of().formatHex(md.digest()));
  }
}
