package io.tandem.controller.fault;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hdfs.DistributedFileSystem;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.controller.identity.IdentityService;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.identity.GuardAck;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;

/**
 * The clusters of one fault-injection class and a controller on them: a tandem-site.xml (short
 * ZooKeeper session, so a killed controller's locks go quickly) shared by the in-process
 * {@link ControllerContext} and the CLI processes the cases kill, and ZooKeeper clients to read
 * what Tandem leaves in the clusters' own ZooKeepers. The controller's root is {@code /tandem}, the
 * root the embedded clusters' identity guards follow, so protected data sets are really guarded.
 */
final class FaultEnv implements AutoCloseable {
  static final String ROOT = "/tandem";
  static final List<String> CLUSTERS = List.of(EmbeddedClusters.PRIMARY, EmbeddedClusters.SECONDARY);
  /** How long a killed controller's ZooKeeper session (its locks and holds) outlives it. */
  static final int SESSION_MS = 6000;
  static final Duration CLI_TIMEOUT = Duration.ofMinutes(3);

  final EmbeddedClusters clusters;
  final TandemConf conf;
  final ControllerContext ctx;
  final CliProcess cli;
  private final ServiceLocks locks;
  private final Map<String, CuratorFramework> clusterZk = new TreeMap<>();
  private final IdentityLayout layout = new IdentityLayout(ROOT);

  FaultEnv(EmbeddedClusters clusters, String name) throws Exception {
    this.clusters = clusters;
    this.conf = ControllerFixture.conf(clusters, ROOT);
    conf.set(TandemKeys.ZK_SESSION_TIMEOUT_MS, Integer.toString(SESSION_MS))
        .set(TandemKeys.GUARD_WAIT_MS, "30000")
        .set(TandemKeys.CUT_ARM_TIMEOUT_MS, "10000");
    this.ctx = ControllerContext.open(conf);
    this.cli = new CliProcess(conf, Path.of("target", "fault", name).toAbsolutePath());
    this.locks = new ServiceLocks(ctx.zk(), ROOT, "fault-test");
    for (String c : CLUSTERS) {
      CuratorFramework zk = ControllerFixture.primaryZkClient(EmbeddedClusters.zkQuorum(util(c)), 10_000, 5_000,
          new ExponentialBackoffRetry(100, 5));
      zk.start();
      if (!zk.blockUntilConnected(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("ZooKeeper of " + c + " unreachable");
      }
      clusterZk.put(c, zk);
    }
  }

  HBaseTestingUtility util(String cluster) {
    return EmbeddedClusters.PRIMARY.equals(cluster) ? clusters.primary() : clusters.secondary();
  }

  DistributedFileSystem fs(String cluster) throws IOException {
    return util(cluster).getDFSCluster().getFileSystem();
  }

  CuratorFramework clusterZk(String cluster) {
    return clusterZk.get(cluster);
  }

  String catalogDir() {
    return conf.get(TandemKeys.CATALOG_DIR);
  }

  ServiceLocks locks() {
    return locks;
  }

  /** The cluster the identity record names primary now (empty in transition). */
  String primaryName() {
    return ctx.identity().require().record().primary();
  }

  static String other(String cluster) {
    return EmbeddedClusters.PRIMARY.equals(cluster) ? EmbeddedClusters.SECONDARY : EmbeddedClusters.PRIMARY;
  }

  /** Lock nodes of the one-switch-at-a-time lock (a dead switch's goes with its session). */
  int switchLockNodes() throws Exception {
    String path = ROOT + "/switch/lock";
    return ctx.zk().checkExists().forPath(path) == null ? 0 : ctx.zk().getChildren().forPath(path).size();
  }

  /** The switch as the CLI runs it, with both clusters taken as healthy (they are, in these cases). */
  IdentityService identity() {
    return new IdentityService(ctx, c -> true, null, Duration.ofSeconds(30));
  }

  /** Every guard of {@code cluster} with its acknowledgement. */
  Map<String, GuardAck> acks(String cluster) throws Exception {
    String dir = layout.members(cluster);
    Map<String, GuardAck> out = new TreeMap<>();
    if (ctx.zk().checkExists().forPath(dir) == null) {
      return out;
    }
    for (String m : ctx.zk().getChildren().forPath(dir)) {
      try {
        out.put(m, GuardAck.decode(ctx.zk().getData().forPath(dir + "/" + m)));
      } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
        // that guard's session ended meanwhile
      }
    }
    return out;
  }

