package io.tandem.hbase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.ServerName;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RetriesExhaustedWithDetailsException;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.JVMClusterUtil;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.identity.IdentityRecord;
import io.tandem.core.identity.ProtectedSets;

/**
 * A RegionServer started while the controller's ZooKeeper is unreachable: its identity guard has
 * never read the record, so it refuses every application write to the user tables it serves
 * (it cannot tell which are protected), saying so; once ZooKeeper is back and the record names this
 * cluster primary, writes are let in. Real HBase mini cluster, real controller ZooKeeper.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardFirstReadTest {
  private static final IdentityLayout LAYOUT = new IdentityLayout("/tandem");
  private static final String CLUSTER = "c1";
  private static final byte[] F = Bytes.toBytes("f");
  private static final TableName ORDERS = TableName.valueOf("orders");
  private static final TableName FREE = TableName.valueOf("free");
  private static final Duration WAIT = Duration.ofSeconds(90);

  private TestingServer zkServer;
  private CuratorFramework zk;
  private HBaseTestingUtility util;

  @BeforeAll
  void start() throws Exception {
    zkServer = new TestingServer(true);
    zk = CuratorFrameworkFactory.newClient(zkServer.getConnectString(), 10_000, 5_000,
        new ExponentialBackoffRetry(100, 6));
    zk.start();
    assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS));
    zk.create().creatingParentsIfNeeded().forPath(LAYOUT.protectedSets(),
        new ProtectedSets(Set.of("default:orders"), Set.of(), Set.of()).encode());
    zk.create().creatingParentsIfNeeded().forPath(LAYOUT.identity(),
        new IdentityRecord(CLUSTER, 1, Instant.now(), "GuardFirstReadTest").encode());

    Configuration conf = new Configuration();
    conf.set("hbase.coprocessor.user.region.classes", TandemGuardObserver.class.getName());
    conf.set("tandem.guard.zk.quorum", zkServer.getConnectString());
    conf.set("tandem.cluster.name", CLUSTER);
    conf.setInt("tandem.guard.zk.session.timeout.ms", 4000);
    conf.setInt("hbase.master.info.port", -1);
    conf.setInt("hbase.regionserver.info.port", -1);
    conf.setInt("hbase.client.retries.number", 5);
    util = new HBaseTestingUtility(org.apache.hadoop.hbase.HBaseConfiguration.create(conf));
    util.startMiniCluster(1);
    for (TableName t : List.of(ORDERS, FREE)) {
      util.createTable(TableDescriptorBuilder.newBuilder(t).setColumnFamily(ColumnFamilyDescriptorBuilder.of(F))
          .build(), null);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (util != null) {
      util.shutdownMiniCluster();
    }
    if (zk != null) {
      zk.close();
    }
    if (zkServer != null) {
      zkServer.close();
    }
  }

  @Test
  void aRegionServerThatHasNotReadTheRecordRefusesUntilItHas() throws Exception {
    assertEquals(null, put(ORDERS, "before"), "the first RegionServer, having read the record, lets writes in");

    zkServer.stop();
    List<Throwable> refusals = new ArrayList<>();
    try {
      JVMClusterUtil.RegionServerThread fresh = util.getMiniHBaseCluster().startRegionServer();
      fresh.waitForServerOnline();
      ServerName freshName = fresh.getRegionServer().getServerName();
      try (Admin admin = util.getConnection().getAdmin()) {
        await("the master knows " + freshName, () -> admin.getRegionServers().contains(freshName));
        for (TableName t : List.of(ORDERS, FREE)) {
          await(t + " served by the RegionServer started without the controller's ZooKeeper", () -> {
            if (freshName.equals(util.getConnection().getRegionLocator(t).getRegionLocation(Bytes.toBytes("x"), true)
                .getServerName())) {
              return true;
            }
            for (RegionInfo r : admin.getRegions(t)) {
              admin.move(r.getEncodedNameAsBytes(), freshName);
            }
            return false;
          });
        }
      }
      for (TableName t : List.of(ORDERS, FREE)) {
        IOException e = put(t, "unread");
        assertNotNull(e, "a write to " + t + " before the guard's first read was accepted");
        NotPrimaryException refusal = notPrimary(e);
        assertTrue(refusal.getMessage().contains("Tandem guard has not read the identity record yet"),
            refusal.getMessage());
        assertTrue(refusal.getMessage().contains("writes to " + t.getNameAsString() + " are refused"),
            refusal.getMessage());
        refusals.add(refusal);
      }
    } finally {
      zkServer.restart();
    }
    long t0 = System.nanoTime();
    await("writes to the protected table are let in once the record is read", () -> put(ORDERS, "after") == null);
    System.out.println("GUARD-METRIC RegionServer started without the controller's ZooKeeper: refused "
        + refusals.size() + " tables' writes before its first read; let them in " + (System.nanoTime() - t0) / 1_000_000
        + " ms after ZooKeeper was back");
    assertEquals(null, put(FREE, "after"), "and those to unprotected tables");
  }

  private IOException put(TableName t, String row) {
    try (Table table = util.getConnection().getTable(t)) {
      table.put(new Put(Bytes.toBytes(row)).addColumn(F, F, Bytes.toBytes(row)));
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  private static NotPrimaryException notPrimary(Throwable t) {
    List<Throwable> todo = new ArrayList<>(List.of(t));
    while (!todo.isEmpty()) {
      Throwable x = todo.remove(0);
      if (x == null) {
        continue;
      }
      if (x instanceof NotPrimaryException) {
        return (NotPrimaryException) x;
      }
      todo.add(x.getCause());
      if (x instanceof RetriesExhaustedWithDetailsException) {
        todo.addAll(((RetriesExhaustedWithDetailsException) x).getCauses());
      }
    }
    throw new AssertionError("expected a NotPrimaryException, got " + t, t);
  }

  private static void await(String what, Callable<Boolean> condition) {
    io.tandem.testkit.Wait.until(what, WAIT, condition);
  }

}
