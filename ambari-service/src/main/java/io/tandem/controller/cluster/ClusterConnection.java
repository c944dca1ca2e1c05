package io.tandem.controller.cluster;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * The controller's handle on one Hadoop cluster, built from that cluster's own client
 * configuration (core-site.xml, hdfs-site.xml, hbase-site.xml), the way Hadoop tools reach a
 * cluster. The HBase connection and the FileSystem are opened lazily, once, and closed with
 * this object.
 *
 * <p>Thread-safe.
 */
public final class ClusterConnection implements Closeable {
  private final String name;
  private final Configuration conf;
  private Connection hbase;
  private DistributedFileSystem fs;

  public ClusterConnection(String name, Configuration conf) {
    this.name = Objects.requireNonNull(name, "name");
    this.conf = HBaseConfiguration.create(Objects.requireNonNull(conf, "conf"));
    // Block-size independent checksums, so files can be compared across clusters.
    this.conf.setIfUnset("dfs.checksum.combine.mode", "COMPOSITE_CRC");
  }

  /**
   * Loads core-site.xml, hdfs-site.xml and hbase-site.xml (those present) from {@code confDir}.
   *
   * @throws IOException if the directory does not exist or holds none of them
   */
  public static ClusterConnection fromConfDir(String name, Path confDir) throws IOException {
    if (!Files.isDirectory(confDir)) {
      throw new IOException("configuration directory " + confDir + " of cluster " + name
          + " does not exist: point tandem." + name + ".conf.dir at the cluster's client config");
    }
    Configuration conf = new Configuration(false);
    int found = 0;
    for (String file : new String[] {"core-site.xml", "hdfs-site.xml", "hbase-site.xml", "mapred-site.xml", "yarn-site.xml"}) {
      Path p = confDir.resolve(file);
      if (Files.isRegularFile(p)) {
        conf.addResource(new org.apache.hadoop.fs.Path(p.toUri()));
        found++;
      }
    }
    if (found == 0) {
      throw new IOException("configuration directory " + confDir + " of cluster " + name
          + " has no core-site.xml, hdfs-site.xml or hbase-site.xml");
    }
    Configuration full = new Configuration();
    full.addResource(conf);
    // Force loading so a malformed file fails here, naming the cluster, not deep in a job.
    full.size();
    return new ClusterConnection(name, full);
  }

  public String name() {
    return name;
  }

  /** A copy-on-read view is not needed: callers must not mutate it. */
  public Configuration conf() {
    return conf;
  }

  public synchronized Connection hbase() throws IOException {
    if (hbase == null || hbase.isClosed()) {
      hbase = ConnectionFactory.createConnection(conf);
    }
    return hbase;
  }

  public synchronized DistributedFileSystem fs() throws IOException {
    if (fs == null) {
      FileSystem f = FileSystem.newInstance(URI.create(conf.get("fs.defaultFS")), conf);
      if (!(f instanceof DistributedFileSystem)) {
        f.close();
        throw new IOException("cluster " + name + ": fs.defaultFS=" + conf.get("fs.defaultFS")
            + " is not HDFS; Tandem needs HDFS snapshots");
      }
      fs = (DistributedFileSystem) f;
    }
    return fs;
  }

  /** The HDFS URI, e.g. {@code hdfs://nn:8020}. */
  public URI fsUri() {
    return URI.create(conf.get("fs.defaultFS"));
  }

  /** HBase's root dir, fully qualified, as ExportSnapshot needs it. */
  public String hbaseRootDir() throws IOException {
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(conf.get("hbase.rootdir"));
    return fs().makeQualified(root).toString();
  }

  /** The cluster's ZooKeeper quorum as a connect string (host:port,...). */
  public String zkConnectString() {
    String port = conf.get("hbase.zookeeper.property.clientPort", "2181");
    StringBuilder sb = new StringBuilder();
    for (String host : conf.getTrimmedStrings("hbase.zookeeper.quorum", "localhost")) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(host.contains(":") ? host : host + ":" + port);
    }
    return sb.toString();
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    try {
      if (hbase != null) {
        hbase.close();
      }
    } catch (IOException e) {
      first = e;
    }
    try {
      if (fs != null) {
        fs.close();
      }
    } catch (IOException e) {
      if (first == null) {
        first = e;
      }
    }
    hbase = null;
    fs = null;
    if (first != null) {
      throw first;
    }
  }

  @Override
  public String toString() {
    return "cluster " + name + " (" + conf.get("fs.defaultFS") + ")";
  }
}
