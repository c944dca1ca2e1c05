package io.tandem.controller.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.MiniDFSNNTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.tandem.core.identity.IdentityLayout;

/**
 * {@link GuardRoster} on a real HA nameservice (two NameNodes with Tandem's attribute provider,
 * a real controller ZooKeeper): it expects the guard of the active NameNode, named as that
 * guard names its member node, follows a failover, and expects both when neither is active.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardRosterHaTest {
  private static final IdentityLayout LAYOUT = new IdentityLayout("/tandem");
  private static final String CLUSTER = "ha";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private TestingServer zkServer;
  private CuratorFramework zk;
  private MiniDFSCluster cluster;
  private Configuration client;
  private String ns;

  @BeforeAll
  void start() throws Exception {
    zkServer = new TestingServer(true);
    zk = CuratorFrameworkFactory.newClient(zkServer.getConnectString(), 10_000, 5_000,
        new ExponentialBackoffRetry(100, 6));
    zk.start();
    assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS));
    Configuration conf = new Configuration();
    conf.set("dfs.namenode.inode.attributes.provider.class", "io.tandem.hdfs.TandemAttributeProvider");
    conf.set("tandem.guard.zk.quorum", zkServer.getConnectString());
    conf.set("tandem.cluster.name", CLUSTER);
    cluster = new MiniDFSCluster.Builder(conf, Files.createTempDirectory("tandem-roster-ha").toFile())
        .nnTopology(MiniDFSNNTopology.simpleHATopology()).numDataNodes(0).build();
    cluster.waitActive();
    // The client configuration of the nameservice the NameNodes serve, as a cluster's hdfs-site gives it.
    client = new Configuration(cluster.getConfiguration(0));
    ns = client.getTrimmed("dfs.nameservices");
    client.unset("dfs.ha.namenode.id");
    client.set("fs.defaultFS", "hdfs://" + ns);
    client.set("dfs.client.failover.proxy.provider." + ns,
        "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider");
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.shutdown(true);
    }
    if (zk != null) {
      zk.close();
    }
    if (zkServer != null) {
      zkServer.close();
    }
  }

  @Test
  void theActiveNameNodesGuardIsExpectedUnderTheNameItRegisters() throws Exception {
    Set<String> both = Set.of(guard(0), guard(1));
    await("both NameNodes' guards register", () -> members().containsAll(both));
    System.out.println("GUARD-METRIC HA roster: member nodes " + members() + " for " + both);

    assertEquals(both, GuardRoster.nameNodeGuards(client), "neither active: both expected");
    cluster.transitionToActive(0);
    assertEquals(Set.of(guard(0)), GuardRoster.nameNodeGuards(client));
    cluster.transitionToStandby(0);
    cluster.transitionToActive(1);
    assertEquals(Set.of(guard(1)), GuardRoster.nameNodeGuards(client), "follows a failover");
  }

  /** {@code namenode-<nameservice>.<namenode id>}, the id as MiniDFSCluster configured that NameNode. */
  private String guard(int index) {
    String id = cluster.getNameNode(index).getConf().get("dfs.ha.namenode.id");
    return "namenode-" + ns + "." + id;
  }

  private Set<String> members() throws Exception {
    Set<String> out = new TreeSet<>();
    if (zk.checkExists().forPath(LAYOUT.members(CLUSTER)) != null) {
      for (String m : zk.getChildren().forPath(LAYOUT.members(CLUSTER))) {
        out.add(GuardRoster.guardOf(m));
      }
    }
    return out;
  }

  private static void await(String what, Callable<Boolean> condition) {
    io.tandem.controller.ControllerFixture.until(what, WAIT, condition);
  }
}
