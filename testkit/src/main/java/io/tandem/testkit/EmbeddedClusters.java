package io.tandem.testkit;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.curator.test.TestingServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two real Hadoop clusters in this JVM, a <em>primary</em> and a <em>secondary</em>, each a
 * MiniDFSCluster plus an HBase mini cluster on its own MiniZooKeeperCluster, and a third,
 * independent ZooKeeper for the controller (the controller must survive the primary's loss,
 * so it never shares the primary's quorum).
 *
 * <p>Invariant: {@link #start()} either leaves all three running or none. {@link #close()} is
 * idempotent and stops everything it started, in reverse order.
 *
 * <p>Each cluster's client configuration can be written out as a Hadoop conf dir
 * ({@link #writeConfDir}), so code under test reaches the clusters exactly as it would reach
 * real ones: through core-site.xml, hdfs-site.xml and hbase-site.xml.
 */
public final class EmbeddedClusters implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedClusters.class);

  /** Names used by the embedded default. */
  public static final String PRIMARY = "primary";
  public static final String SECONDARY = "secondary";

  private final int regionServers;
  private final AtomicBoolean started = new AtomicBoolean();
  private HBaseTestingUtility primary;
  private HBaseTestingUtility secondary;
  private TestingServer controllerZk;
  private long startMillis;

  /** @param regionServers RegionServers per cluster (and DataNodes: one each); at least 1. */
  public EmbeddedClusters(int regionServers) {
    if (regionServers < 1) {
      throw new IllegalArgumentException("regionServers must be >= 1, got " + regionServers);
    }
    this.regionServers = regionServers;
  }

  /**
   * Starts controller ZooKeeper, then primary and secondary. Blocks until both HBase masters
   * are active and every RegionServer has checked in.
   *
   * @throws IllegalStateException if already started
   * @throws Exception whatever the mini clusters throw; everything started so far is stopped
   */
  public EmbeddedClusters start() throws Exception {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("EmbeddedClusters already started");
    }
    long t0 = System.nanoTime();
    try {
      controllerZk = new TestingServer(true);
      primary = newCluster(PRIMARY);
      secondary = newCluster(SECONDARY);
      // Sequentially: HBaseTestingUtility publishes its data dirs through JVM-wide system
      // properties, so two clusters starting at once trample each other's NameNode dirs.
      start(primary);
      start(secondary);
    } catch (Exception | Error e) {
      close();
      throw e;
    }
    startMillis = (System.nanoTime() - t0) / 1_000_000;
    LOG.info("Embedded clusters up in {} ms: primary hdfs={} zk={}; secondary hdfs={} zk={}; controller zk={}",
        startMillis, fsUri(primary), zkQuorum(primary), fsUri(secondary), zkQuorum(secondary),
        controllerZk.getConnectString());
    return this;
  }

  private HBaseTestingUtility newCluster(String name) {
    Configuration conf = HBaseConfiguration.create();
    conf.set("mapreduce.framework.name", "local");
    // Block-size independent file checksums, so a copy can be verified whatever its block size.
    conf.set("dfs.checksum.combine.mode", "COMPOSITE_CRC");
    conf.setBoolean("dfs.namenode.acls.enabled", true);
    conf.setInt("hbase.regionserver.handler.count", 10);
    conf.setInt("hbase.master.info.port", -1);
    conf.setInt("hbase.regionserver.info.port", -1);
    conf.setBoolean("hbase.balancer.tablesOnMaster", false);
    conf.setInt("hbase.client.retries.number", 10);
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("tandem.cluster.name", name);
    HBaseTestingUtility util = new HBaseTestingUtility(conf);
    return util;
  }

  private void start(HBaseTestingUtility util) {
    try {
      util.startMiniCluster(regionServers);
    } catch (Exception e) {
      throw new IllegalStateException("mini cluster failed to start", e);
    }
  }

  public HBaseTestingUtility primary() {
    return require(primary);
  }

  public HBaseTestingUtility secondary() {
    return require(secondary);
  }

  /** The controller's own ZooKeeper connect string (loopback). */
  public String controllerZkQuorum() {
    return require(controllerZk).getConnectString();
  }

  /** How long {@link #start()} took, in milliseconds. */
  public long startMillis() {
    return startMillis;
  }

  private static <T> T require(T part) {
    if (part == null) {
      throw new IllegalStateException("EmbeddedClusters not started");
    }
    return part;
  }

  public static String fsUri(HBaseTestingUtility util) {
    return util.getConfiguration().get("fs.defaultFS");
  }

  public static String zkQuorum(HBaseTestingUtility util) {
    Configuration c = util.getConfiguration();
    return c.get("hbase.zookeeper.quorum") + ":" + c.get("hbase.zookeeper.property.clientPort");
  }

  /**
   * Writes the cluster's client configuration as core-site.xml, hdfs-site.xml and
   * hbase-site.xml into {@code dir} (created if missing), the layout the controller reads.
   */
  public static Path writeConfDir(HBaseTestingUtility util, Path dir) throws IOException {
    Files.createDirectories(dir);
    Configuration conf = util.getConfiguration();
    for (String name : new String[] {"core-site.xml", "hdfs-site.xml", "hbase-site.xml"}) {
      // The full resolved configuration goes in each file; Hadoop merges them and the
      // duplicates agree, which keeps this writer trivially correct.
      try (OutputStream out = new FileOutputStream(new File(dir.toFile(), name))) {
        conf.writeXml(out);
      }
    }
    return dir;
  }

  @Override
  public synchronized void close() {
    for (AutoCloseable part : new AutoCloseable[] {
        secondary == null ? null : secondary::shutdownMiniCluster,
        primary == null ? null : primary::shutdownMiniCluster,
        controllerZk}) {
      if (part == null) {
        continue;
      }
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("Ignoring failure while stopping an embedded cluster part", e);
      }
    }
    secondary = null;
    primary = null;
    controllerZk = null;
  }
}
