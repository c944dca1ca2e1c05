package io.tandem.controller.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cut.ClusterSwitches;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.identity.GuardAck;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.zk.ZkAcl;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Tandem's znodes with ACLs (the test clusters run with them, as docs/security.md sets them up):
 * any ZooKeeper client may read, only the controller changes the identity record, the protected
 * sets and cut specs, the participants add their acks and guard nodes and nothing else, and the
 * controller brings nodes made open before to these ACLs.
 */
@ExtendWith(TwoClusters.class)
class ZkAclTest {
  private static final String ROOT = "/zkacl";
  private static EmbeddedClusters clusters;
  private static ControllerContext ctx;
  private static CuratorFramework anonymousController;
  private static CuratorFramework participantController;
  private static CuratorFramework anonymousPrimary;
  private static CuratorFramework participantPrimary;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    ctx = ControllerFixture.open(c, ROOT);
    anonymousController = client(c.controllerZkQuorum(), null);
    participantController = client(c.controllerZkQuorum(), EmbeddedClusters.ZK_PARTICIPANT_AUTH);
    String primaryZk = EmbeddedClusters.zkQuorum(c.primary());
    anonymousPrimary = client(primaryZk, null);
    participantPrimary = client(primaryZk, EmbeddedClusters.ZK_PARTICIPANT_AUTH);
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (AutoCloseable a : new AutoCloseable[] {anonymousController, participantController, anonymousPrimary,
        participantPrimary, ctx}) {
      if (a != null) {
        a.close();
      }
    }
  }

  private static CuratorFramework client(String connect, String auth) throws InterruptedException {
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder().connectString(connect)
        .retryPolicy(new RetryOneTime(100)).sessionTimeoutMs(30_000).connectionTimeoutMs(10_000);
    if (auth != null) {
      String[] parts = auth.split(":", 2);
      b.authorization(parts[0], parts[1].getBytes(StandardCharsets.UTF_8));
    }
    CuratorFramework zk = b.build();
    zk.start();
    assertTrue(zk.blockUntilConnected(30, TimeUnit.SECONDS), "ZooKeeper " + connect + " reachable");
    return zk;
  }

  @Test
  void onlyTheControllerChangesTheIdentityRecordAndTheProtectedSets() throws Exception {
    IdentityLayout layout = new IdentityLayout(ROOT);
    byte[] record = anonymousController.getData().forPath(layout.identity());
    assertTrue(record.length > 0, "anyone may read where the primary is");
    for (CuratorFramework intruder : List.of(anonymousController, participantController)) {
      assertThrows(KeeperException.NoAuthException.class,
          () -> intruder.setData().forPath(layout.identity(), "primary=evil".getBytes(StandardCharsets.UTF_8)));
      assertThrows(KeeperException.NoAuthException.class, () -> intruder.delete().forPath(layout.identity()));
      assertThrows(KeeperException.NoAuthException.class,
          () -> intruder.create().forPath(layout.protectedSets() + "-evil"));
    }
    assertEquals(new String(record, StandardCharsets.UTF_8),
        new String(ctx.zk().getData().forPath(layout.identity()), StandardCharsets.UTF_8), "the record is unchanged");
    // The controller's own writes go through: the identity store and policies work on these nodes.
    assertEquals(1, ctx.identity().require().record().epoch());
  }

  @Test
  void participantsAddGuardNodesButAnonymousClientsDoNot() throws Exception {
    IdentityLayout layout = new IdentityLayout(ROOT);
    String mine = layout.member("zkacl-cluster", "regionserver-test");
    byte[] ack = "epoch=1".getBytes(StandardCharsets.UTF_8);
    assertThrows(KeeperException.NoAuthException.class,
        () -> anonymousController.create().creatingParentsIfNeeded().forPath(mine, ack));
    ZkAcl acl = ControllerFixture.zkAcl();
    // As the guard makes it: the members' parents JOINABLE, its own node SHARED.
    String members = ROOT + "/members";
    if (participantController.checkExists().forPath(members) == null) {
      participantController.create().withACL(acl.acl(ZkAcl.Kind.JOINABLE)).forPath(members);
    }
    participantController.create().withACL(acl.acl(ZkAcl.Kind.SHARED)).forPath(layout.members("zkacl-cluster"));
    participantController.create().withACL(acl.acl(ZkAcl.Kind.SHARED)).forPath(mine, ack);
    assertNotNull(anonymousController.checkExists().forPath(mine));
    assertThrows(KeeperException.NoAuthException.class, () -> anonymousController.delete().forPath(mine));
    participantController.delete().forPath(mine);
    // The guards of the test clusters really are registered under /tandem with their own ACL, in
    // the nodes the test kit prepared as a controller's first start does (with ZkAcl's kinds).
    IdentityLayout guards = new IdentityLayout("/tandem");
    assertEquals(new HashSet<>(acl.acl(ZkAcl.identityKind(guards, guards.root()))),
        new HashSet<>(ctx.zk().getACL().forPath(guards.root())));
    assertEquals(new HashSet<>(acl.acl(ZkAcl.identityKind(guards, guards.membersRoot()))),
        new HashSet<>(ctx.zk().getACL().forPath(guards.membersRoot())));
    List<String> registered = ctx.zk().getChildren().forPath(guards.members(EmbeddedClusters.PRIMARY));
    assertTrue(!registered.isEmpty(), "the primary's guards registered under " + guards.members(EmbeddedClusters.PRIMARY));
    String member = guards.members(EmbeddedClusters.PRIMARY) + "/" + registered.get(0);
    assertEquals(new HashSet<>(acl.acl(ZkAcl.Kind.SHARED)), new HashSet<>(ctx.zk().getACL().forPath(member)));
    assertNotNull(GuardAck.decode(anonymousController.getData().forPath(member)), "readable by anyone");
  }

  @Test
  void nobodyButTheControllerPublishesACutSpec() throws Exception {
    CutProtocol protocol = new CutProtocol(CutProtocol.DEFAULT_ROOT);
    ZkAcl acl = ControllerFixture.zkAcl();
    try (CuratorFramework controller = ClusterSwitches.connect(ctx.primary(), 30_000, acl, CutProtocol.DEFAULT_ROOT)) {
      if (controller.checkExists().forPath(protocol.root()) == null) {
        controller.create().creatingParentContainersIfNeeded().forPath(protocol.root());
      }
      String spec = protocol.cutPath("zkacl-20261203T000000Z");
      for (CuratorFramework intruder : List.of(anonymousPrimary, participantPrimary)) {
        assertThrows(KeeperException.NoAuthException.class, () -> intruder.create().forPath(spec,
            "leaseMs=86400000".getBytes(StandardCharsets.UTF_8)));
      }
      // A cut's node the controller made: participants add their ack directories, nobody else does.
      controller.create().forPath(spec);
      assertEquals(new HashSet<>(acl.acl(ZkAcl.Kind.JOINABLE)), new HashSet<>(controller.getACL().forPath(spec)));
      assertThrows(KeeperException.NoAuthException.class,
          () -> participantPrimary.setData().forPath(spec, "leaseMs=86400000".getBytes(StandardCharsets.UTF_8)));
      assertThrows(KeeperException.NoAuthException.class, () -> anonymousPrimary.create().forPath(protocol.armedDir(
          "zkacl-20261203T000000Z")));
      participantPrimary.create().withACL(acl.acl(ZkAcl.Kind.SHARED)).forPath(protocol.armedDir("zkacl-20261203T000000Z"));
      controller.delete().deletingChildrenIfNeeded().forPath(spec);
    }
  }

  @Test
  void theControllerProtectsNodesMadeOpenBeforeIt() throws Exception {
    String root = "/zkacl-open";
    IdentityLayout layout = new IdentityLayout(root);
    anonymousController.create().forPath(root);
    anonymousController.create().forPath(root + "/members");
    assertEquals(ZooDefs.Ids.OPEN_ACL_UNSAFE, anonymousController.getACL().forPath(root + "/members"));
    ZkAcl acl = ControllerFixture.zkAcl();
    try (ControllerContext again = ControllerFixture.open(clusters, root)) {
      assertEquals(new HashSet<>(acl.acl(ZkAcl.Kind.JOINABLE)),
          new HashSet<>(again.zk().getACL().forPath(root + "/members")));
      assertEquals(new HashSet<>(acl.acl(ZkAcl.Kind.OWNED)),
          new HashSet<>(again.zk().getACL().forPath(layout.identity())));
      assertThrows(KeeperException.NoAuthException.class,
          () -> anonymousController.create().forPath(root + "/evil"));
      // Re-checking finds nothing left to change.
      assertEquals(0, ZkAcls.secure(again.zk(), root, acl, p -> ZkAcl.identityKind(layout, p)));
    }
    for (ACL a : acl.acl(ZkAcl.Kind.OWNED)) {
      if (a.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE)) {
        assertEquals(ZooDefs.Perms.READ, a.getPerms(), "anyone reads, nothing more");
      }
    }
  }
}
