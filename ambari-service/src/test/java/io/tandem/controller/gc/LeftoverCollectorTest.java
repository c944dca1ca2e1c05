package io.tandem.controller.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.curator.framework.CuratorFramework;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Table;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.controller.api.ApiServer;
import io.tandem.controller.cli.TandemCli;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.controller.cut.ClusterSwitches;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.json.Json;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * {@code tandem gc} on the real clusters: next to a COMPLETE cut made by a real backup run, it
 * lists exactly the planted leftovers (dry run through the CLI, which removes nothing), removes
 * them (through the API), leaves the COMPLETE cut restorable, leaves a busy service alone until
 * its lock is free, never deletes an unknown service's replica, and then finds nothing more.
 */
@ExtendWith(TwoClusters.class)
class LeftoverCollectorTest {
  private static final String SERVICE = "gcsvc";
  private static final String BUSY = "gcbusy";
  private static final String DIR = "/data/gcsvc/events";
  private static final String SCRATCH = LeftoverCollector.SCRATCH_DIR + "/verify-gc-left";
  private static final int SESSION_MS = 6000;
  private static EmbeddedClusters clusters;
  private static TandemConf conf;
  private static ControllerContext ctx;
  private static ApiServer api;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    conf = ControllerFixture.conf(c, "/gc").set(TandemKeys.ZK_SESSION_TIMEOUT_MS, Integer.toString(SESSION_MS));
    ctx = ControllerContext.open(conf);
    // Only the routes' own wiring: the gc route needs neither the health probe nor the identity service.
    api = new ApiServer(ctx, null, null, () -> true, () -> null, "127.0.0.1", 0);
    api.start();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (api != null) {
      api.close();
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void removesExactlyTheLeftoversAndKeepsTheCompleteCutRestorable() throws Exception {
    ClusterConnection primary = ctx.primary();
    ClusterConnection secondary = ctx.secondary();
    FileSystem pfs = clusters.primary().getTestFileSystem();
    FileSystem sfs = clusters.secondary().getTestFileSystem();

    // A COMPLETE cut by a real backup run.
    TableName orders = ControllerFixture.table(clusters.primary(), SERVICE, "orders");
    ControllerFixture.rows(clusters.primary(), orders, 0, 50, "a");
    ControllerFixture.file(pfs, DIR + "/part-0", 30_000, 1);
    ctx.policies().create(new PolicySpec(SERVICE, List.of("hbase:" + SERVICE + ":*", "hdfs:" + DIR),
        List.of("every:1h"), "push", 3, null, null, null, null));
    Manifest good = ctx.backups().run(SERVICE, Instant.now(), null);
    assertEquals(CutState.COMPLETE, good.state(), () -> "cut: " + good.reason());

    // Leftovers, named as Tandem names them, of cuts the catalog does not hold.
    String ghost = CutNames.cutId(SERVICE, Instant.parse("2026-01-02T03:04:05Z"));
    String stale = CutNames.cutId(SERVICE, Instant.parse("2026-01-03T00:00:00Z"));
    String busyCut = CutNames.cutId(BUSY, Instant.parse("2026-01-04T00:00:00Z"));
    String ghostTableSnap = CutNames.tableSnapshot(ghost, orders.getNameAsString());
    String busyTableSnap = CutNames.tableSnapshot(busyCut, orders.getNameAsString());
    try (Admin admin = primary.hbase().getAdmin()) {
      admin.snapshot(ghostTableSnap, orders);
      admin.snapshot(busyTableSnap, orders);
    }
    String replica = ctx.backups().replicaPath(SERVICE, DIR);
    pfs.createSnapshot(new Path(DIR), CutNames.dirSnapshot(ghost));
    sfs.createSnapshot(new Path(replica), CutNames.dirSnapshot(ghost));
    ControllerFixture.file(pfs, SCRATCH + "/part", 1234, 7);
    String staging = Path.getPathWithoutSchemeAndAuthority(
        new Path(secondary.hbaseRootDir() + "/.hbase-snapshot/.tmp/" + ghostTableSnap)).toString();
    sfs.mkdirs(new Path(staging));
    String cutZnode = new CutProtocol(conf.get(TandemKeys.CUT_ZK_ROOT)).cutPath(stale);
    String switchesPath = ClusterSwitches.pathFor(conf.get(TandemKeys.CUT_ZK_ROOT));
    try (CuratorFramework zk = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT)) {
      zk.create().creatingParentsIfNeeded().forPath(cutZnode + "/armed");
    }
    String unknownReplica = conf.get(TandemKeys.REPLICA_DIR) + "/gcghost";
    ControllerFixture.file(sfs, unknownReplica + "/x", 100, 2);
    setSwitches(primary, ClusterSwitches.State.ALL_ON);
    // A controller that died in a cut: switches off, the record left, its holder gone with its session.
    CuratorFramework doomed = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT);
    new ClusterSwitches(primary, doomed, switchesPath).hold("gc-dead-cut");
    doomed.close();
    assertEquals(new ClusterSwitches.State(false, false, false), switches(primary));

