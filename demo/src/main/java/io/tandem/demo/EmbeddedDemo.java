package io.tandem.demo;

import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.fs.permission.AclEntry;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hbase.security.access.GetUserPermissionsRequest;
import org.apache.hadoop.hbase.security.access.Permission;
import org.apache.hadoop.hbase.security.access.UserPermission;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;

import org.apache.hadoop.hbase.StartMiniClusterOption;
import org.apache.hadoop.hbase.client.Get;

import io.tandem.client.TandemClient;
import io.tandem.controller.ControllerContext;
import io.tandem.controller.identity.SwitchReport;
import io.tandem.controller.ControllerDaemon;
import io.tandem.controller.TandemConf;
import io.tandem.controller.cli.TandemCli;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.testkit.EmbeddedClusters;

/**
 * The embedded default: two in-process clusters, sample data for two services, their policies
 * (created through the CLI), a push and a pull backup, an incremental second cut, verification,
 * a restore on the secondary, then a failover with an application following through
 * TandemClient and a failback — printing what it did and the figures. Exit code 0 only if every
 * step checked out.
 */
public final class EmbeddedDemo {
  private static final PrintWriter OUT = new PrintWriter(System.out, true);

  private EmbeddedDemo() {
  }

  public static void main(String[] args) throws Exception {
    int rc;
    try {
      rc = run(Path.of(args.length > 0 ? args[0] : "target/demo"));
    } catch (Exception e) {
      OUT.println("DEMO FAILED: " + e);
      e.printStackTrace();
      rc = 1;
    }
    // Mini clusters leave non-daemon threads behind; the demo's verdict is its exit code.
    Runtime.getRuntime().halt(rc);
  }

