package io.tandem.testkit;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.curator.test.TestingServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
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
  private final boolean tandemRegionCoprocessors;
  private final AtomicBoolean started = new AtomicBoolean();
  private boolean authorization;
  private boolean tandemDefaults = true;
  private final java.util.Map<String, java.util.Map<String, String>> siteSettings = new java.util.HashMap<>();
  private int[] zkPorts = {0, 0, 0};
  private HBaseTestingUtility primary;
  private HBaseTestingUtility secondary;
  private TestingServer controllerZk;
  private long startMillis;

  /**
   * What a controller's first start leaves in its ZooKeeper for the guards (its root and the
   * {@code members} node they register under, with their ACLs), so guards that start before any
   * controller in this JVM register at once, as they do in an installed cluster.
   */
  private void prepareControllerZk() throws Exception {
    // The ACLs Tandem's ZkAcl gives these two nodes (owned: the participants read; members: they
    // also add their clusters), written out here so that this kit carries no Tandem class: the
    // clusters it runs for the installed-pack test must hold only the pack's jars.
    Id controller = new Id("digest", digestId(ZK_CONTROLLER_AUTH).substring("digest:".length()));
    Id participants = new Id("digest", digestId(ZK_PARTICIPANT_AUTH).substring("digest:".length()));
    List<ACL> owned = List.of(new ACL(ZooDefs.Perms.ALL, controller), new ACL(ZooDefs.Perms.READ, participants),
        new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    List<ACL> joinable = List.of(new ACL(ZooDefs.Perms.ALL, controller),
        new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, participants),
        new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    String[] auth = ZK_CONTROLLER_AUTH.split(":", 2);
    try (org.apache.curator.framework.CuratorFramework zk = org.apache.curator.framework.CuratorFrameworkFactory
        .builder().connectString(controllerZk.getConnectString())
        .retryPolicy(new org.apache.curator.retry.RetryNTimes(10, 100))
        .authorization(auth[0], auth[1].getBytes(java.nio.charset.StandardCharsets.UTF_8)).build()) {
      zk.start();
      zk.create().withACL(owned).forPath("/tandem");
      zk.create().withACL(joinable).forPath("/tandem/members");
    }
  }

  /** Credentials the controller presents to ZooKeeper in these clusters (a ZooKeeper digest). */
  public static final String ZK_CONTROLLER_AUTH = "digest:tandem-controller:controller-secret";
  /** Credentials the RegionServers and NameNodes present (their hbase-site/hdfs-site). */
  public static final String ZK_PARTICIPANT_AUTH = "digest:tandem-participant:participant-secret";

  /**
   * The ZooKeeper ACL settings with Tandem's defaults ({@code tandem.zk.acl.controller},
   * {@code tandem.zk.acl.participants}) and the credentials of {@code auth}; the clusters' sites
   * carry them with {@link #ZK_PARTICIPANT_AUTH}, a controller's tandem-site with
   * {@link #ZK_CONTROLLER_AUTH}.
   */
  public static java.util.Map<String, String> zkAclSettings(String auth) {
    return java.util.Map.of("tandem.zk.acl.controller", digestId(ZK_CONTROLLER_AUTH),
        "tandem.zk.acl.participants", digestId(ZK_PARTICIPANT_AUTH), "tandem.zk.auth", auth);
  }

  /** The ZooKeeper id {@code digest:user:<base64 sha1>} of {@code digest:user:password}. */
  public static String digestId(String auth) {
    try {
      return "digest:" + org.apache.zookeeper.server.auth.DigestAuthenticationProvider.generateDigest(
          auth.substring("digest:".length()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Clusters with Tandem's RegionServer coprocessors and NameNode parts loaded whenever their
   * classes are on the classpath.
   *
   * @param regionServers RegionServers per cluster (and DataNodes: one each); at least 1.
   */
  public EmbeddedClusters(int regionServers) {
    this(regionServers, true);
  }

  /**
   * @param regionServers RegionServers per cluster (and DataNodes: one each); at least 1.
   * @param tandemRegionCoprocessors false leaves Tandem's RegionServer coprocessors (the fence
   *     observer and the identity guard observer) out of both clusters even when their classes are
   *     on the classpath: the baseline against which benchmarks measure what the loaded, idle
   *     coprocessors cost. Everything else is configured the same.
   */
  public EmbeddedClusters(int regionServers, boolean tandemRegionCoprocessors) {
    if (regionServers < 1) {
      throw new IllegalArgumentException("regionServers must be >= 1, got " + regionServers);
    }
    this.regionServers = regionServers;
    this.tandemRegionCoprocessors = tandemRegionCoprocessors;
  }

  /**
   * Turns HBase authorization on in both clusters (the AccessController on master, RegionServers
   * and regions, as a secured production cluster runs it); call before {@link #start()}. This
   * JVM's user stays superuser; test users ({@code User.createUserForTesting}) get only what is
   * granted to them. HDFS permissions and ACLs are always on.
   */
  public EmbeddedClusters withAuthorization() {
    if (started.get()) {
      throw new IllegalStateException("withAuthorization() must come before start()");
    }
    this.authorization = true;
    return this;
  }

  /**
   * Configures Tandem's server-side parts from nothing but {@link #withSiteSettings} (as an
   * installed cluster is: its hbase-site.xml and hdfs-site.xml hold what the admin, or Ambari's
   * advisor, put there): no Tandem key or class is set by this class, whatever is on the
   * classpath. Call before {@link #start()}.
   */
  public EmbeddedClusters withoutTandemDefaults() {
    requireNotStarted("withoutTandemDefaults()");
    this.tandemDefaults = false;
    return this;
  }

  /**
   * Settings applied to one cluster's configuration (its hbase-site and hdfs-site, as one map)
   * after everything else, so they win. Call before {@link #start()}.
   *
   * @param cluster {@link #PRIMARY} or {@link #SECONDARY}
   */
  public EmbeddedClusters withSiteSettings(String cluster, java.util.Map<String, String> settings) {
    requireNotStarted("withSiteSettings()");
    if (!PRIMARY.equals(cluster) && !SECONDARY.equals(cluster)) {
      throw new IllegalArgumentException("cluster must be " + PRIMARY + " or " + SECONDARY + ", got " + cluster);
    }
    siteSettings.put(cluster, java.util.Map.copyOf(settings));
    return this;
  }

  /**
   * Fixed client ports for the primary's, the secondary's and the controller's ZooKeeper (0: any
   * free port), so settings that name a quorum can be computed before the clusters start. Call
   * before {@link #start()}.
   */
  public EmbeddedClusters withZkPorts(int primaryPort, int secondaryPort, int controllerPort) {
    requireNotStarted("withZkPorts()");
    this.zkPorts = new int[] {primaryPort, secondaryPort, controllerPort};
    return this;
  }

  private void requireNotStarted(String what) {
    if (started.get()) {
      throw new IllegalStateException(what + " must come before start()");
    }
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
      controllerZk = zkPorts[2] > 0 ? new TestingServer(zkPorts[2], true) : new TestingServer(true);
      if (tandemDefaults) {
        prepareControllerZk();
      }
      primary = newCluster(PRIMARY);
      secondary = newCluster(SECONDARY);
      // Sequentially: HBaseTestingUtility publishes its data dirs through JVM-wide system
      // properties, so two clusters starting at once trample each other's NameNode dirs.
      start(primary, zkPorts[0], siteSettings.get(PRIMARY));
      start(secondary, zkPorts[1], siteSettings.get(SECONDARY));
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
    if (!tandemDefaults) {
      return new HBaseTestingUtility(conf);
    }
    conf.set("tandem.cluster.name", name);
    // Snapshots hold files open for write at their length at the snapshot (HDFS-11402), as Tandem's
    // advisor recommends; the NameNode plugin refuses a cut's snapshots without it.
    conf.setBoolean(CAPTURE_OPEN_FILES, true);
    // Tandem's primary-side parts, when their modules are on the classpath (tests of the cut).
    if (tandemRegionCoprocessors && onClasspath(FENCE_OBSERVER)) {
      conf.set("hbase.coprocessor.user.region.classes", FENCE_OBSERVER);
    }
    if (onClasspath(NAMENODE_PLUGIN)) {
      conf.set("dfs.namenode.plugins", NAMENODE_PLUGIN);
    }
    // The identity guard, when its modules are on the classpath. It follows the identity record in
    // the controller's ZooKeeper; with no record there (the default) it refuses nothing.
    if (tandemRegionCoprocessors && onClasspath(GUARD_OBSERVER)) {
      String loaded = conf.getTrimmed("hbase.coprocessor.user.region.classes", "");
      conf.set("hbase.coprocessor.user.region.classes", loaded.isEmpty() ? GUARD_OBSERVER : loaded + "," + GUARD_OBSERVER);
    }
    if (onClasspath(GUARD_PROVIDER)) {
      conf.set("dfs.namenode.inode.attributes.provider.class", GUARD_PROVIDER);
    }
    conf.set("tandem.guard.zk.quorum", controllerZk.getConnectString());
    // Tandem's znodes protected, as docs/security.md tells admins to: the participants present their
    // own credentials; controllers built on these clusters present ZK_CONTROLLER_AUTH.
    zkAclSettings(ZK_PARTICIPANT_AUTH).forEach(conf::set);
    conf.setInt("tandem.guard.zk.session.timeout.ms", GUARD_SESSION_TIMEOUT_MS);
    // Tandem's own user, and this JVM's (the embedded controller and the tests' admin work run as it).
    conf.set("tandem.guard.bypass.users", GUARD_BYPASS_USER + "," + System.getProperty("user.name"));
    conf.setBoolean("dfs.permissions.enabled", true);
    if (authorization) {
      conf.setBoolean("hbase.security.authorization", true);
      conf.set("hbase.coprocessor.master.classes", ACCESS_CONTROLLER);
      conf.set("hbase.coprocessor.regionserver.classes", ACCESS_CONTROLLER);
      // System region coprocessors: loaded before (and independent of) Tandem's user region ones.
      conf.set("hbase.coprocessor.region.classes", ACCESS_CONTROLLER);
      // Cell tags need HFile v3.
      conf.setInt("hfile.format.version", 3);
      // The mini cluster runs each RegionServer as "<user>.hfs.<n>" (n grows as RegionServers are
      // restarted) and the master as this JVM's user: all of them are the cluster's own (system)
      // users, as "hbase" is in production, and must pass each other's checks.
      String me = System.getProperty("user.name");
      StringBuilder supers = new StringBuilder(me);
      for (int i = 0; i < regionServers + 20; i++) {
        supers.append(',').append(me).append(".hfs.").append(i);
      }
      conf.set("hbase.superuser", supers.toString());
    }
    HBaseTestingUtility util = new HBaseTestingUtility(conf);
    return util;
  }

  /** HDFS-11402: snapshots capture open files at their length at the snapshot. */
  public static final String CAPTURE_OPEN_FILES = "dfs.namenode.snapshot.capture.openfiles";
  static final String ACCESS_CONTROLLER = "org.apache.hadoop.hbase.security.access.AccessController";
  static final String FENCE_OBSERVER = "io.tandem.hbase.TandemRegionObserver";
  static final String NAMENODE_PLUGIN = "io.tandem.hdfs.TandemNameNodePlugin";
  static final String GUARD_OBSERVER = "io.tandem.hbase.TandemGuardObserver";
  static final String GUARD_PROVIDER = "io.tandem.hdfs.TandemAttributeProvider";
  /** Identity guards' session timeout to the controller's ZooKeeper: short, so partition tests stay short. */
  public static final int GUARD_SESSION_TIMEOUT_MS = 4000;
  /** The user whose writes the identity guards never refuse (Tandem's own service user). */
  public static final String GUARD_BYPASS_USER = "tandem";

  private static boolean onClasspath(String className) {
    try {
      Class.forName(className, false, EmbeddedClusters.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private void start(HBaseTestingUtility util, int zkPort, java.util.Map<String, String> settings) {
    try {
      // ZooKeeper first (startMiniCluster would start it after DFS), so the NameNode plugin is
      // told the quorum it watches for cuts before the NameNode starts.
      if (zkPort > 0) {
        util.startMiniZKCluster(1, zkPort);
      } else {
        util.startMiniZKCluster();
      }
      if (tandemDefaults) {
        util.getConfiguration().set("tandem.cut.zookeeper.quorum",
            "127.0.0.1:" + util.getZkCluster().getClientPort());
      }
      if (settings != null) {
        settings.forEach(util.getConfiguration()::set);
      }
      util.startMiniCluster(regionServers);
      if (authorization) {
        // The AccessController creates hbase:acl as the master starts; grants fail until it is up.
        util.waitTableAvailable(org.apache.hadoop.hbase.TableName.valueOf("hbase", "acl"), 60_000);
      }
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

  /**
   * Stops the controller's ZooKeeper, as if the controller's site were cut off; its port and data
   * stay, for {@link #restartControllerZk()}. Sessions to it see the connection drop at once.
   */
  public void stopControllerZk() throws IOException {
    require(controllerZk).stop();
  }

  /** Starts the controller's ZooKeeper again on the same port, with the same data. */
  public void restartControllerZk() throws Exception {
    require(controllerZk).restart();
  }

  /**
   * Expires one session of the controller's ZooKeeper, as the server does when a client stays cut
   * off longer than its session timeout. Returns once the server has closed the session and
   * removed its ephemeral nodes (the server does that asynchronously); the client learns on its
   * next contact that the session has expired.
   *
   * @param sessionId for example a node's {@code Stat.getEphemeralOwner()}
   * @throws IllegalStateException when the server still tracks the session after 30 s
   */
  public void expireControllerZkSession(long sessionId) throws ReflectiveOperationException, InterruptedException {
    // curator-test keeps its server private; this is the reach its own tests make.
    Method server = TestingServer.class.getDeclaredMethod("getTestingZooKeeperServer");
    server.setAccessible(true);
    Object testingServer = server.invoke(require(controllerZk));
    Field main = testingServer.getClass().getDeclaredField("main");
    main.setAccessible(true);
    Object zkMain = main.get(testingServer);
    Method factory = zkMain.getClass().getMethod("getServerCnxnFactory");
    factory.setAccessible(true);
    ZooKeeperServer zks = ((ServerCnxnFactory) factory.invoke(zkMain)).getZooKeeperServer();
    zks.expire(sessionId);
    Wait.await("ZooKeeper closed session 0x" + Long.toHexString(sessionId), Duration.ofSeconds(30),
        () -> !zks.getSessionTracker().isTrackingSession(sessionId));
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
