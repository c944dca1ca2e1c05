package io.tandem.controller.cut;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.apache.curator.framework.CuratorFramework;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;

import io.tandem.controller.cluster.ClusterConnection;

/**
 * Measures how far a cluster's clocks are from the controller's, using timestamps the cluster's
 * own servers assign (R8): the modification time the NameNode gives a new directory, the creation
 * time the ZooKeeper leader gives a new znode, and optionally the timestamp a RegionServer gives a
 * cell put without one. For each, with {@code t0}/{@code t1} the controller's clock just before
 * and after the call and {@code ts} the server's stamp:
 * {@code skew = ts - (t0 + t1) / 2}, known to within {@code (t1 - t0) / 2}.
 *
 * <p>Each probe is one or two RPCs and leaves nothing behind. Thread-safe.
 */
public final class ClockSkewProbe {
  /**
   * One measurement.
   *
   * @param cluster       the cluster's name
   * @param source        "hdfs" (NameNode), "zookeeper" (quorum leader) or "hbase" (a RegionServer)
   * @param skewMs        server clock minus controller clock
   * @param uncertaintyMs half the round trip: the true skew is within skewMs ± this
   */
  public record Measurement(String cluster, String source, long skewMs, long uncertaintyMs) {
    @Override
    public String toString() {
      return cluster + "/" + source + " skew " + skewMs + " ms (±" + uncertaintyMs + " ms)";
    }
  }

  private final LongSupplier controllerClock;
  private final String probeDir;

  /**
   * @param controllerClock the controller's wall clock in ms ({@code System::currentTimeMillis}
   *                        in production; a shifted clock in tests proves the refusal)
   * @param probeDir        HDFS directory where the probe may create and remove an empty directory
   */
  public ClockSkewProbe(LongSupplier controllerClock, String probeDir) {
    this.controllerClock = Objects.requireNonNull(controllerClock, "controllerClock");
    this.probeDir = Objects.requireNonNull(probeDir, "probeDir");
  }

  public ClockSkewProbe() {
    this(System::currentTimeMillis, CutKeys.CLOCK_PROBE_DIR.defaultValue());
  }

  /** The NameNode's clock: mtime of a freshly made directory. */
  public Measurement hdfs(ClusterConnection cluster) throws IOException {
    FileSystem fs = cluster.fs();
    Path p = new Path(probeDir, ".tandem-clock-" + UUID.randomUUID());
    long t0 = controllerClock.getAsLong();
    if (!fs.mkdirs(p)) {
      throw new IOException("clock probe could not create " + p + " on " + cluster);
    }
    long t1 = controllerClock.getAsLong();
    try {
      return measurement(cluster.name(), "hdfs", fs.getFileStatus(p).getModificationTime(), t0, t1);
    } finally {
      fs.delete(p, false);
    }
  }

  /** The ZooKeeper leader's clock: ctime of a freshly made ephemeral znode. */
  public Measurement zookeeper(String clusterName, CuratorFramework zk, String parent) throws IOException {
    Stat stat = new Stat();
    String path;
    long t0 = controllerClock.getAsLong();
    try {
      path = zk.create().storingStatIn(stat).creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
          .forPath(parent + "/clock-probe-");
    } catch (Exception e) {
      throw new IOException("clock probe could not create a znode under " + parent + " on cluster " + clusterName
          + ": " + e.getMessage(), e);
    }
    long t1 = controllerClock.getAsLong();
    try {
      zk.delete().quietly().forPath(path);
    } catch (Exception e) {
      // ephemeral: it goes with the session anyway
    }
    return measurement(clusterName, "zookeeper", stat.getCtime(), t0, t1);
  }

  /**
   * A RegionServer's clock: the timestamp it assigns to a cell put without one, into a table the
   * admin set aside for it (one family {@code f}).
   */
  public Measurement hbase(ClusterConnection cluster, TableName probeTable) throws IOException {
    Connection c = cluster.hbase();
    byte[] row = Bytes.toBytes("clock-" + UUID.randomUUID());
    byte[] f = Bytes.toBytes("f");
    try (Table t = c.getTable(probeTable)) {
      long t0 = controllerClock.getAsLong();
      t.put(new Put(row).addColumn(f, f, new byte[0]));
      long t1 = controllerClock.getAsLong();
      Result r = t.get(new Get(row));
      Cell cell = r.getColumnLatestCell(f, f);
      if (cell == null) {
        throw new IOException("clock probe cell vanished from " + probeTable + " on " + cluster);
      }
      t.delete(new org.apache.hadoop.hbase.client.Delete(row));
      return measurement(cluster.name(), "hbase", cell.getTimestamp(), t0, t1);
    }
  }

  static Measurement measurement(String cluster, String source, long serverTs, long t0, long t1) {
    long mid = t0 + (t1 - t0) / 2;
    return new Measurement(cluster, source, serverTs - mid, (t1 - t0 + 1) / 2);
  }

  /**
   * @throws CutRefusedException naming the cluster, the source, the skew and the limit, for every
   *     measurement whose |skew| exceeds {@code maxSkewMs}
   */
  public static void requireWithin(List<Measurement> measurements, long maxSkewMs) throws CutRefusedException {
    List<String> bad = new ArrayList<>();
    for (Measurement m : measurements) {
      if (Math.abs(m.skewMs()) > maxSkewMs) {
        bad.add("cluster " + m.cluster() + " (" + m.source() + ") clock is " + m.skewMs() + " ms (±"
            + m.uncertaintyMs() + " ms) off the controller's");
      }
    }
    if (!bad.isEmpty()) {
      throw new CutRefusedException("cut refused: " + String.join("; ", bad) + "; the limit tandem.clock.max-skew.ms is "
          + maxSkewMs + " ms. Point the controller and both clusters at one time source (NTP/chrony).");
    }
  }
}