  static int run(Path work) throws Exception {
    long t0 = System.nanoTime();
    Files.createDirectories(work);
    say("Starting two in-process Hadoop clusters (primary, secondary: HDFS + HBase + ZooKeeper each) and the controller's ZooKeeper...");
    // Secured as production clusters are: HBase's AccessController on, HDFS permissions and ACLs on.
    try (EmbeddedClusters clusters = new EmbeddedClusters(1).withAuthorization().start()) {
      say("  clusters up in %.1f s: primary %s, secondary %s", clusters.startMillis() / 1000.0,
          EmbeddedClusters.fsUri(clusters.primary()), EmbeddedClusters.fsUri(clusters.secondary()));
      Path site = writeSite(clusters, work);
      say("  controller config: %s (cluster client configs in %s)", site, work.resolve("conf"));

      say("Loading sample data on the primary...");
      HBaseTestingUtility p = clusters.primary();
      TableName orders = table(p, "billing", "orders");
      TableName invoices = table(p, "billing", "invoices");
      TableName contacts = table(p, "crm", "contacts");
      rows(p, orders, 0, 5000, "v1");
      rows(p, invoices, 0, 2000, "v1");
      rows(p, contacts, 0, 1000, "v1");
      FileSystem pfs = p.getTestFileSystem();
      for (int i = 0; i < 8; i++) {
        file(pfs, "/data/billing/events/part-" + i, 1 << 20, i);
      }
      file(pfs, "/data/billing/ledger/2026-11.csv", 256 << 10, 100);
      file(pfs, "/data/crm/exports/contacts.avro", 512 << 10, 200);
      say("  billing: tables billing:orders (5000 rows), billing:invoices (2000 rows); dirs /data/billing/events (8 MB), /data/billing/ledger");
      say("  crm: table crm:contacts (1000 rows); dir /data/crm/exports");

      say("Granting access on the primary (the user data that must follow billing)...");
      try (Admin admin = p.getConnection().getAdmin()) {
        admin.grant(new UserPermission("analyst", Permission.newBuilder(orders).withActions(Permission.Action.READ)
            .build()), false);
        admin.grant(new UserPermission("@finance", Permission.newBuilder("billing").withActions(Permission.Action.READ,
            Permission.Action.WRITE).build()), false);
      }
      org.apache.hadoop.fs.Path ledger = new org.apache.hadoop.fs.Path("/data/billing/ledger");
      pfs.setOwner(ledger, "billing", "finance");
      pfs.setPermission(ledger, new FsPermission((short) 0750));
      pfs.modifyAclEntries(ledger, AclEntry.parseAclSpec("group:auditors:r-x", true));
      say("  HBase: analyst R on billing:orders, @finance RW on namespace billing; HDFS: /data/billing/ledger billing:finance 0750 + group:auditors:r-x");

      say("Creating policies with the CLI (tandem policy create)...");
      cli(site, "policy", "create", "--service", "billing", "--dataset", "hbase:billing:*",
          "--dataset", "hdfs:/data/billing/events", "--dataset", "hdfs:/data/billing/ledger",
          "--schedule", "every:1h", "--mode", "push", "--retain", "3", "--user", "analyst");
      cli(site, "policy", "create", "--service", "crm", "--dataset", "hbase:crm:contacts",
          "--dataset", "hdfs:/data/crm/exports", "--schedule", "cron:30 2 * * *", "--mode", "pull");
      say("  a bad policy is refused with a clear error:");
      int bad = cli(site, "policy", "create", "--service", "bad", "--dataset", "hbase:billing:nosuch",
          "--schedule", "cron:0 25 * * *");
      check(bad != 0, "invalid policy must be refused");

      boolean ok = true;
      try (ControllerContext ctx = ControllerContext.open(TandemConf.load(site))) {
        ControllerDaemon daemon = new ControllerDaemon(ctx);
        daemon.start();
        say("Controller daemon running, API on http://127.0.0.1:%d/api/v1/", daemon.port());

        Manifest b1 = backup(ctx, "billing", "push, first cut: full copy");
        rows(p, orders, 5000, 5200, "v2");
        file(pfs, "/data/billing/events/part-new", 1 << 20, 77);
        pfs.delete(new org.apache.hadoop.fs.Path("/data/billing/events/part-0"), false);
        Manifest b2 = backup(ctx, "billing", "push, second cut after 200 new rows and one file changed: incremental");
        Manifest c1 = backup(ctx, "crm", "pull, first cut");
        ok &= b1.state() == CutState.COMPLETE && b2.state() == CutState.COMPLETE && c1.state() == CutState.COMPLETE;
        check(b2.bytesCopied() < b2.bytesInCut(), "second cut must be incremental");

        say("Controller status (GET /api/v1/status):");
        HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + daemon.port() + "/api/v1/status?user.name="
            + org.apache.hadoop.security.UserGroupInformation.getCurrentUser().getShortUserName())).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : status.body().split("\n")) {
          if (line.contains("\"service\"") || line.contains("\"state\"") || line.contains("newestCompleteAge")
              || line.contains("\"healthy\"")) {
            say("  %s", line.trim());
          }
        }

        say("Restore drills (tandem drill run): each service's newest cut restored into scratch tables and"
            + " directories on the secondary, compared with its snapshots on the primary (HashTable + SyncTable"
            + " --dryrun, file checksums), then removed...");
        for (String svc : List.of("billing", "crm")) {
          long d0 = System.nanoTime();
          int rc = cli(site, "drill", "run", svc);
          say("  drill of %s: %s in %.1f s", svc, rc == 0 ? "PASSED" : "FAILED", (System.nanoTime() - d0) / 1e9);
          ok &= rc == 0;
        }