  /** The ZooKeeper session of each guard of {@code cluster}. */
  Map<String, Long> guardSessions(String cluster) throws Exception {
    String dir = layout.members(cluster);
    Map<String, Long> out = new TreeMap<>();
    for (String m : ctx.zk().getChildren().forPath(dir)) {
      org.apache.zookeeper.data.Stat st = ctx.zk().checkExists().forPath(dir + "/" + m);
      if (st != null) {
        out.put(m, st.getEphemeralOwner());
      }
    }
    return out;
  }

  /**
   * A service of one protected table {@code <name>:t} (3 regions, 20 rows) and one protected
   * directory {@code /data/<name>} (two 4 KB files), pushed, keeping {@code retain} cuts. The table
   * is created on the secondary too (empty, one region), so a refused write there is a refusal, not
   * a missing table.
   */
  Service service(String name, int retain) throws Exception {
    TableName t = ControllerFixture.table(clusters.primary(), name, "t");
    ControllerFixture.rows(clusters.primary(), t, 0, 20, "a");
    try (org.apache.hadoop.hbase.client.Admin admin = clusters.secondary().getConnection().getAdmin()) {
      if (!java.util.List.of(admin.listNamespaces()).contains(name)) {
        admin.createNamespace(org.apache.hadoop.hbase.NamespaceDescriptor.create(name).build());
      }
    }
    clusters.secondary().createTable(t, org.apache.hadoop.hbase.util.Bytes.toBytes("f"));
    String dir = "/data/" + name;
    FileSystem pfs = clusters.primary().getTestFileSystem();
    ControllerFixture.file(pfs, dir + "/part-0", 4096, 0);
    ControllerFixture.file(pfs, dir + "/part-1", 4096, 1);
    for (String c : CLUSTERS) {
      // The application user writes its own files there (the open-stream case).
      fs(c).mkdirs(new org.apache.hadoop.fs.Path(dir));
      fs(c).setPermission(new org.apache.hadoop.fs.Path(dir), new FsPermission((short) 0777));
    }
    java.time.Instant before = java.time.Instant.now();
    ctx.policies().create(new PolicySpec(name, List.of("hbase:" + name + ":t", "hdfs:" + dir), List.of("every:1h"),
        "push", retain, null, null, null, null));
    awaitGuardsRead(before);
    return new Service(name, t, dir);
  }

  /**
   * Waits until every guard of both clusters (a NameNode and RegionServers each) has re-read the
   * record and the protected sets at or after {@code since}: a policy's new data sets are guarded.
   */
  void awaitGuardsRead(java.time.Instant since) {
    ControllerFixture.await("every guard of both clusters applies the protected sets", Duration.ofSeconds(30), () -> {
      try {
        for (String c : CLUSTERS) {
          Map<String, GuardAck> acks = acks(c);
          if (acks.keySet().stream().noneMatch(m -> m.startsWith("namenode-"))
              || acks.keySet().stream().noneMatch(m -> m.startsWith("regionserver-"))
              || acks.values().stream().anyMatch(a -> a.appliedAt().isBefore(since))) {
            return false;
          }
        }
        return true;
      } catch (Exception e) {
        return false;
      }
    });
  }

  /** A business service of the cases. */
  record Service(String name, TableName table, String dir) {
  }

  /** {@code tandem gc} as the CLI runs it; returns its exit code and output. */
  String gc() throws IOException, InterruptedException {
    CliProcess.Result r = cli.run(null, CLI_TIMEOUT, "gc");
    StringBuilder sb = new StringBuilder("exit " + r.exit() + ":");
    for (String l : r.output().split("\n")) {
      int at = l.indexOf("gc.LeftoverCollector: ");
      if (at >= 0) {
        sb.append(' ').append(l.substring(at + "gc.LeftoverCollector: ".length()).strip()).append(';');
      } else if (l.startsWith("tandem:")) {
        sb.append(' ').append(l.strip()).append(';');
      }
    }
    return sb.toString();
  }

  @Override
  public void close() throws Exception {
    for (CuratorFramework zk : clusterZk.values()) {
      zk.close();
    }
    ctx.close();
  }
}
