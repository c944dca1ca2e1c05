package io.tandem.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.tandem.core.config.ServerConf;
import io.tandem.core.cut.CutProtocol;
import io.tandem.core.identity.IdentityLayout;
import io.tandem.core.zk.ZkAcl;

/** Reading the ZooKeeper ACL settings, and which rights each kind of node gives whom. */
class ZkAclSettingsTest {
  private static final String CONTROLLER = "sasl:tandem";
  private static final String PARTICIPANTS = "sasl:hbase, sasl:hdfs";

  private static ZkAcl of(String controller, String participants, String auth) {
    Map<String, String> m = new HashMap<>();
    m.put(ZkAcl.CONTROLLER_IDS_KEY, controller);
    m.put(ZkAcl.PARTICIPANT_IDS_KEY, participants);
    m.put(ZkAcl.AUTH_KEY, auth);
    return ZkAcl.from(m::get);
  }

  private static int perms(List<ACL> acl, String scheme, String id) {
    return acl.stream().filter(a -> a.getId().equals(new Id(scheme, id))).mapToInt(ACL::getPerms).findFirst()
        .orElse(0);
  }

  @Test
  void unsetLeavesNodesOpenAsZooKeeperDoes() {
    ZkAcl open = of(null, "", null);
    assertFalse(open.enabled());
    for (ZkAcl.Kind k : ZkAcl.Kind.values()) {
      assertEquals(ZooDefs.Ids.OPEN_ACL_UNSAFE, open.acl(k));
    }
    assertTrue(open.auth().isEmpty());
  }

  @Test
  void eachKindGivesTheParticipantsOnlyWhatTheProtocolNeeds() {
    ZkAcl acl = of(CONTROLLER, PARTICIPANTS, "");
    for (ZkAcl.Kind k : ZkAcl.Kind.values()) {
      List<ACL> list = acl.acl(k);
      assertEquals(ZooDefs.Perms.ALL, perms(list, "sasl", "tandem"), k + ": the controller may do anything");
      assertEquals(ZooDefs.Perms.READ, perms(list, "world", "anyone"), k + ": anyone reads, nothing more");
    }
    assertEquals(ZooDefs.Perms.READ, perms(acl.acl(ZkAcl.Kind.OWNED), "sasl", "hbase"));
    assertEquals(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, perms(acl.acl(ZkAcl.Kind.JOINABLE), "sasl", "hdfs"));
    int shared = perms(acl.acl(ZkAcl.Kind.SHARED), "sasl", "hbase");
    assertEquals(0, shared & ZooDefs.Perms.ADMIN, "participants never change ACLs");
    assertEquals(ZooDefs.Perms.READ | ZooDefs.Perms.WRITE | ZooDefs.Perms.CREATE | ZooDefs.Perms.DELETE, shared);
  }

  @Test
  void badSettingsAreRefusedNamingTheKey() {
    IllegalArgumentException noController = assertThrows(IllegalArgumentException.class,
        () -> of("", PARTICIPANTS, null));
    assertTrue(noController.getMessage().startsWith(ZkAcl.PARTICIPANT_IDS_KEY), noController.getMessage());
    IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class, () -> of("kerberos:tandem", "", ""));
    assertTrue(scheme.getMessage().startsWith(ZkAcl.CONTROLLER_IDS_KEY) && scheme.getMessage().contains("kerberos"),
        scheme.getMessage());
    IllegalArgumentException digest = assertThrows(IllegalArgumentException.class, () -> of("digest:tandem", "", ""));
    assertTrue(digest.getMessage().contains("DigestAuthenticationProvider"), digest.getMessage());
    IllegalArgumentException auth = assertThrows(IllegalArgumentException.class,
        () -> of(CONTROLLER, "", "digest"));
    assertTrue(auth.getMessage().startsWith(ZkAcl.AUTH_KEY), auth.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> of(CONTROLLER, "", "@/nonexistent/zk-auth.txt"));
    assertTrue(missing.getMessage().contains("/nonexistent/zk-auth.txt"), missing.getMessage());
  }

  @Test
  void credentialsComeFromAFileWhenTheValueStartsWithAt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("zk-auth.txt");
    Files.writeString(file, "digest:tandem:s3cret\n", StandardCharsets.UTF_8);
    ZkAcl acl = of(CONTROLLER, "", "@" + file);
    assertEquals(1, acl.auth().size());
    assertEquals("digest", acl.auth().get(0)[0]);
    assertEquals("tandem:s3cret", acl.auth().get(0)[1]);
    assertFalse(acl.describe().contains("s3cret"), "log lines carry no credentials: " + acl.describe());
  }

  @Test
  void aParticipantWithABadSettingSaysSoOnceAndPresentsNothing() {
    Configuration conf = new Configuration(false);
    conf.set(ZkAcl.CONTROLLER_IDS_KEY, "nonsense");
    assertSame(ZkAcl.OPEN, new ServerConf(conf, "hbase-site.xml").zkAcl());
  }

  @Test
  void theKindOfANodeFollowsFromItsPath() {
    IdentityLayout layout = new IdentityLayout("/tandem");
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.identityKind(layout, layout.identity()));
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.identityKind(layout, layout.protectedSets()));
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.identityKind(layout, "/tandem/policies/billing"));
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.identityKind(layout, "/tandem"));
    assertEquals(ZkAcl.Kind.JOINABLE, ZkAcl.identityKind(layout, "/tandem/members"));
    assertEquals(ZkAcl.Kind.SHARED, ZkAcl.identityKind(layout, layout.members("primary")));
    assertEquals(ZkAcl.Kind.SHARED, ZkAcl.identityKind(layout, layout.member("primary", "regionserver-x")));

    CutProtocol cuts = new CutProtocol("/tandem/cuts");
    String cut = "billing-20261203T000000Z";
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.cutKind(cuts, "/tandem/cuts"));
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.cutKind(cuts, "/tandem/switches"));
    assertEquals(ZkAcl.Kind.JOINABLE, ZkAcl.cutKind(cuts, cuts.cutPath(cut)));
    assertEquals(ZkAcl.Kind.SHARED, ZkAcl.cutKind(cuts, cuts.armedDir(cut)));
    assertEquals(ZkAcl.Kind.SHARED, ZkAcl.cutKind(cuts, cuts.armedPath(cut, "rs1,16020,1")));
    assertEquals(ZkAcl.Kind.SHARED, ZkAcl.cutKind(cuts, cuts.child(cut, CutProtocol.HDFS)));
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.cutKind(cuts, cuts.child(cut, CutProtocol.RELEASED)));
    assertEquals(ZkAcl.Kind.OWNED, ZkAcl.cutKind(cuts, cuts.child(cut, CutProtocol.HDFS_REQUEST)));
  }
}