        say("Restoring billing's cut %s on the secondary (tandem restore)...", b2.cutId());
        long r0 = System.nanoTime();
        cli(site, "restore", "--service", "billing", "--cut", b2.cutId());
        say("  restored in %.1f s", (System.nanoTime() - r0) / 1e9);
        HBaseTestingUtility s = clusters.secondary();
        long restoredOrders;
        try (Table t = s.getConnection().getTable(orders)) {
          restoredOrders = s.countRows(t);
        }
        long files = s.getTestFileSystem().getContentSummary(new org.apache.hadoop.fs.Path("/data/billing/events")).getFileCount();
        say("  on the secondary now: billing:orders has %d rows (primary had 5200 at the cut), /data/billing/events has %d files (8 at the cut)",
            restoredOrders, files);
        ok &= restoredOrders == 5200 && files == 8;
        ok &= usersFollow(site, p, s, orders);

        ok &= failoverAndBack(clusters, ctx, daemon, orders);
        daemon.close();
      }
      say("Demo %s in %.1f s.", ok ? "SUCCEEDED" : "FAILED", (System.nanoTime() - t0) / 1e9);
      return ok ? 0 : 1;
    }
  }

  /**
   * The primary dies; the controller reports it faulty; the admin confirms the switch; an
   * application using TandemClient follows to the secondary and writes there; the old primary
   * returns as secondary, is resynced, and a planned switch gives the roles back.
   */
  private static boolean failoverAndBack(EmbeddedClusters clusters, ControllerContext ctx, ControllerDaemon daemon,
      TableName orders) throws Exception {
    byte[] f = Bytes.toBytes("f");
    byte[] q = Bytes.toBytes("q");
    try (TandemClient app = new TandemClient(clusters.controllerZkQuorum(), "/tandem")) {
      say("Failover. An application uses TandemClient; it is on cluster '%s' (epoch %d).", app.activeCluster(),
          app.identity().epoch());
      say("The primary fails (its HBase and NameNode stop)...");
      long f0 = System.nanoTime();
      clusters.primary().shutdownMiniHBaseCluster();
      clusters.primary().getDFSCluster().shutdownNameNodes();
      waitFor(() -> daemon.health().last().get("primary") != null
          && daemon.health().last().get("primary").faultySince() != null, 120);
      say("  controller reports: primary cluster FAULTY after %.1f s (the Ambari alert 'primary faulty' reads this)",
          (System.nanoTime() - f0) / 1e9);
      say("  $ tandem identity switch --to secondary --dry-run");
      SwitchReport dry = daemon.identity().switchTo("secondary", false, true, null);
      for (String w : dry.lossWarnings()) {
        say("    WARNING: %s", w);
      }
      say("  $ tandem identity switch --to secondary --confirm   (the admin confirms)");
      SwitchReport sw = daemon.identity().switchTo("secondary", true, false, null);
      say("    secondary is PRIMARY at epoch %d: guards demoted in %d ms, newest cuts restored in %.1f s, switch %.1f s",
          sw.epochAfter(), sw.demoteMillis(), sw.restoreMillis() / 1000.0, sw.totalMillis() / 1000.0);
      waitFor(() -> "secondary".equals(app.activeCluster()), 30);
      long rows;
      try (Table t = app.connection().getTable(orders)) {
        rows = clusters.secondary().countRows(t);
        t.put(new Put(Bytes.toBytes("after-failover")).addColumn(f, q, Bytes.toBytes("written on the secondary")));
      }
      say("  the application follows to '%s': billing:orders has %d rows; it writes a new row there", app.activeCluster(), rows);

      say("Failback. The old primary returns (as secondary: its guards refuse application writes)...");
      clusters.primary().getDFSCluster().restartNameNodes();
      clusters.primary().getDFSCluster().waitActive();
      clusters.primary().startMiniHBaseCluster(StartMiniClusterOption.builder().numRegionServers(1).build());
      waitFor(() -> daemon.health().healthy("primary"), 180);
      Manifest resync = backup(ctx, "billing", "resync from the new primary back to the old one");
      say("  $ tandem identity switch --to primary --confirm   (planned: final cut, restore, promote)");
      SwitchReport back = daemon.identity().switchTo("primary", true, false, null);
      say("    primary is PRIMARY again at epoch %d (planned=%s), switch %.1f s", back.epochAfter(), back.planned(),
          back.totalMillis() / 1000.0);
      waitFor(() -> "primary".equals(app.activeCluster()), 30);
      String v;
      try (Table t = app.connection().getTable(orders)) {
        v = Bytes.toString(t.get(new Get(Bytes.toBytes("after-failover"))).getValue(f, q));
      }
      say("  the application is back on '%s'; the row written during the failover reads: \"%s\"", app.activeCluster(), v);
      return rows == 5200 && resync.state() == CutState.COMPLETE && "written on the secondary".equals(v);
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier cond, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    Object lock = new Object();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("demo: condition not reached within " + seconds + " s");
      }
      synchronized (lock) {
        lock.wait(200);
      }
    }
  }

  private static Manifest backup(ControllerContext ctx, String service, String what) {
    say("Backup of %s (%s)...", service, what);
    long t = System.nanoTime();
    Manifest m = ctx.backups().run(service, Instant.now(), p -> { });
    double secs = (System.nanoTime() - t) / 1e9;
    say("  cut %s: %s in %.1f s; %s in cut, %s copied (%s/s over %d s of copying); method %s, consistent=%s, fence window %d ms",
        m.cutId(), m.state(), secs, mb(m.bytesInCut()), mb(m.bytesCopied()),
        mb(m.copySeconds() > 0 ? m.bytesCopied() / m.copySeconds() : m.bytesCopied()), m.copySeconds(),
        m.cutMethod(), m.consistent(), m.fenceWindowMs());
    for (Manifest.TableEntry te : m.tables()) {
      say("    table %-18s %6d rows verified (hash %s), %s copied of %s", te.table(), te.rows(),
          te.contentHash().substring(0, 12), mb(te.bytesCopied()), mb(te.bytes()));
    }
    for (Manifest.DirEntry d : m.dirs()) {
      say("    dir   %-24s %3d files verified, %s copied of %s, %s", d.path(), d.files(), mb(d.bytesCopied()),
          mb(d.bytes()), d.incremental() ? "incremental (snapshot diff)" : "full copy");
    }
    if (m.reason() != null) {
      say("    reason: %s", m.reason());
    }
    return m;
  }

  /** The restore brought billing's grants and ACLs; a revoke on the primary reaches the secondary with a sync. */
  private static boolean usersFollow(Path site, HBaseTestingUtility p, HBaseTestingUtility s, TableName orders)
      throws Exception {
    org.apache.hadoop.fs.Path ledger = new org.apache.hadoop.fs.Path("/data/billing/ledger");
    boolean ok;
    try (Admin pa = p.getConnection().getAdmin(); Admin sa = s.getConnection().getAdmin()) {
      List<String> pg = grants(pa, orders);
      List<String> sg = grants(sa, orders);
      var pAcl = p.getTestFileSystem().getAclStatus(ledger);
      var sAcl = s.getTestFileSystem().getAclStatus(ledger);
      say("  user data restored with it: billing:orders grants on the secondary %s (primary %s); /data/billing/ledger %s:%s %s on the secondary",
          sg, pg, sAcl.getOwner(), sAcl.getGroup(), sAcl.getEntries());
      ok = pg.equals(sg) && pAcl.getEntries().equals(sAcl.getEntries()) && pAcl.getOwner().equals(sAcl.getOwner());
      say("Revoking analyst on the primary; the next sync carries it (tandem users sync)...");
      pa.revoke(new UserPermission("analyst", Permission.newBuilder(orders).withActions(Permission.Action.READ).build()));
      cli(site, "users", "sync", "--service", "billing", "--dry-run");
      ok &= cli(site, "users", "sync", "--service", "billing") == 0;
      List<String> after = grants(sa, orders);
      say("  billing:orders grants on the secondary now: %s", after);
      ok &= after.equals(grants(pa, orders)) && after.stream().noneMatch(g -> g.startsWith("analyst"));
    }
    return ok;
  }

  private static List<String> grants(Admin admin, TableName t) throws Exception {
    return admin.getUserPermissions(GetUserPermissionsRequest.newBuilder(t).build()).stream()
        .map(up -> up.getUser() + ":" + java.util.Arrays.toString(up.getPermission().getActions()))
        .sorted().toList();
  }

  private static int cli(Path site, String... args) {
    List<String> all = new ArrayList<>(List.of("--conf", site.toString()));
    all.addAll(List.of(args));
    say("  $ tandem %s", String.join(" ", args));
    int rc = TandemCli.run(all.toArray(new String[0]), OUT, OUT);
    say("    (exit %d)", rc);
    return rc;
  }

  private static Path writeSite(EmbeddedClusters clusters, Path work) throws Exception {
    Path confs = work.resolve("conf");
    Path p = EmbeddedClusters.writeConfDir(clusters.primary(), confs.resolve("primary"));
    Path s = EmbeddedClusters.writeConfDir(clusters.secondary(), confs.resolve("secondary"));
    Configuration c = new Configuration(false);
    c.set(TandemKeys.PRIMARY_CONF_DIR.name(), p.toAbsolutePath().toString());
    c.set(TandemKeys.SECONDARY_CONF_DIR.name(), s.toAbsolutePath().toString());
    c.set(TandemKeys.CONTROLLER_ZK_QUORUM.name(), clusters.controllerZkQuorum());
    EmbeddedClusters.zkAclSettings(EmbeddedClusters.ZK_CONTROLLER_AUTH).forEach(c::set);
    c.set(TandemKeys.HTTP_PORT.name(), "0");
    c.set(TandemKeys.HTTP_BIND_HOST.name(), "127.0.0.1");
    c.set(TandemKeys.TRANSFER_MAPPERS.name(), "2");
    c.set(TandemKeys.SCHEDULER_TICK_MS.name(), "3600000");
    c.set(TandemKeys.WATCH_INTERVAL_MS.name(), "1000");
    c.set(TandemKeys.GUARD_WAIT_MS.name(), "30000");
    Path site = confs.resolve("tandem-site.xml");
    try (OutputStream out = new FileOutputStream(site.toFile())) {
      c.writeXml(out);
    }
    return site;
  }

  private static TableName table(HBaseTestingUtility util, String ns, String name) throws Exception {
    try (Admin admin = util.getConnection().getAdmin()) {
      if (!List.of(admin.listNamespaces()).contains(ns)) {
        admin.createNamespace(NamespaceDescriptor.create(ns).build());
      }
    }
    TableName tn = TableName.valueOf(ns, name);
    util.createTable(tn, new byte[][] {Bytes.toBytes("f")}, new byte[][] {Bytes.toBytes("r3"), Bytes.toBytes("r6")});
    util.waitTableAvailable(tn);
    return tn;
  }

  private static void rows(HBaseTestingUtility util, TableName tn, int from, int to, String tag) throws Exception {
    try (Table t = util.getConnection().getTable(tn)) {
      List<Put> puts = new ArrayList<>();
      for (int i = from; i < to; i++) {
        puts.add(new Put(Bytes.toBytes("r" + i)).addColumn(Bytes.toBytes("f"), Bytes.toBytes("q"),
            Bytes.toBytes("value-" + i + "-" + tag)));
      }
      t.put(puts);
    }
  }

  private static void file(FileSystem fs, String path, int bytes, int seed) throws Exception {
    byte[] data = new byte[bytes];
    new java.util.Random(seed).nextBytes(data);
    try (FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
      out.write(data);
    }
  }

  private static void check(boolean cond, String what) {
    if (!cond) {
      throw new IllegalStateException("demo check failed: " + what);
    }
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.2f MB", bytes / 1_048_576.0);
  }

  private static void say(String fmt, Object... args) {
    OUT.println(String.format(Locale.ROOT, fmt, args));
  }
}
