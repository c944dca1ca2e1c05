package io.tandem.controller.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.ServerName;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.JVMClusterUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cluster.ClusterConnection;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * {@link GuardRoster} on the real clusters: the guards it expects are named exactly as the guards
 * inside the RegionServers and NameNodes name their member nodes, and a RegionServer is expected
 * once it serves a user region, and then reported missing until its guard has registered.
 */
@ExtendWith(TwoClusters.class)
class GuardRosterTest {
  private static final IdentityLayout LAYOUT = new IdentityLayout("/tandem");
  private static final TableName TABLE = TableName.valueOf("roster_t");
  private static final TableName EXTRA = TableName.valueOf("roster_extra");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static EmbeddedClusters clusters;
  private static CuratorFramework zk;
  private static ClusterConnection primary;
  private static ClusterConnection secondary;
  private static GuardRoster roster;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    zk = ControllerFixture.controllerZkClient(c.controllerZkQuorum(), 10_000, 5_000, new ExponentialBackoffRetry(100, 6));
    zk.start();
    assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS));
    primary = new ClusterConnection(EmbeddedClusters.PRIMARY, new Configuration(c.primary().getConfiguration()));
    secondary = new ClusterConnection(EmbeddedClusters.SECONDARY, new Configuration(c.secondary().getConfiguration()));
    roster = new GuardRoster(LAYOUT, zk);
    for (HBaseTestingUtility u : List.of(c.primary(), c.secondary())) {
      spreadUserRegions(u);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (HBaseTestingUtility u : List.of(clusters.primary(), clusters.secondary())) {
      try (Admin admin = u.getConnection().getAdmin()) {
        for (TableName t : List.of(TABLE, EXTRA)) {
          if (admin.tableExists(t)) {
            admin.disableTable(t);
            admin.deleteTable(t);
          }
        }
      }
    }
    primary.close();
    secondary.close();
    zk.close();
  }

  /** A user table with a region on every RegionServer, so every RegionServer's guard is up. */
  private static void spreadUserRegions(HBaseTestingUtility u) throws Exception {
    try (Admin admin = u.getConnection().getAdmin()) {
      if (!admin.tableExists(TABLE)) {
        admin.createTable(TableDescriptorBuilder.newBuilder(TABLE).setColumnFamily(ColumnFamilyDescriptorBuilder.of("f"))
            .build(), new byte[][] {Bytes.toBytes("m")});
      }
      u.waitUntilAllRegionsAssigned(TABLE);
      List<ServerName> servers = List.copyOf(admin.getRegionServers());
      List<RegionInfo> regions = admin.getRegions(TABLE);
      for (int i = 0; i < regions.size(); i++) {
        admin.move(regions.get(i).getEncodedNameAsBytes(), servers.get(i % servers.size()));
      }
      u.waitUntilAllRegionsAssigned(TABLE);
    }
  }

  @Test
  void theExpectedGuardsAreTheLiveServersAndEveryOneHasRegistered() throws Exception {
    for (ClusterConnection c : List.of(primary, secondary)) {
      GuardRoster.Roster[] r = new GuardRoster.Roster[1];
      try {
        await(c.name() + "'s roster complete", () -> (r[0] = roster.check(c)).complete());
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + ": " + (r[0] == null ? "no roster" : r[0].describe()), e);
      }
      Set<String> regionServers;
      try (Admin admin = c.hbase().getAdmin()) {
        regionServers = admin.getRegionServers().stream().map(GuardRoster::regionServerGuard)
            .collect(Collectors.toCollection(TreeSet::new));
      }
      SortedSet<String> expected = r[0].expected();
      assertEquals(TwoClusters.REGION_SERVERS + 1, expected.size(), r[0].describe());
      assertTrue(expected.containsAll(regionServers), r[0].describe());
      List<String> nameNodes = expected.stream().filter(g -> g.startsWith("namenode-")).toList();
      assertEquals(1, nameNodes.size(), r[0].describe());
      // The point of the names: each expected guard is found among the member nodes the guards wrote.
      assertTrue(r[0].members().values().containsAll(expected), r[0].describe() + " members " + r[0].members());
      System.out.println("GUARD-METRIC roster " + r[0].describe());
    }
  }

  /**
   * A RegionServer that has opened no user region has no guard yet and holds nothing to refuse,
   * so it is not expected; once a user region opens on it, it is expected, and the roster is
   * complete only when its guard has registered.
   */
  @Test
  void aRegionServerIsExpectedOnceItServesAUserRegion() throws Exception {
    HBaseTestingUtility u = clusters.primary();
    JVMClusterUtil.RegionServerThread extra = u.getMiniHBaseCluster().startRegionServer();
    extra.waitForServerOnline();
    ServerName name = extra.getRegionServer().getServerName();
    String guard = GuardRoster.regionServerGuard(name);
    try (Admin admin = u.getConnection().getAdmin()) {
      await("the master lists " + name, () -> admin.getRegionServers().contains(name));
      GuardRoster.Roster before = roster.check(primary);
      assertTrue(!before.expected().contains(guard), before.describe());
      assertEquals(Set.of(), before.missing(), before.describe());

      // A table of its own, so no other RegionServer gives up its last user region (and its guard).
      admin.createTable(TableDescriptorBuilder.newBuilder(EXTRA).setColumnFamily(ColumnFamilyDescriptorBuilder.of("f"))
          .build());
      u.waitUntilAllRegionsAssigned(EXTRA);
      RegionInfo region = admin.getRegions(EXTRA).get(0);
      long t0 = System.nanoTime();
      await("a user region on " + name, () -> {
        if (u.getConnection().getRegionLocator(EXTRA).getRegionLocation(region.getStartKey(), true).getServerName()
            .equals(name)) {
          return true;
        }
        admin.move(region.getEncodedNameAsBytes(), name); // the master may not take a move to a server so new
        return false;
      });
      await("the new RegionServer's guard is expected", () -> roster.check(primary).expected().contains(guard));
      await("the new RegionServer's guard registers", () -> roster.check(primary).complete());
      GuardRoster.Roster after = roster.check(primary);
      assertTrue(after.members().containsValue(guard), after.describe());
      System.out.println("GUARD-METRIC roster with a RegionServer serving no user region: " + before.describe()
          + "; complete " + (System.nanoTime() - t0) / 1_000_000 + " ms after a user region moved onto it");
    } finally {
      extra.getRegionServer().stop("GuardRosterTest done");
      extra.join();
      try (Admin admin = u.getConnection().getAdmin()) {
        await(name + " gone from the master's list", () -> !admin.getRegionServers().contains(name));
      }
      u.waitUntilAllRegionsAssigned(EXTRA);
    }
    GuardRoster.Roster end = roster.check(primary);
    assertTrue(!end.expected().contains(guard), "a stopped RegionServer is not expected: " + end.describe());
  }

  @Test
  void aMemberNodeNamesItsGuardWithoutTheUniqueSuffix() {
    assertEquals("regionserver-h_16020_17", GuardRoster.guardOf("regionserver-h_16020_17~0a1b2c3d"));
    assertEquals("namenode-ns1.nn1", GuardRoster.guardOf("namenode-ns1.nn1~0a1b2c3d"));
    assertEquals("regionserver-h_16020_17", GuardRoster.regionServerGuard(ServerName.valueOf("h", 16020, 17)));
  }

  private static void await(String what, Callable<Boolean> condition) {
    io.tandem.controller.ControllerFixture.until(what, WAIT, condition);
  }
}
