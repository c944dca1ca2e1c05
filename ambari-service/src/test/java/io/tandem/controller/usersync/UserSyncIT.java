package io.tandem.controller.usersync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.AclEntry;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.security.User;
import org.apache.hadoop.hbase.security.access.Permission;
import org.apache.hadoop.hbase.security.access.UserPermission;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.controller.cli.TandemCli;
import io.tandem.controller.restore.RestoreService;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.policy.PolicySpec;
import io.tandem.core.usersync.Difference.Outcome;
import io.tandem.core.usersync.UserData;
import io.tandem.testkit.EmbeddedClusters;

/**
 * User data follows the service, on two clusters with security on: HBase's AccessController and
 * HDFS permissions with ACLs. Test users and groups (resolved by both NameNodes and both HBase
 * clusters) read and write as themselves, so every claim is about real access, not about what
 * Tandem's own reports say.
 *
 * <p>The steps build on each other (one service, one history): a cut carries the user data, a
 * restore brings it back, reconcile and push carry later grants, revokes, ACL and owner changes,
 * principals only on the secondary are reported and removed only when asked, and no sync ever
 * leaves anyone with more access on the secondary than on the primary.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserSyncIT {
  private static final String SERVICE = "ledger";
  private static final String NS = "ledger";
  private static final String DATA = "/ledger/data";
  private static final String PUBLIC_FILE = DATA + "/public/a.txt";
  private static final String PRIVATE_DIR = DATA + "/private";
  private static final String PRIVATE_FILE = PRIVATE_DIR + "/b.txt";
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Test users and their groups, the same on both clusters. */
  private static final Map<String, String[]> USERS = new LinkedHashMap<>();

  static {
    USERS.put("alice", new String[] {"ledger_app"});
    USERS.put("bob", new String[] {"ledger_app"});
    USERS.put("carol", new String[] {"auditors"});
    USERS.put("dave", new String[] {"others"});
    USERS.put("eve", new String[] {"others"});
  }

  private static EmbeddedClusters clusters;
  private static ControllerContext ctx;
  private static TandemConf conf;
  private static TableName table;
  private static String cutId;
  private static final Map<String, Connection> hbaseAs = new ConcurrentHashMap<>();
  private static final Map<String, FileSystem> fsAs = new ConcurrentHashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    clusters = new EmbeddedClusters(1).withAuthorization().start();
    for (Map.Entry<String, String[]> u : USERS.entrySet()) {
      // Registers the groups with Hadoop's and HBase's in-JVM group mapping (both NameNodes and both HBase clusters).
      User.createUserForTesting(clusters.primary().getConfiguration(), u.getKey(), u.getValue());
    }
    HBaseTestingUtility p = clusters.primary();
    table = ControllerFixture.table(p, NS, "entries");
    ControllerFixture.rows(p, table, 0, 50, "a");
    FileSystem fs = p.getDFSCluster().getFileSystem();
    ControllerFixture.file(fs, PUBLIC_FILE, 1000, 1);
    ControllerFixture.file(fs, PRIVATE_FILE, 1000, 2);
    owner(fs, DATA, "alice", "ledger_app", 0750);
    owner(fs, DATA + "/public", "alice", "ledger_app", 0755);
    owner(fs, PUBLIC_FILE, "alice", "ledger_app", 0644);
    owner(fs, PRIVATE_DIR, "alice", "ledger_app", 0700);
    owner(fs, PRIVATE_FILE, "alice", "ledger_app", 0600);
    fs.modifyAclEntries(new org.apache.hadoop.fs.Path(DATA), AclEntry.parseAclSpec("group:auditors:r-x", true));
    fs.modifyAclEntries(new org.apache.hadoop.fs.Path(PRIVATE_DIR), AclEntry.parseAclSpec("user:carol:r-x", true));
    fs.modifyAclEntries(new org.apache.hadoop.fs.Path(PRIVATE_FILE), AclEntry.parseAclSpec("user:carol:r--", true));
    try (Admin admin = p.getConnection().getAdmin()) {
      grant(admin, "alice", table, "R");
      grant(admin, "bob", table, "RW");
      admin.grant(new UserPermission("@auditors", Permission.newBuilder(NS).withActions(Permission.Action.READ).build()), false);
    }

    conf = ControllerFixture.conf(clusters, "/usersync");
    ctx = ControllerContext.open(conf);
    ctx.policies().create(new PolicySpec(SERVICE, List.of("hbase:" + NS + ":entries", "hdfs:" + DATA),
        List.of("every:1d"), "push", 5, 86400L, List.of("alice", "carol"), List.of("ledger_app"), null));
  }

  @AfterAll
  static void tearDown() throws IOException {
    for (Connection c : hbaseAs.values()) {
      c.close();
    }
    for (FileSystem f : fsAs.values()) {
      f.close();
    }
    if (ctx != null) {
      ctx.close();
    }
    if (clusters != null) {
      clusters.close();
    }
  }

  @Test
  @Order(1)
  void aCutRecordsTheUserDataAndARestoreBringsTheSameAccessBack() throws Exception {
    Manifest m = ctx.backups().run(SERVICE, Instant.now(), null);
    assertEquals(CutState.COMPLETE, m.state(), m.reason());
    cutId = m.cutId();
    assertNotNull(m.users(), "manifest records the user data it carries");
    UserData recorded = ctx.catalog().cutUsers(SERVICE, cutId).orElseThrow();
    assertEquals(m.users(), recorded.summary());
    Set<String> grantKeys = recorded.grants().stream().map(g -> g.principal() + " " + g.actions() + " " + g.scope())
        .collect(Collectors.toSet());
    assertTrue(grantKeys.containsAll(Set.of("alice R table=ledger:entries", "bob RW table=ledger:entries",
        "@auditors R namespace=ledger")), grantKeys.toString());
    assertEquals(5, recorded.paths().size(), "the data set, public, a.txt, private, b.txt: " + recorded.paths());
    // HDFS lists the unnamed group entry with the named ones once a path has an extended ACL.
    assertEquals(List.of("group::---", "user:carol:r--"), attrs(recorded, "private/b.txt").acl());
    assertEquals(Map.of("alice", List.of("ledger_app"), "carol", List.of("auditors")), recorded.userGroups());

    RestoreService.Report r = ctx.restores().restore(SERVICE, cutId, false);
    assertNotNull(r.users());
    assertTrue(r.users().ok(), r.users().toString());
    awaitSameAccess();
    // Spot checks that the matrix is not trivially equal (everyone allowed or everyone denied).
    Map<String, Boolean> access = access(clusters.secondary());
    assertEquals(true, access.get("alice read table"));
    assertEquals(true, access.get("carol read table"), "@auditors namespace grant");
    assertEquals(false, access.get("dave read table"));
    assertEquals(true, access.get("carol read " + PRIVATE_FILE), "ACL entry");
    assertEquals(false, access.get("bob read " + PRIVATE_FILE));
    assertEquals(false, access.get("alice write table"));
    assertEquals(true, access.get("bob write table"));
  }

  @Test
  @Order(2)
  void reconcileReportsExactlyTheChangesMadeOnThePrimaryAndADryRunChangesNothing() throws Exception {
    HBaseTestingUtility p = clusters.primary();
    FileSystem fs = p.getDFSCluster().getFileSystem();
    try (Admin admin = p.getConnection().getAdmin()) {
      admin.revoke(new UserPermission("bob", Permission.newBuilder(table).withActions(Permission.Action.READ,
          Permission.Action.WRITE).build()));
      grant(admin, "dave", table, "R");
    }
    fs.setPermission(new org.apache.hadoop.fs.Path(PUBLIC_FILE), new FsPermission((short) 0600));
    fs.removeAclEntries(new org.apache.hadoop.fs.Path(PRIVATE_DIR), AclEntry.parseAclSpec("user:carol", false));
    fs.setOwner(new org.apache.hadoop.fs.Path(PRIVATE_FILE), "bob", "ledger_app");
    Map<String, Boolean> before = access(clusters.secondary());

    UserSyncService.Report dry = ctx.users().sync(SERVICE, UserSyncService.Mode.RECONCILE, true, false);
    assertEquals(Set.of(
        "GRANT table=ledger:entries bob REVOKE",
        "GRANT table=ledger:entries dave APPLY",
        "PERMISSION " + PUBLIC_FILE + " APPLY",
        "PERMISSION " + PRIVATE_DIR + " APPLY",
        "ACL " + PRIVATE_DIR + " APPLY",
        "OWNER " + PRIVATE_FILE + " APPLY"), lines(dry));
    assertTrue(dry.differences().stream().allMatch(d -> d.outcome() == Outcome.PLANNED), dry.toString());
    assertEquals(before, access(clusters.secondary()), "a dry run changes nothing");

    UserSyncService.Report done = ctx.users().sync(SERVICE, UserSyncService.Mode.RECONCILE, false, false);
    assertEquals(lines(dry), lines(done));
    assertTrue(done.differences().stream().allMatch(d -> d.outcome() == Outcome.APPLIED), done.toString());
    awaitSameAccess();
    assertEquals(List.of(), ctx.users().sync(SERVICE, UserSyncService.Mode.RECONCILE, false, false).differences(),
        "a second reconcile finds nothing");
  }

  @Test
  @Order(3)
  void pushSendsExactlyWhatChangedSinceTheLastPush() throws Exception {
    // The restore made the secondary exact and forgot the last push: the first push sends everything, again.
    UserSyncService.Report first = ctx.users().sync(SERVICE, UserSyncService.Mode.PUSH, false, false);
    assertTrue(first.ok(), first.toString());
    assertTrue(first.differences().size() >= 8, "first push sends every grant and path: " + first.differences());

    HBaseTestingUtility p = clusters.primary();
    FileSystem fs = p.getDFSCluster().getFileSystem();
    try (Admin admin = p.getConnection().getAdmin()) {
      grant(admin, "bob", table, "R");
      admin.revoke(new UserPermission("dave", Permission.newBuilder(table).withActions(Permission.Action.READ).build()));
    }
    fs.setOwner(new org.apache.hadoop.fs.Path(PUBLIC_FILE), "carol", "auditors");
    fs.modifyAclEntries(new org.apache.hadoop.fs.Path(DATA + "/public"), AclEntry.parseAclSpec("user:dave:---", true));

    UserSyncService.Report push = ctx.users().sync(SERVICE, UserSyncService.Mode.PUSH, false, false);
    assertEquals(Set.of(
        "GRANT table=ledger:entries bob APPLY",
        "GRANT table=ledger:entries dave REVOKE",
        "OWNER " + PUBLIC_FILE + " APPLY",
        "GROUP " + PUBLIC_FILE + " APPLY",
        "ACL " + DATA + "/public APPLY"), lines(push));
    assertTrue(push.ok(), push.toString());
    awaitSameAccess();
    assertEquals(List.of(), ctx.users().sync(SERVICE, UserSyncService.Mode.RECONCILE, true, false).differences(),
        "after the push, reconcile finds the clusters equal");
  }

  @Test
  @Order(4)
  void principalsOnlyOnTheSecondaryAreReportedAndRemovedOnlyWhenAsked() throws Exception {
    HBaseTestingUtility s = clusters.secondary();
    try (Admin admin = s.getConnection().getAdmin()) {
      grant(admin, "eve", table, "RW");
      // Wider than the primary's R for a principal the primary knows: a sync narrows it.
      grant(admin, "alice", table, "RWXCA");
    }
    s.getDFSCluster().getFileSystem().modifyAclEntries(new org.apache.hadoop.fs.Path(DATA),
        AclEntry.parseAclSpec("user:eve:r-x", true));

    UserSyncService.Report kept = ctx.users().sync(SERVICE, UserSyncService.Mode.RECONCILE, false, false);
    assertEquals(Set.of(
        "GRANT table=ledger:entries alice APPLY",
        "EXTRA_GRANT table=ledger:entries eve REPORT",
        "EXTRA_ACL " + DATA + " REPORT"), lines(kept));
    awaitAccess(s, "alice write table", false);
    awaitAccess(s, "eve read table", true);

    UserSyncService.Report removed = ctx.users().sync(SERVICE, UserSyncService.Mode.RECONCILE, false, true);
    assertEquals(Set.of("EXTRA_GRANT table=ledger:entries eve REVOKE", "ACL " + DATA + " APPLY"), lines(removed));
    awaitSameAccess();
    assertEquals(false, access(s).get("eve read table"));
  }

  @Test
  @Order(5)
  void theCliReportsTheDifferencesAndChangesNothingOnADryRun() throws Exception {
    try (Admin admin = clusters.primary().getConnection().getAdmin()) {
      grant(admin, "eve", table, "R");
    }
    Path site = Files.createTempDirectory("usersync-cli").resolve("tandem-site.xml");
    try (OutputStream out = new FileOutputStream(site.toFile())) {
      conf.raw().writeXml(out);
    }
    StringWriter captured = new StringWriter();
    StringWriter err = new StringWriter();
    int code = TandemCli.run(new String[] {"--conf", site.toString(), "users", "sync", "--service", SERVICE,
        "--dry-run"}, new PrintWriter(captured), new PrintWriter(err));
    String out = captured.toString();
    assertEquals(0, code, out + err);
    assertTrue(out.contains("PLANNED  GRANT        table=ledger:entries eve"), out);
    assertTrue(out.contains("(dry run): 1 differences"), out);
    assertEquals(false, access(clusters.secondary()).get("eve read table"), "the dry run granted nothing");

    StringWriter badErr = new StringWriter();
    assertEquals(2, TandemCli.run(new String[] {"--conf", site.toString(), "users", "sync", "--service", SERVICE,
        "--mode", "mirror"}, new PrintWriter(new StringWriter()), new PrintWriter(badErr)));
    assertTrue(badErr.toString().contains("user sync mode 'mirror' is not one of push, reconcile"), badErr.toString());
  }

  @Test
  @Order(6)
  void theActiveControllerReconcilesOnItsOwnSchedule() throws Exception {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(PUBLIC_FILE);
    FileSystem primaryFs = clusters.primary().getDFSCluster().getFileSystem();
    FileSystem secondaryFs = clusters.secondary().getDFSCluster().getFileSystem();
    // Drift made by hand on the secondary: the file becomes world-writable there.
    secondaryFs.setPermission(file, new FsPermission((short) 0666));
    conf.set(io.tandem.core.config.TandemKeys.USERS_RECONCILE_INTERVAL_S, "1");
    try (ControllerContext daemonCtx = ControllerContext.open(conf);
        io.tandem.controller.ControllerDaemon daemon = new io.tandem.controller.ControllerDaemon(daemonCtx)) {
      daemon.start();
      ControllerFixture.await("the scheduled reconcile", WAIT,
          () -> permission(secondaryFs, file).equals(permission(primaryFs, file)));
      assertEquals(primaryFs.getFileStatus(file).getPermission(), secondaryFs.getFileStatus(file).getPermission(),
          "the scheduled reconcile put the primary's permission back");
      assertTrue(daemon.isActive());
    } finally {
      conf.set(io.tandem.core.config.TandemKeys.USERS_RECONCILE_INTERVAL_S, "0");
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Set<String> lines(UserSyncService.Report r) {
    return r.differences().stream().map(d -> d.kind() + " " + d.object() + " " + d.fix()).collect(Collectors.toSet());
  }

  private static io.tandem.core.usersync.PathAttrs attrs(UserData d, String rel) {
    return d.paths().stream().filter(p -> p.path().equals(rel)).findFirst().orElseThrow();
  }

  private static void owner(FileSystem fs, String path, String user, String group, int perm) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    fs.setOwner(p, user, group);
    fs.setPermission(p, new FsPermission((short) perm));
  }

  private static void grant(Admin admin, String user, TableName t, String actions) throws IOException {
    admin.grant(new UserPermission(user, Permission.newBuilder(t).withActionCodes(Bytes.toBytes(actions)).build()), false);
  }

  /** Waits until every user can do on the secondary exactly what they can do on the primary (grants reach RegionServers through ZooKeeper). */
  private static void awaitSameAccess() throws Exception {
    try {
      ControllerFixture.await("the same access on both clusters", WAIT,
          () -> access(clusters.primary()).equals(access(clusters.secondary())));
    } catch (AssertionError timedOut) {
      // Fall through: the assertion below shows the two matrices.
    }
    assertEquals(access(clusters.primary()), access(clusters.secondary()),
        "access on the secondary must equal access on the primary");
  }

  private static void awaitAccess(HBaseTestingUtility c, String what, boolean expected) throws Exception {
    try {
      ControllerFixture.await(what + " = " + expected, WAIT, () -> access(c).get(what) == expected);
    } catch (AssertionError timedOut) {
      // Fall through to the assertion, which names what differs.
    }
    assertEquals(expected, access(c).get(what), what);
  }

  private static FsPermission permission(FileSystem fs, org.apache.hadoop.fs.Path p) {
    try {
      return fs.getFileStatus(p).getPermission();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What each test user can do, as that user: read and write the table, read each file. */
  private static Map<String, Boolean> access(HBaseTestingUtility c) {
    try {
      return accessOrThrow(c);
    } catch (Exception e) {
      throw new IllegalStateException("could not probe access on " + c.getConfiguration().get("fs.defaultFS"), e);
    }
  }

  private static Map<String, Boolean> accessOrThrow(HBaseTestingUtility c) throws Exception {
    Map<String, Boolean> out = new TreeMap<>();
    for (String user : USERS.keySet()) {
      out.put(user + " read table", can(() -> {
        try (Table t = hbase(c, user).getTable(table)) {
          t.get(new Get(Bytes.toBytes("r1")));
        }
      }));
      out.put(user + " write table", can(() -> {
        try (Table t = hbase(c, user).getTable(table)) {
          t.put(new Put(Bytes.toBytes("probe-" + user)).addColumn(Bytes.toBytes("f"), Bytes.toBytes("q"),
              Bytes.toBytes("x")));
        }
      }));
      for (String file : List.of(PUBLIC_FILE, PRIVATE_FILE)) {
        out.put(user + " read " + file, can(() -> {
          try (var in = fs(c, user).open(new org.apache.hadoop.fs.Path(file))) {
            in.read();
          }
        }));
      }
    }
    return out;
  }

  private interface Action {
    void run() throws Exception;
  }

  private static boolean can(Action a) throws Exception {
    try {
      a.run();
      return true;
    } catch (Exception e) {
      if (isDenied(e)) {
        return false;
      }
      throw e;
    }
  }

  private static boolean isDenied(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String n = t.getClass().getName();
      if (n.endsWith("AccessDeniedException") || n.endsWith("AccessControlException")
          || String.valueOf(t.getMessage()).contains("Insufficient permissions")) {
        return true;
      }
    }
    return false;
  }

  private static Connection hbase(HBaseTestingUtility c, String user) throws Exception {
    String key = c.getConfiguration().get("fs.defaultFS") + "/" + user;
    Connection conn = hbaseAs.get(key);
    if (conn == null) {
      Configuration uc = new Configuration(c.getConfiguration());
      uc.setInt("hbase.client.retries.number", 1);
      User u = User.createUserForTesting(uc, user, USERS.get(user));
      conn = u.runAs((PrivilegedExceptionAction<Connection>) () -> ConnectionFactory.createConnection(uc));
      hbaseAs.put(key, conn);
    }
    return conn;
  }

  private static FileSystem fs(HBaseTestingUtility c, String user) throws Exception {
    String key = c.getConfiguration().get("fs.defaultFS") + "/" + user;
    FileSystem f = fsAs.get(key);
    if (f == null) {
      Configuration uc = new Configuration(c.getConfiguration());
      f = UserGroupInformation.createUserForTesting(user, USERS.get(user))
          .doAs((PrivilegedExceptionAction<FileSystem>) () -> FileSystem.newInstance(c.getDFSCluster().getURI(), uc));
      fsAs.put(key, f);
    }
    return f;
  }

}
