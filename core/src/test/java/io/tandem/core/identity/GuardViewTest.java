package io.tandem.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

class GuardViewTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final ProtectedSets SETS = new ProtectedSets(Set.of("billing:orders"), Set.of("ledger"),
      Set.of("/data/billing", "/data/x/"));

  private static IdentityRecord rec(String primary, long epoch) {
    return new IdentityRecord(primary, epoch, T, "test");
  }

  @Test
  void theRuleInOrder() {
    assertEquals(GuardView.State.UNMANAGED, GuardView.read("secondary", null, SETS).state());
    assertTrue(GuardView.read("secondary", null, SETS).refusesNothing());
    assertEquals(GuardView.State.PRIMARY, GuardView.read("primary", rec("primary", 4), SETS).state());
    assertTrue(GuardView.read("primary", rec("primary", 4), SETS).refusesNothing());
    GuardView secondary = GuardView.read("secondary", rec("primary", 4), SETS);
    assertEquals(GuardView.State.NOT_PRIMARY, secondary.state());
    assertFalse(secondary.refusesNothing());
    assertEquals(GuardView.State.IN_TRANSITION, GuardView.read("primary", rec("", 5), SETS).state());
    assertFalse(GuardView.read("primary", rec("", 5), SETS).allowsProtectedWrites());
    // A cluster without a name is never primary.
    assertEquals(GuardView.State.NOT_PRIMARY, GuardView.read("", rec("primary", 4), SETS).state());
    // Nothing protected: nothing refused, whoever is primary.
    assertTrue(GuardView.read("secondary", rec("primary", 4), ProtectedSets.EMPTY).refusesNothing());
  }

  @Test
  void refusalMessagesAreOneLineAndSayWhatToDo() {
    assertEquals("cluster secondary is not primary (epoch 4, primary is primary): writes to billing:orders are refused;"
        + " write to the primary or switch identity",
        GuardView.read("secondary", rec("primary", 4), SETS).refusal("billing:orders"));
    String transition = GuardView.read("primary", rec("", 5), SETS).refusal("/data/billing/f");
    assertTrue(transition.contains("identity switch in progress"), transition);
    String lost = GuardView.read("primary", rec("primary", 4), SETS).disconnected().refusal("billing:orders");
    assertEquals("cluster primary cannot confirm it is primary (lost its session to the controller's ZooKeeper; last"
        + " known epoch 4, primary was primary): writes to billing:orders are refused until it reconnects", lost);
    for (String m : new String[] {transition, lost}) {
      assertFalse(m.contains("\n"), m);
    }
  }

  @Test
  void tablesMatchByNameOrNamespace() {
    GuardView v = GuardView.read("secondary", rec("primary", 4), SETS);
    assertTrue(v.protectsTable("billing", "billing:orders"));
    assertFalse(v.protectsTable("billing", "billing:other"));
    assertTrue(v.protectsTable("ledger", "ledger:anything"));
    assertFalse(v.protectsTable("default", "default:orders"));
  }

  @Test
  void pathsMatchWholeSegmentsOnly() {
    GuardView v = GuardView.read("secondary", rec("primary", 4), SETS);
    assertTrue(v.protectsPath("/data/billing"));
    assertTrue(v.protectsPath("/data/billing/2026/f"));
    assertFalse(v.protectsPath("/data/billing2"));
    assertFalse(v.protectsPath("/data"));
    assertTrue(v.protectsPath("/data/x/y"), "a trailing slash in the published set is ignored");
    assertTrue(v.isAncestorOfProtected("/data"));
    assertTrue(v.isAncestorOfProtected("/"));
    assertFalse(v.isAncestorOfProtected("/data/billing"));
    assertFalse(v.isAncestorOfProtected("/dat"));
  }

  @Test
  void unknownRefusesEverythingOnlyWhenAsked() {
    GuardView hbase = GuardView.unknown("primary", true);
    assertFalse(hbase.refusesNothing());
    assertTrue(hbase.protectsTable("any", "any:t"));
    GuardView hdfs = GuardView.unknown("primary", false);
    assertTrue(hdfs.refusesNothing());
    assertSame(hbase, hbase.disconnected(), "a guard that never read stays unknown");
  }

  @Test
  void aReadBegunBeforeAConnectionLossIsDropped() {
    GuardState s = new GuardState(GuardView.unknown("primary", true));
    long g = s.generation();
    GuardView allow = GuardView.read("primary", rec("primary", 4), SETS);
    assertSame(allow, s.apply(g, allow));
    long before = s.generation();
    GuardView lost = s.connectionLost();
    assertEquals(GuardView.State.DISCONNECTED, lost.state());
    assertNull(s.apply(before, allow), "stale read must not turn the guard back on");
    assertSame(lost, s.view());
    assertSame(allow, s.apply(s.generation(), allow));
  }

  @Test
  void acksRoundTripAndReadTheFirstShape() {
    GuardAck ack = GuardView.read("secondary", rec("primary", 4), SETS).ack("rs1", T);
    assertEquals(ack, GuardAck.decode(ack.encode()));
    assertEquals(4, ack.epoch());
    assertFalse(ack.allowsWrites());
    assertEquals("NOT_PRIMARY", ack.state());
    GuardAck none = GuardView.read("secondary", null, SETS).ack("rs1", T);
    assertEquals(GuardAck.NO_EPOCH, none.epoch());
    assertTrue(none.allowsWrites());
    GuardAck old = GuardAck.decode("format=1\nepoch=7\nallowsWrites=false\n".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(new GuardAck(7, false), old);
    assertThrows(IllegalArgumentException.class, () -> GuardAck.decode(new byte[0]));
    assertThrows(IllegalArgumentException.class,
        () -> GuardAck.decode("format=1\nepoch=7\n".getBytes(StandardCharsets.ISO_8859_1)));
  }

  @Test
  void bypassUsersParse() {
    assertEquals(Set.of("tandem", "hbase"), GuardKeys.parseUsers(" tandem, ,hbase "));
    assertEquals(Set.of(), GuardKeys.parseUsers(null));
  }
}