    String p = primary.name();
    String s = secondary.name();
    Set<String> leftovers = Set.of(
        "HBASE_SNAPSHOT " + p + " " + ghostTableSnap,
        "HDFS_SNAPSHOT " + p + " " + DIR + "/.snapshot/" + CutNames.dirSnapshot(ghost),
        "HDFS_SNAPSHOT " + s + " " + replica + "/.snapshot/" + CutNames.dirSnapshot(ghost),
        "EXPORT_STAGING " + s + " " + staging,
        "CUT_ZNODE " + p + " " + cutZnode,
        "SWITCHES " + p + " " + switchesPath);
    String unknown = "UNKNOWN_REPLICA " + s + " " + unknownReplica;
    // Scratch names carry no service: they wait while any service is busy.
    String scratch = "SCRATCH " + p + " " + SCRATCH;

    ServiceLocks locks = new ServiceLocks(ctx.zk(), conf.get(TandemKeys.CONTROLLER_ZK_ROOT), "test");
    ServiceLocks.Held busyLock = locks.lock(BUSY, "a cut in flight", Duration.ZERO);
    try {
      // Dry run, through the CLI: exactly the leftovers (and the unknown replica), nothing removed.
      LeftoverCollector.Report dry = cli("gc", "--dry-run", "--json");
      assertTrue(dry.dryRun());
      assertEquals(union(leftovers, Set.of(unknown)), ours(dry), Json.write(dry));
      assertTrue(dry.items().stream().noneMatch(LeftoverCollector.Item::removed), "a dry run removes nothing");
      assertTrue(dry.busy().contains(BUSY), "the locked service is reported busy: " + dry.busy());
      assertTrue(dry.items().stream().noneMatch(i -> good.cutId().equals(i.cutId())), "the COMPLETE cut is kept");
      try (Admin admin = primary.hbase().getAdmin()) {
        assertEquals(1, admin.listSnapshots(Pattern.compile(Pattern.quote(ghostTableSnap))).size());
      }
      assertTrue(pfs.exists(new Path(DIR + "/.snapshot/" + CutNames.dirSnapshot(ghost))));
      assertTrue(sfs.exists(new Path(replica + "/.snapshot/" + CutNames.dirSnapshot(ghost))));
      assertTrue(pfs.exists(new Path(SCRATCH + "/part")));
      assertTrue(sfs.exists(new Path(staging)));
      assertTrue(znodeExists(primary, cutZnode));
      assertEquals(new ClusterSwitches.State(false, false, false), switches(primary), "the dry run restored nothing");

      // The real run, through the API.
      HttpResponse<String> bad = post("");
      assertEquals(400, bad.statusCode(), bad.body());
      HttpResponse<String> r = post("{\"dryRun\": false}");
      assertEquals(200, r.statusCode(), r.body());
      LeftoverCollector.Report real = Json.read(r.body().getBytes(StandardCharsets.UTF_8),
          LeftoverCollector.Report.class, "gc report");
      assertFalse(real.dryRun());
      assertEquals(union(leftovers, Set.of(unknown)), ours(real), r.body());
      for (LeftoverCollector.Item i : real.items()) {
        if (ours(i)) {
          assertEquals(i.kind() != LeftoverCollector.Kind.UNKNOWN_REPLICA, i.removed(), i.toString());
        }
      }
      try (Admin admin = primary.hbase().getAdmin()) {
        assertTrue(admin.listSnapshots(Pattern.compile(Pattern.quote(ghostTableSnap))).isEmpty());
        assertEquals(1, admin.listSnapshots(Pattern.compile(Pattern.quote(busyTableSnap))).size(),
            "the busy service's snapshot is left alone");
      }
      assertFalse(pfs.exists(new Path(DIR + "/.snapshot/" + CutNames.dirSnapshot(ghost))));
      assertFalse(sfs.exists(new Path(replica + "/.snapshot/" + CutNames.dirSnapshot(ghost))));
      assertTrue(pfs.exists(new Path(SCRATCH + "/part")), "scratch waits while a service is busy");
      assertFalse(sfs.exists(new Path(staging)));
      assertFalse(znodeExists(primary, cutZnode));
      assertFalse(znodeExists(primary, switchesPath));
      assertEquals(ClusterSwitches.State.ALL_ON, switches(primary), "the dead controller's switches are back");
      assertTrue(sfs.exists(new Path(unknownReplica + "/x")), "replica data is never deleted");
      assertTrue(pfs.exists(new Path(DIR + "/.snapshot/" + CutNames.dirSnapshot(good.cutId()))), "the cut's own");
      assertTrue(sfs.exists(new Path(replica + "/.snapshot/" + CutNames.dirSnapshot(good.cutId()))));
    } finally {
      busyLock.close();
    }

