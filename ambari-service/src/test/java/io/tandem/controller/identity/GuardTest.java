package io.tandem.controller.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.NamespaceDescriptor;
import org.apache.hadoop.hbase.NamespaceExistException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Append;
import org.apache.hadoop.hbase.client.CheckAndMutate;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Delete;
import org.apache.hadoop.hbase.client.Increment;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.RetriesExhaustedWithDetailsException;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.security.User;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.ControllerFixture;
import io.tandem.core.identity.GuardAck;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.identity.ProtectedSets;
import io.tandem.hbase.NotPrimaryException;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The identity guard inside real RegionServers and NameNodes: a cluster the identity record (in
 * the controller's ZooKeeper) does not name primary refuses application writes to protected
 * tables and directories, and so does every cluster while the record is in transition or while
 * it has no session to that ZooKeeper. Writes go as a non-superuser application user ({@code app}).
 *
 * <p>The record and the protected sets are written straight into the controller's ZooKeeper, and
 * removed after every test, so other test classes run unmanaged.
 */
@ExtendWith(TwoClusters.class)
class GuardTest {
  private static final Logger LOG = LoggerFactory.getLogger(GuardTest.class);
  private static final IdentityLayout LAYOUT = new IdentityLayout("/tandem");
  private static final String PRIMARY = EmbeddedClusters.PRIMARY;
  private static final String SECONDARY = EmbeddedClusters.SECONDARY;
  private static final String APP = "app";
  private static final String BYPASS = EmbeddedClusters.GUARD_BYPASS_USER;
  private static final byte[] F = Bytes.toBytes("f");
  private static final byte[] Q = Bytes.toBytes("q");
  private static final byte[] C = Bytes.toBytes("c");
  private static final TableName ORDERS = TableName.valueOf("guard", "orders");
  private static final TableName FREE = TableName.valueOf("guard", "free");
  private static final TableName LEDGER = TableName.valueOf("guardns", "ledger");
  private static final String ROOT_DIR = "/guard";
  private static final String PROTECTED_DIR = "/guard/protected";
  private static final String FREE_DIR = "/guard/free";
  private static final ProtectedSets SETS = new ProtectedSets(Set.of("guard:orders"), Set.of("guardns"),
      Set.of(PROTECTED_DIR));
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** A refused write must come back at once: a retried one would take many seconds (10 retries with backoff). */
  private static final long NO_RETRY_MS = 3000;

  private static EmbeddedClusters clusters;
  private static CuratorFramework zk;
  private static Side primary;
  private static Side secondary;
  private static boolean zkStopped;
  private static int seq;

  /** One cluster as the test reaches it: as the application, as Tandem's bypass user, and as admin. */
  private record Side(String name, HBaseTestingUtility util, Connection app, Connection bypass, FileSystem appFs,
      FileSystem bypassFs, FileSystem adminFs) {
    void close() {
      for (AutoCloseable c : new AutoCloseable[] {app, bypass, appFs, bypassFs}) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("ignoring failure closing {}", c, e);
        }
      }
    }
  }

  /** What one write did: null error when accepted. */
  private record Outcome(Throwable error, long millis) {
    boolean accepted() {
      return error == null;
    }
  }

  private interface Write {
    void run() throws Exception;
  }

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    zk = ControllerFixture.controllerZkClient(c.controllerZkQuorum(), 10_000, 5_000, new ExponentialBackoffRetry(100, 6));
    zk.start();
    assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS), "controller ZooKeeper reachable");
    clearIdentity();
    primary = side(PRIMARY, c.primary());
    secondary = side(SECONDARY, c.secondary());
    awaitApplied(GuardAck.NO_EPOCH);
  }

  private static Side side(String name, HBaseTestingUtility util) throws Exception {
    Admin admin = util.getAdmin();
    for (String ns : List.of("guard", "guardns")) {
      try {
        admin.createNamespace(NamespaceDescriptor.create(ns).build());
      } catch (NamespaceExistException e) {
        // from an earlier run in this JVM
      }
    }
    for (TableName t : List.of(ORDERS, FREE, LEDGER)) {
      if (!admin.tableExists(t)) {
        admin.createTable(TableDescriptorBuilder.newBuilder(t).setColumnFamily(ColumnFamilyDescriptorBuilder.of(F))
            .build());
      }
    }
    FileSystem adminFs = util.getDFSCluster().getFileSystem();
    for (String d : List.of(ROOT_DIR, PROTECTED_DIR, FREE_DIR)) {
      adminFs.mkdirs(new Path(d));
      adminFs.setPermission(new Path(d), new FsPermission((short) 0777));
    }
    return new Side(name, util, connectionAs(util, APP), connectionAs(util, BYPASS), fsAs(util, APP),
        fsAs(util, BYPASS), adminFs);
  }

  private static Connection connectionAs(HBaseTestingUtility util, String user) throws Exception {
    Configuration conf = new Configuration(util.getConfiguration());
    User u = User.createUserForTesting(conf, user, new String[] {user});
    return u.runAs((PrivilegedExceptionAction<Connection>) () -> ConnectionFactory.createConnection(conf));
  }

  private static FileSystem fsAs(HBaseTestingUtility util, String user) throws Exception {
    Configuration conf = new Configuration(util.getConfiguration());
    URI uri = util.getDFSCluster().getURI();
    return UserGroupInformation.createRemoteUser(user)
        .doAs((PrivilegedExceptionAction<FileSystem>) () -> FileSystem.newInstance(uri, conf));
  }

  @AfterEach
  void backToUnmanaged() throws Exception {
    if (zkStopped) {
      clusters.restartControllerZk();
      zkStopped = false;
      assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS));
    }
    clearIdentity();
    awaitApplied(GuardAck.NO_EPOCH);
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      if (zk != null) {
        clearIdentity();
        zk.close();
      }
    } finally {
      for (Side s : new Side[] {primary, secondary}) {
        if (s == null) {
          continue;
        }
        s.close();
        try {
          Admin admin = s.util().getAdmin();
          for (TableName t : List.of(ORDERS, FREE, LEDGER)) {
            if (admin.tableExists(t)) {
              admin.disableTable(t);
              admin.deleteTable(t);
            }
          }
          admin.deleteNamespace("guard");
          admin.deleteNamespace("guardns");
          s.adminFs().delete(new Path(ROOT_DIR), true);
        } catch (IOException e) {
          LOG.warn("ignoring failure cleaning up {}", s.name(), e);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------ tests

  @Test
  void unmanagedClustersRefuseNothing() throws Exception {
    // Protected sets published, but no identity record: Tandem is not set up, nothing is refused.
    Instant before = Instant.now();
    write(LAYOUT.protectedSets(), SETS.encode());
    awaitApplied(GuardAck.NO_EPOCH, before);
    for (Side s : List.of(primary, secondary)) {
      for (Map.Entry<String, GuardAck> e : acks(s.name()).entrySet()) {
        assertTrue(e.getValue().allowsWrites(), e.getKey() + " allows writes while unmanaged");
        assertEquals("UNMANAGED", e.getValue().state(), e.getKey());
      }
      int n = 300;
      try (Table t = s.app().getTable(ORDERS)) {
        for (int i = 0; i < n; i++) {
          t.put(new Put(Bytes.toBytes("unmanaged-" + i)).addColumn(F, Q, Bytes.toBytes(i)));
        }
      }
      assertEquals(n, countRows(s.util(), ORDERS, "unmanaged-"));
      assertAccepted(put(s.app(), LEDGER, "unmanaged"), s.name() + ": put to a namespace-protected table");
      assertAccepted(create(s.appFs(), PROTECTED_DIR + "/unmanaged-" + s.name()), s.name() + ": create in "
          + PROTECTED_DIR);
      report("unmanaged " + s.name() + ": " + n + " sequential app puts to a protected table, none refused");
    }
  }

  @Test
  void theSecondaryRefusesWhatThePrimaryAccepts() throws Exception {
    int n = ++seq;
    // A file the application owns on the secondary, made while unmanaged: owner checks would pass.
    String appFile = PROTECTED_DIR + "/app-owned-" + n;
    assertAccepted(create(secondary.appFs(), appFile), "create while unmanaged");
    String tandemFile = PROTECTED_DIR + "/tandem-" + n;

    publish(SETS, record(PRIMARY, 4));
    awaitApplied(4);
    for (GuardAck a : acks(PRIMARY).values()) {
      assertTrue(a.allowsWrites(), "primary's guards allow: " + a);
    }
    for (GuardAck a : acks(SECONDARY).values()) {
      assertFalse(a.allowsWrites(), "secondary's guards refuse: " + a);
    }

    // The primary takes everything.
    assertAccepted(put(primary.app(), ORDERS, "p-" + n), "primary: put");
    assertAccepted(batchPut(primary.app(), ORDERS, "p-batch-" + n, 10), "primary: batch put");
    assertAccepted(put(primary.app(), LEDGER, "p-" + n), "primary: put to namespace-protected table");
    assertAccepted(create(primary.appFs(), PROTECTED_DIR + "/p-" + n), "primary: create in protected dir");

    // The secondary refuses every kind of application write to protected data, at once, and says why.
    String orders = "cluster secondary is not primary (epoch 4, primary is primary): writes to guard:orders are"
        + " refused; write to the primary or switch identity";
    assertHBaseRefused(put(secondary.app(), ORDERS, "s-" + n), orders, "secondary: put");
    assertHBaseRefused(batchPut(secondary.app(), ORDERS, "s-batch-" + n, 10), orders, "secondary: batch put");
    assertEquals(0, countRows(secondary.util(), ORDERS, "s-batch-" + n), "no row of the refused batch landed");
    assertHBaseRefused(attempt(() -> table(secondary.app(), ORDERS, t -> t.delete(new Delete(row("s-" + n))))),
        orders, "secondary: delete");
    assertHBaseRefused(attempt(() -> table(secondary.app(), ORDERS,
        t -> t.increment(new Increment(row("s-" + n)).addColumn(F, C, 1)))), orders, "secondary: increment");
    assertHBaseRefused(attempt(() -> table(secondary.app(), ORDERS,
        t -> t.append(new Append(row("s-" + n)).addColumn(F, Q, Bytes.toBytes("x"))))), orders, "secondary: append");
    assertHBaseRefused(attempt(() -> table(secondary.app(), ORDERS, t -> t.checkAndMutate(
        CheckAndMutate.newBuilder(row("s-" + n)).ifNotExists(F, Q).build(new Put(row("s-" + n)).addColumn(F, Q, Q))))),
        orders, "secondary: checkAndMutate");
    assertHBaseRefused(put(secondary.app(), LEDGER, "s-" + n), "writes to guardns:ledger are refused",
        "secondary: put to namespace-protected table");

    String hdfs = "cluster secondary is not primary (epoch 4, primary is primary): writes to ";
    assertHdfsRefused(create(secondary.appFs(), PROTECTED_DIR + "/s-" + n),
        hdfs + PROTECTED_DIR + "/s-" + n + " are refused; write to the primary or switch identity", "secondary: create");
    assertHdfsRefused(attempt(() -> secondary.appFs().mkdirs(new Path(PROTECTED_DIR + "/d-" + n))),
        hdfs + PROTECTED_DIR + "/d-" + n, "secondary: mkdirs");
    assertHdfsRefused(attempt(() -> secondary.appFs().append(new Path(appFile)).close()), hdfs + appFile,
        "secondary: append to own file");
    assertHdfsRefused(attempt(() -> secondary.appFs().setPermission(new Path(appFile), new FsPermission((short) 0600))),
        hdfs + appFile, "secondary: setPermission of own file (owner check)");
    assertHdfsRefused(attempt(() -> secondary.appFs().setTimes(new Path(appFile), 0, 0)), hdfs + appFile,
        "secondary: setTimes of own file");
    assertHdfsRefused(attempt(() -> secondary.appFs().rename(new Path(appFile), new Path(FREE_DIR + "/moved-" + n))),
        hdfs + appFile, "secondary: rename out of the protected dir");
    assertHdfsRefused(attempt(() -> secondary.appFs().rename(new Path(PROTECTED_DIR), new Path(ROOT_DIR + "/moved"))),
        hdfs + PROTECTED_DIR + " are refused", "secondary: rename of the protected dir");
    assertHdfsRefused(attempt(() -> secondary.appFs().delete(new Path(ROOT_DIR), true)), hdfs + ROOT_DIR + " are refused",
        "secondary: delete of an ancestor of the protected dir");

    // Unprotected data is writable on both.
    for (Side s : List.of(primary, secondary)) {
      assertAccepted(put(s.app(), FREE, "free-" + n), s.name() + ": put to unprotected table");
      assertAccepted(batchPut(s.app(), FREE, "free-batch-" + n, 10), s.name() + ": batch put to unprotected table");
      assertAccepted(create(s.appFs(), FREE_DIR + "/f-" + n), s.name() + ": create in unprotected dir");
    }
    // Tandem's own user, and HDFS superusers (who never reach the enforcer), are not refused.
    assertAccepted(put(secondary.bypass(), ORDERS, "tandem-" + n), "secondary: put by the bypass user");
    assertAccepted(create(secondary.bypassFs(), tandemFile), "secondary: create by the bypass user");
    assertAccepted(create(secondary.adminFs(), PROTECTED_DIR + "/superuser-" + n), "secondary: create by the superuser");
    assertAccepted(attempt(() -> secondary.adminFs().delete(new Path(appFile), false)), "secondary: superuser delete");
  }

  @Test
  void switchingTheRecordMovesWritesWithinABoundedWait() throws Exception {
    int n = ++seq;
    publish(SETS, record(PRIMARY, 10));
    awaitApplied(10);

    Instant changed = Instant.now();
    long t0 = System.nanoTime();
    write(LAYOUT.identity(), record(SECONDARY, 11).encode());
    Map<String, Instant> applied = awaitApplied(11);
    long ackedMs = (System.nanoTime() - t0) / 1_000_000;
    await("the secondary accepts and the primary refuses", () -> put(secondary.app(), ORDERS, "sw-" + n).accepted()
        && !put(primary.app(), ORDERS, "sw-" + n).accepted());
    long flippedMs = (System.nanoTime() - t0) / 1_000_000;
    Map<String, Long> perCluster = new LinkedHashMap<>();
    applied.forEach((cluster, at) -> perCluster.put(cluster, Duration.between(changed, at).toMillis()));
    report("record change -> last guard applied (ack appliedAt), per cluster: " + perCluster + " ms; all acks read by "
        + ackedMs + " ms; writes observed flipped by " + flippedMs + " ms");

    for (GuardAck a : acks(PRIMARY).values()) {
      assertFalse(a.allowsWrites(), "old primary's guards refuse: " + a);
    }
    for (GuardAck a : acks(SECONDARY).values()) {
      assertTrue(a.allowsWrites(), "new primary's guards allow: " + a);
    }
    assertHBaseRefused(put(primary.app(), ORDERS, "sw2-" + n), "cluster primary is not primary (epoch 11, primary is"
        + " secondary): writes to guard:orders are refused; write to the primary or switch identity", "primary: put");
    assertHdfsRefused(create(primary.appFs(), PROTECTED_DIR + "/sw-" + n), "cluster primary is not primary (epoch 11,"
        + " primary is secondary): writes to " + PROTECTED_DIR + "/sw-" + n, "primary: create");
    assertAccepted(create(secondary.appFs(), PROTECTED_DIR + "/sw-" + n), "secondary: create");
    assertAccepted(batchPut(secondary.app(), ORDERS, "sw-batch-" + n, 10), "secondary: batch put");
  }

  @Test
  void aRecordInTransitionRefusesEverywhere() throws Exception {
    int n = ++seq;
    publish(SETS, record(PRIMARY, 20));
    awaitApplied(20);
    write(LAYOUT.identity(), record(IdentityRecord.NONE, 21).encode());
    awaitApplied(21);
    for (Side s : List.of(primary, secondary)) {
      for (GuardAck a : acks(s.name()).values()) {
        assertFalse(a.allowsWrites(), "nobody allows during a switch: " + a);
      }
      String why = "cluster " + s.name() + " is not primary (epoch 21, identity switch in progress: no cluster is"
          + " primary): writes to ";
      assertHBaseRefused(put(s.app(), ORDERS, "tr-" + n), why + "guard:orders are refused", s.name() + ": put");
      assertHdfsRefused(create(s.appFs(), PROTECTED_DIR + "/tr-" + n), why + PROTECTED_DIR + "/tr-" + n,
          s.name() + ": create");
      assertAccepted(put(s.app(), FREE, "tr-" + n), s.name() + ": put to unprotected table");
    }
  }

  @Test
  void losingTheControllerZooKeeperRefusesEverywhereUntilItIsBack() throws Exception {
    int n = ++seq;
    publish(SETS, record(PRIMARY, 30));
    awaitApplied(30);
    try (Writer p = new Writer(primary, "part-p-" + n); Writer s = new Writer(secondary, "part-s-" + n)) {
      await("the primary writer is accepted", () -> p.acceptedCount() >= 20);

      long stopNanos = System.nanoTime();
      long stopWall = System.currentTimeMillis();
      clusters.stopControllerZk();
      zkStopped = true;
      Attempt firstRefused = awaitAttempt(p, a -> !a.accepted() && a.start() >= stopNanos, "primary writer refused");
      long hbaseRefusedMs = (firstRefused.end() - stopNanos) / 1_000_000;
      long hdfsRefusedMs = awaitRefusal(primary.appFs(), PROTECTED_DIR + "/part-" + n, stopNanos);
      assertTrue(hbaseRefusedMs < EmbeddedClusters.GUARD_SESSION_TIMEOUT_MS,
          "HBase guard refused " + hbaseRefusedMs + " ms after the controller's ZooKeeper went away");
      assertTrue(hdfsRefusedMs < EmbeddedClusters.GUARD_SESSION_TIMEOUT_MS,
          "NameNode guard refused " + hdfsRefusedMs + " ms after the controller's ZooKeeper went away");
      String lost = "cluster primary cannot confirm it is primary (lost its session to the controller's ZooKeeper;"
          + " last known epoch 30, primary was primary): writes to guard:orders are refused until it reconnects";
      assertHBaseRefused(put(primary.app(), ORDERS, "part-probe-" + n), lost, "primary while partitioned");
      // Stay partitioned until both writers have been refused many times over.
      await("both writers refused repeatedly while partitioned", () ->
          p.count(a -> !a.accepted() && a.start() > firstRefused.start()) >= 30
              && s.count(a -> !a.accepted() && a.start() > firstRefused.start()) >= 30);

      long restartNanos = System.nanoTime();
      long restartWall = System.currentTimeMillis();
      clusters.restartControllerZk();
      zkStopped = false;
      Attempt back = awaitAttempt(p, a -> a.accepted() && a.start() >= restartNanos, "primary writer accepted again");
      long backMs = (back.end() - restartNanos) / 1_000_000;
      await("HDFS on the primary accepts again", () -> create(primary.appFs(), PROTECTED_DIR + "/part-back-" + n)
          .accepted());
      long hdfsBackMs = (System.nanoTime() - restartNanos) / 1_000_000;
      awaitApplied(30);
      await("the primary writer is accepted 20 more times", () -> p.count(a -> a.accepted() && a.start() > back.end())
          >= 20);
      p.stop();
      s.stop();
      report("controller ZooKeeper stopped -> refusal: HBase " + hbaseRefusedMs + " ms, HDFS " + hdfsRefusedMs
          + " ms; restarted -> primary accepts again: HBase " + backMs + " ms, HDFS " + hdfsBackMs + " ms; attempts "
          + "primary " + p.count(a -> true) + " (" + p.acceptedCount() + " accepted), secondary " + s.count(a -> true)
          + " (" + s.acceptedCount() + " accepted)");

      p.assertNoUnexpectedErrors();
      s.assertNoUnexpectedErrors();
      assertEquals(0, s.acceptedCount(), "the secondary accepted nothing");
      // Sequential writer: once refused after the stop, nothing is accepted until the restart.
      assertEquals(0, p.count(a -> a.accepted() && a.start() > firstRefused.start() && a.end() < restartNanos),
          "the primary accepted nothing between its first refusal and the restart");
      // Accept instants as the RegionServers stamped them (one clock: one JVM).
      List<Long> pAccepts = acceptTimes(primary, p.tag);
      assertEquals(p.acceptedCount(), pAccepts.size(), "every accepted write is stored, no refused one is");
      assertEquals(0, acceptTimes(secondary, s.tag).size());
      // (+2 ms: the wall clock was read once, next to the nano clock, and timestamps are truncated to ms)
      assertEquals(0, pAccepts.stream().filter(ts -> ts > stopWall + hbaseRefusedMs + 2 && ts < restartWall).count(),
          "no write accepted on the primary while it had no session");
    }
  }

  @Test
  void aSwitchUnderLoadNeverHasTwoClustersAccepting() throws Exception {
    int n = ++seq;
    publish(SETS, record(PRIMARY, 40));
    awaitApplied(40);
    try (Writer p = new Writer(primary, "load-p-" + n); Writer s = new Writer(secondary, "load-s-" + n)) {
      await("the primary writer is accepted", () -> p.acceptedCount() >= 30);
      // The controller's sequence: nobody primary, wait for every guard of the old primary, then the new one.
      long t0 = System.nanoTime();
      write(LAYOUT.identity(), record(IdentityRecord.NONE, 41).encode());
      await("every guard of the old primary acks epoch 41 refusing", () -> {
        Map<String, GuardAck> acks = acks(PRIMARY);
        return !acks.isEmpty() && acks.values().stream().allMatch(a -> a.epoch() == 41 && !a.allowsWrites());
      });
      long demotedMs = (System.nanoTime() - t0) / 1_000_000;
      write(LAYOUT.identity(), record(SECONDARY, 42).encode());
      await("the secondary writer is accepted", () -> s.acceptedCount() >= 30);
      p.stop();
      s.stop();
      p.assertNoUnexpectedErrors();
      s.assertNoUnexpectedErrors();

      List<Long> old = acceptTimes(primary, p.tag);
      List<Long> fresh = acceptTimes(secondary, s.tag);
      assertEquals(p.acceptedCount(), old.size());
      assertEquals(s.acceptedCount(), fresh.size());
      long lastOld = Collections.max(old);
      long firstNew = Collections.min(fresh);
      report("switch under load: old primary demoted (all its guards acked) " + demotedMs + " ms after the transition"
          + " record; last write accepted on the old primary at " + lastOld + ", first on the new one at " + firstNew
          + " (+" + (firstNew - lastOld) + " ms)");
      assertTrue(lastOld < firstNew, "the clusters' accepting intervals overlap: last accept on " + PRIMARY + " at "
          + lastOld + ", first on " + SECONDARY + " at " + firstNew);
    }
  }

  @Test
  void aGuardWhoseSessionExpiredRejoinsWithANewSession() throws Exception {
    int n = ++seq;
    publish(SETS, record(PRIMARY, 50));
    awaitApplied(50);
    Map<String, Long> before = sessions(PRIMARY);
    long t0 = System.nanoTime();
    for (long session : Set.copyOf(before.values())) {
      clusters.expireControllerZkSession(session);
    }
    await("every guard of the primary is back with a new session, its member node re-created at epoch 50", () -> {
      Map<String, Long> now = sessions(PRIMARY);
      Map<String, GuardAck> acks = acks(PRIMARY);
      return now.keySet().containsAll(before.keySet())
          && before.entrySet().stream().noneMatch(e -> e.getValue().equals(now.get(e.getKey())))
          && acks.values().stream().allMatch(a -> a.epoch() == 50 && a.allowsWrites());
    });
    long rejoinMs = (System.nanoTime() - t0) / 1_000_000;
    report("controller ZooKeeper expired the sessions of " + before.size() + " primary guards -> all rejoined with new"
        + " sessions and re-acked in " + rejoinMs + " ms");
    assertAccepted(put(primary.app(), ORDERS, "exp-" + n), "primary: put after its guards rejoined");
    assertAccepted(create(primary.appFs(), PROTECTED_DIR + "/exp-" + n), "primary: create after its guards rejoined");
    assertHBaseRefused(put(secondary.app(), ORDERS, "exp-" + n), "writes to guard:orders are refused",
        "secondary: put");
  }

  // ------------------------------------------------------------------------------- identity

  private static IdentityRecord record(String primaryName, long epoch) {
    return new IdentityRecord(primaryName, epoch, Instant.now(), "GuardTest");
  }

  private static void publish(ProtectedSets sets, IdentityRecord rec) throws Exception {
    write(LAYOUT.protectedSets(), sets.encode());
    write(LAYOUT.identity(), rec.encode());
  }

  private static void write(String path, byte[] data) throws Exception {
    try {
      zk.setData().forPath(path, data);
    } catch (KeeperException.NoNodeException e) {
      zk.create().creatingParentsIfNeeded().forPath(path, data);
    }
  }

  private static void clearIdentity() throws Exception {
    for (String path : List.of(LAYOUT.identity(), LAYOUT.protectedSets())) {
      try {
        zk.delete().forPath(path);
      } catch (KeeperException.NoNodeException e) {
        // not there
      }
    }
  }

  private static Map<String, GuardAck> acks(String cluster) throws Exception {
    String dir = LAYOUT.members(cluster);
    Map<String, GuardAck> out = new TreeMap<>();
    if (zk.checkExists().forPath(dir) == null) {
      return out;
    }
    for (String m : zk.getChildren().forPath(dir)) {
      try {
        out.put(m, GuardAck.decode(zk.getData().forPath(dir + "/" + m)));
      } catch (KeeperException.NoNodeException e) {
        // its guard closed meanwhile
      }
    }
    return out;
  }

  /** Each member of {@code cluster} and the ZooKeeper session that owns its node. */
  private static Map<String, Long> sessions(String cluster) throws Exception {
    String dir = LAYOUT.members(cluster);
    Map<String, Long> out = new TreeMap<>();
    for (String m : zk.getChildren().forPath(dir)) {
      org.apache.zookeeper.data.Stat st = zk.checkExists().forPath(dir + "/" + m);
      if (st != null) {
        out.put(m, st.getEphemeralOwner());
      }
    }
    return out;
  }

  private static Map<String, Instant> awaitApplied(long epoch) {
    return awaitApplied(epoch, Instant.EPOCH);
  }

  /**
   * Waits until every guard of both clusters (at least one NameNode and one RegionServer each) has
   * acked {@code epoch}, at or after {@code since}.
   *
   * @return per cluster, when its last guard applied it
   */
  private static Map<String, Instant> awaitApplied(long epoch, Instant since) {
    Map<String, Instant> latest = new HashMap<>();
    await("every guard of both clusters applies epoch " + epoch, () -> {
      for (String c : List.of(PRIMARY, SECONDARY)) {
        Map<String, GuardAck> acks = acks(c);
        boolean nameNode = acks.keySet().stream().anyMatch(m -> m.startsWith("namenode-"));
        boolean regionServer = acks.keySet().stream().anyMatch(m -> m.startsWith("regionserver-"));
        if (!nameNode || !regionServer
            || acks.values().stream().anyMatch(a -> a.epoch() != epoch || a.appliedAt().isBefore(since))) {
          return false;
        }
        latest.put(c, acks.values().stream().map(GuardAck::appliedAt).max(Comparator.naturalOrder()).orElseThrow());
      }
      return true;
    });
    return latest;
  }

  // ------------------------------------------------------------------------------- writes

  private static byte[] row(String key) {
    return Bytes.toBytes(key);
  }

  private interface TableWork {
    void run(Table t) throws IOException;
  }

  private static void table(Connection c, TableName name, TableWork work) throws IOException {
    try (Table t = c.getTable(name)) {
      work.run(t);
    }
  }

  private static Outcome attempt(Write w) {
    long t0 = System.nanoTime();
    try {
      w.run();
      return new Outcome(null, (System.nanoTime() - t0) / 1_000_000);
    } catch (Throwable t) {
      return new Outcome(t, (System.nanoTime() - t0) / 1_000_000);
    }
  }

  private static Outcome put(Connection c, TableName t, String key) {
    return attempt(() -> table(c, t, table -> table.put(new Put(row(key)).addColumn(F, Q, row(key)))));
  }

  private static Outcome batchPut(Connection c, TableName t, String prefix, int rows) {
    List<Put> puts = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      puts.add(new Put(row(prefix + "-" + i)).addColumn(F, Q, row(prefix)));
    }
    return attempt(() -> table(c, t, table -> table.put(puts)));
  }

  private static Outcome create(FileSystem fs, String path) {
    return attempt(() -> fs.create(new Path(path), true).close());
  }

  private static void assertAccepted(Outcome o, String what) {
    if (!o.accepted()) {
      throw new AssertionError(what + " was refused: " + o.error(), o.error());
    }
  }

  private static void assertHBaseRefused(Outcome o, String expected, String what) {
    assertNotNull(o.error(), what + " was accepted");
    Optional<Throwable> refusal = chain(o.error()).stream().filter(t -> t instanceof NotPrimaryException).findFirst();
    if (refusal.isEmpty()) {
      throw new AssertionError(what + ": expected a NotPrimaryException, got " + o.error(), o.error());
    }
    assertTrue(refusal.get() instanceof DoNotRetryIOException, "the client must not retry a refusal");
    assertTrue(refusal.get().getMessage().contains(expected),
        what + ": message\n  " + refusal.get().getMessage() + "\nshould contain\n  " + expected);
    assertTrue(o.millis() < NO_RETRY_MS, what + ": refusal took " + o.millis() + " ms: the client retried");
  }

  private static void assertHdfsRefused(Outcome o, String expected, String what) {
    assertNotNull(o.error(), what + " was accepted");
    Optional<Throwable> refusal = chain(o.error()).stream().filter(t -> t instanceof AccessControlException).findFirst();
    if (refusal.isEmpty()) {
      throw new AssertionError(what + ": expected an AccessControlException, got " + o.error(), o.error());
    }
    String msg = refusal.get().getMessage();
    assertTrue(msg.contains(expected), what + ": message\n  " + msg + "\nshould contain\n  " + expected);
    assertFalse(msg.strip().contains("\n"), what + ": message is one line: " + msg);
  }

  /** The error, its causes, and the per-action causes of a failed batch. */
  private static List<Throwable> chain(Throwable t) {
    List<Throwable> out = new ArrayList<>();
    List<Throwable> todo = new ArrayList<>(List.of(t));
    while (!todo.isEmpty()) {
      Throwable x = todo.remove(0);
      if (x == null || out.contains(x)) {
        continue;
      }
      out.add(x);
      todo.add(x.getCause());
      if (x instanceof RetriesExhaustedWithDetailsException) {
        todo.addAll(((RetriesExhaustedWithDetailsException) x).getCauses());
      }
    }
    return out;
  }

  private static int countRows(HBaseTestingUtility util, TableName t, String prefix) throws IOException {
    int count = 0;
    try (Table table = util.getConnection().getTable(t);
        ResultScanner rs = table.getScanner(new Scan().setRowPrefixFilter(row(prefix)))) {
      for (Result r : rs) {
        count++;
      }
    }
    return count;
  }

  /** The timestamps the RegionServers gave the writer's accepted rows: when each write was accepted. */
  private static List<Long> acceptTimes(Side s, String tag) throws IOException {
    List<Long> out = new ArrayList<>();
    try (Table table = s.util().getConnection().getTable(ORDERS);
        ResultScanner rs = table.getScanner(new Scan().setRowPrefixFilter(row(tag + "-")))) {
      for (Result r : rs) {
        Cell c = r.getColumnLatestCell(F, Q);
        out.add(c.getTimestamp());
      }
    }
    return out;
  }

  /** Polls a create until it is refused; returns ms from {@code sinceNanos} to the refusal. */
  private static long awaitRefusal(FileSystem fs, String pathPrefix, long sinceNanos) {
    int[] i = {0};
    await("HDFS refuses " + pathPrefix, () -> !create(fs, pathPrefix + "-" + i[0]++).accepted());
    return (System.nanoTime() - sinceNanos) / 1_000_000;
  }

  // ------------------------------------------------------------------------------- waiting

  private static void await(String what, Callable<Boolean> condition) {
    io.tandem.controller.ControllerFixture.until(what, WAIT, condition);
  }

  private static Attempt awaitAttempt(Writer w, java.util.function.Predicate<Attempt> p, String what) {
    Attempt[] found = new Attempt[1];
    await(what, () -> {
      found[0] = w.first(p).orElse(null);
      return found[0] != null;
    });
    return found[0];
  }

  private static void report(String line) {
    LOG.info("GUARD-METRIC {}", line);
    System.out.println("GUARD-METRIC " + line);
  }

  // ------------------------------------------------------------------------------- load

  /** One write by a {@link Writer}: when it was sent and answered (nanoTime), and whether it was accepted. */
  private record Attempt(long start, long end, boolean accepted) {
  }

  /**
   * Puts rows {@code <tag>-<i>} into the protected table as the application, one after the other,
   * recording every attempt. Refusals are expected; any other error is kept for the test to fail on.
   */
  private static final class Writer implements AutoCloseable {
    final String tag;
    private final Side side;
    private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
    private final List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean stop;

    Writer(Side side, String tag) {
      this.side = side;
      this.tag = tag;
      this.thread = new Thread(this::run, "guard-writer-" + tag);
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      try (Table t = side.app().getTable(ORDERS)) {
        for (int i = 0; !stop; i++) {
          long s = System.nanoTime();
          boolean ok;
          try {
            t.put(new Put(row(tag + "-" + i)).addColumn(F, Q, row(tag)));
            ok = true;
          } catch (Exception e) {
            ok = false;
            if (chain(e).stream().noneMatch(x -> x instanceof NotPrimaryException)) {
              unexpected.add(e);
            }
          }
          attempts.add(new Attempt(s, System.nanoTime(), ok));
          // Pace a little: the point is many attempts across every change, not a saturated box.
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
      } catch (IOException e) {
        unexpected.add(e);
      }
    }

    long count(java.util.function.Predicate<Attempt> p) {
      synchronized (attempts) {
        return attempts.stream().filter(p).count();
      }
    }

    long acceptedCount() {
      return count(Attempt::accepted);
    }

    Optional<Attempt> first(java.util.function.Predicate<Attempt> p) {
      synchronized (attempts) {
        return attempts.stream().filter(p).findFirst();
      }
    }

    void stop() throws InterruptedException {
      stop = true;
      thread.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(thread.isAlive(), "writer " + tag + " stopped");
    }

    void assertNoUnexpectedErrors() {
      if (!unexpected.isEmpty()) {
        AssertionError e = new AssertionError("writer " + tag + " failed other than by refusal: " + unexpected.get(0));
        unexpected.forEach(e::addSuppressed);
        throw e;
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
