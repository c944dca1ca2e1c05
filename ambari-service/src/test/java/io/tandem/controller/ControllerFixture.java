package io.tandem.controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;

import io.tandem.core.config.TandemKeys;
import io.tandem.testkit.EmbeddedClusters;

/**
 * Builds a controller against the embedded clusters the way a real deployment does: each
 * cluster's client config written to its own conf dir, and a tandem-site.xml pointing at them
 * and at the controller's ZooKeeper. Also loads sample data. Tests isolate by names.
 */
public final class ControllerFixture {
  private ControllerFixture() {
  }

  /** A TandemConf for the embedded clusters; {@code zkRoot} isolates this test's controller state. */
  public static TandemConf conf(EmbeddedClusters clusters, String zkRoot) throws IOException {
    Path dir = Files.createTempDirectory("tandem-conf-");
    Path p = EmbeddedClusters.writeConfDir(clusters.primary(), dir.resolve("primary"));
    Path s = EmbeddedClusters.writeConfDir(clusters.secondary(), dir.resolve("secondary"));
    Configuration c = new Configuration(false);
    TandemConf conf = new TandemConf(c);
    conf.set(TandemKeys.PRIMARY_CONF_DIR, p.toString())
        .set(TandemKeys.SECONDARY_CONF_DIR, s.toString())
        .set(TandemKeys.CONTROLLER_ZK_QUORUM, clusters.controllerZkQuorum())
        .set(TandemKeys.CONTROLLER_ZK_ROOT, zkRoot)
        .set(TandemKeys.CATALOG_DIR, "/tandem/catalog" + zkRoot)
        .set(TandemKeys.TRANSFER_MAPPERS, "2")
        .set(TandemKeys.DRILL_INTERVAL_HOURS, "0")
        .set(TandemKeys.HTTP_PORT, "0");
    EmbeddedClusters.zkAclSettings(EmbeddedClusters.ZK_CONTROLLER_AUTH).forEach(c::set);
    return conf;
  }

  /** The fenced cut's settings of a controller of the test clusters (with its ZooKeeper credentials). */
  public static io.tandem.controller.cut.FencedCutTaker.Settings cutSettings() {
    Configuration c = new Configuration(false);
    EmbeddedClusters.zkAclSettings(EmbeddedClusters.ZK_CONTROLLER_AUTH).forEach(c::set);
    return io.tandem.controller.cut.FencedCutTaker.Settings.from(c);
  }

  /** The controller's ZooKeeper ACL settings and credentials in the test clusters. */
  public static io.tandem.core.zk.ZkAcl zkAcl() {
    return cutSettings().zkAcl();
  }

  /**
   * An unstarted client of the controller's ZooKeeper presenting the controller's credentials and
   * creating nodes with the ACLs the controller gives them under /tandem (tests that play the
   * controller's part by hand).
   */
  public static org.apache.curator.framework.CuratorFramework controllerZkClient(String connect, int sessionMs,
      int connectionMs, org.apache.curator.RetryPolicy retry) {
    io.tandem.core.identity.IdentityLayout layout = new io.tandem.core.identity.IdentityLayout("/tandem");
    return io.tandem.controller.security.ZkAcls.apply(org.apache.curator.framework.CuratorFrameworkFactory.builder(),
        zkAcl(), path -> io.tandem.core.zk.ZkAcl.identityKind(layout, path))
        .connectString(connect).sessionTimeoutMs(sessionMs).connectionTimeoutMs(connectionMs).retryPolicy(retry).build();
  }

  /** As {@link #controllerZkClient}, for a primary cluster's ZooKeeper (the cut protocol's ACLs). */
  public static org.apache.curator.framework.CuratorFramework primaryZkClient(String connect, int sessionMs,
      int connectionMs, org.apache.curator.RetryPolicy retry) {
    io.tandem.core.cut.CutProtocol protocol = new io.tandem.core.cut.CutProtocol(io.tandem.core.cut.CutProtocol.DEFAULT_ROOT);
    return io.tandem.controller.security.ZkAcls.apply(org.apache.curator.framework.CuratorFrameworkFactory.builder(),
        zkAcl(), path -> io.tandem.core.zk.ZkAcl.cutKind(protocol, path))
        .connectString(connect).sessionTimeoutMs(sessionMs).connectionTimeoutMs(connectionMs).retryPolicy(retry).build();
  }

  public static ControllerContext open(EmbeddedClusters clusters, String zkRoot) throws IOException {
    return ControllerContext.open(conf(clusters, zkRoot));
  }

  /** Creates namespace {@code ns} (if needed) and table {@code ns:table} with family f, 3 regions. */
  public static TableName table(HBaseTestingUtility util, String ns, String table) throws IOException, InterruptedException {
    try (Admin admin = util.getConnection().getAdmin()) {
      if (!List.of(admin.listNamespaces()).contains(ns)) {
        admin.createNamespace(NamespaceDescriptor.create(ns).build());
      }
    }
    TableName tn = TableName.valueOf(ns, table);
    util.createTable(tn, new byte[][] {Bytes.toBytes("f")}, new byte[][] {Bytes.toBytes("r3"), Bytes.toBytes("r6")});
    util.waitTableAvailable(tn);
    return tn;
  }

  /** Writes rows r{from}..r{to-1} with value "v{i}-{tag}". */
  public static void rows(HBaseTestingUtility util, TableName tn, int from, int to, String tag) throws IOException {
    try (Table t = util.getConnection().getTable(tn)) {
      List<Put> puts = new ArrayList<>();
      for (int i = from; i < to; i++) {
        puts.add(new Put(Bytes.toBytes("r" + i)).addColumn(Bytes.toBytes("f"), Bytes.toBytes("q"),
            Bytes.toBytes("v" + i + "-" + tag)));
      }
      t.put(puts);
    }
  }

  public static void file(FileSystem fs, String path, int bytes, int seed) throws IOException {
    byte[] data = new byte[bytes];
    new java.util.Random(seed).nextBytes(data);
    try (FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
      out.write(data);
    }
  }

  /** Waits until {@code condition} holds; fails naming {@code what} when {@code timeout} passes. */
  public static void await(String what, java.time.Duration timeout, java.util.function.BooleanSupplier condition) {
    io.tandem.testkit.Wait.await(what, timeout, condition);
  }

  /**
   * Waits until {@code condition} answers true; an exception counts as "not yet" and is
   * attached to the failure naming {@code what} when {@code timeout} passes.
   */
  public static void until(String what, java.time.Duration timeout, java.util.concurrent.Callable<Boolean> condition) {
    io.tandem.testkit.Wait.until(what, timeout, condition);
  }

}