    // The COMPLETE cut still restores.
    ctx.restores().restore(SERVICE, good.cutId(), false);
    try (Table t = clusters.secondary().getConnection().getTable(orders)) {
      assertEquals(50, clusters.secondary().countRows(t));
    }
    assertEquals(30_000, sfs.getFileStatus(new Path(DIR + "/part-0")).getLen());

    // Its lock free, the busy service's leftover and the scratch go; then nothing is left but the unknown replica.
    LeftoverCollector collector = new LeftoverCollector(ctx.roles(), ctx.conf(), locks::isLocked);
    LeftoverCollector.Report second = collector.collect(false);
    assertEquals(Set.of("HBASE_SNAPSHOT " + p + " " + busyTableSnap, scratch, unknown), ours(second),
        Json.write(second));
    assertTrue(item(second, "HBASE_SNAPSHOT").removed());
    assertTrue(item(second, "SCRATCH").removed());
    assertEquals(1234L, item(second, "SCRATCH").bytes(), "the scratch dir's size");
    assertFalse(pfs.exists(new Path(SCRATCH)));
    try (Admin admin = primary.hbase().getAdmin()) {
      assertTrue(admin.listSnapshots(Pattern.compile(Pattern.quote(busyTableSnap))).isEmpty());
    }
    LeftoverCollector.Report third = collector.collect(false);
    assertEquals(Set.of(unknown), ours(third), Json.write(third));
    assertTrue(third.items().stream().noneMatch(LeftoverCollector.Item::removed), Json.write(third));
    assertTrue(third.ok(), third.errors().toString());
  }

  /**
   * The items this test made: the shared clusters may hold other test classes' cuts, which this
   * controller's catalog does not know.
   */
  private static boolean ours(LeftoverCollector.Item i) {
    if (i.cutId() != null) {
      String service = LeftoverCollector.serviceOf(i.cutId());
      return service.equals(SERVICE) || service.equals(BUSY);
    }
    return switch (i.kind()) {
      case SCRATCH -> i.name().equals(SCRATCH);
      case UNKNOWN_REPLICA -> i.name().endsWith("/gcghost");
      case SWITCHES -> true;
      default -> false;
    };
  }

  private static Set<String> ours(LeftoverCollector.Report r) {
    return r.items().stream().filter(LeftoverCollectorTest::ours)
        .map(i -> i.kind() + " " + i.cluster() + " " + i.name()).collect(Collectors.toCollection(TreeSet::new));
  }

  private static LeftoverCollector.Item item(LeftoverCollector.Report r, String kind) {
    return r.items().stream().filter(LeftoverCollectorTest::ours).filter(i -> i.kind().name().equals(kind))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " in " + r.items()));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.addAll(b);
    return out;
  }

  private static LeftoverCollector.Report cli(String... args) throws Exception {
    java.nio.file.Path site = Files.createTempDirectory("gc-cli").resolve("tandem-site.xml");
    try (OutputStream out = new FileOutputStream(site.toFile())) {
      conf.raw().writeXml(out);
    }
    String[] full = new String[args.length + 2];
    full[0] = "--conf";
    full[1] = site.toString();
    System.arraycopy(args, 0, full, 2, args.length);
    StringWriter captured = new StringWriter();
    StringWriter err = new StringWriter();
    int code = TandemCli.run(full, new PrintWriter(captured), new PrintWriter(err));
    assertEquals(0, code, captured + " " + err);
    return Json.read(captured.toString().getBytes(StandardCharsets.UTF_8), LeftoverCollector.Report.class, "tandem gc --json output");
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return io.tandem.controller.api.ApiClient.admin(api.port()).call("POST", "/api/v1/gc", body);
  }

  private static boolean znodeExists(ClusterConnection primary, String path) throws Exception {
    try (CuratorFramework zk = ClusterSwitches.connect(primary, SESSION_MS, ControllerFixture.zkAcl(), io.tandem.core.cut.CutProtocol.DEFAULT_ROOT)) {
      return zk.checkExists().forPath(path) != null;
    }
  }

  private static ClusterSwitches.State switches(ClusterConnection c) throws Exception {
    try (Admin admin = c.hbase().getAdmin()) {
      return ClusterSwitches.State.of(admin);
    }
  }

  private static void setSwitches(ClusterConnection c, ClusterSwitches.State s) throws Exception {
    try (Admin admin = c.hbase().getAdmin()) {
      admin.balancerSwitch(s.balancer(), true);
      admin.splitSwitch(s.split(), true);
      admin.mergeSwitch(s.merge(), true);
    }
  }
}
