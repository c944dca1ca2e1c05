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
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;

import io.tandem.controller.ControllerContext;
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
 * and a restore on the secondary — printing what it did and the figures. Exit code 0 only if
 * every step checked out.
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
    try (EmbeddedClusters clusters = new EmbeddedClusters(1).start()) {
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

      say("Creating policies with the CLI (tandem policy create)...");
      cli(site, "policy", "create", "--service", "billing", "--dataset", "hbase:billing:*",
          "--dataset", "hdfs:/data/billing/events", "--dataset", "hdfs:/data/billing/ledger",
          "--schedule", "every:1h", "--mode", "push", "--retain", "3");
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
            URI.create("http://127.0.0.1:" + daemon.port() + "/api/v1/status")).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : status.body().split("\n")) {
          if (line.contains("\"service\"") || line.contains("\"state\"") || line.contains("newestCompleteAge")
              || line.contains("\"healthy\"")) {
            say("  %s", line.trim());
          }
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
        daemon.close();
      }
      say("Demo %s in %.1f s.", ok ? "SUCCEEDED" : "FAILED", (System.nanoTime() - t0) / 1e9);
      return ok ? 0 : 1;
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
    c.set(TandemKeys.HTTP_PORT.name(), "0");
    c.set(TandemKeys.HTTP_BIND_HOST.name(), "127.0.0.1");
    c.set(TandemKeys.TRANSFER_MAPPERS.name(), "2");
    c.set(TandemKeys.SCHEDULER_TICK_MS.name(), "3600000");
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
