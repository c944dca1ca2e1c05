package io.tandem.core.cut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CutProtocolTest {
  private final CutProtocol zk = new CutProtocol("/tandem/cuts/");

  @Test
  void layoutPaths() {
    assertEquals("/tandem/cuts", zk.root());
    assertEquals("/tandem/cuts/c1", zk.cutPath("c1"));
    assertEquals("/tandem/cuts/c1/armed/rs1.example.com,16020,1700000000000",
        zk.armedPath("c1", "rs1.example.com,16020,1700000000000"));
    assertEquals("/tandem/cuts/c1/aborted/namenode", zk.abortedPath("c1", "namenode"));
    assertEquals("/tandem/cuts/c1/released", zk.child("c1", CutProtocol.RELEASED));
    assertEquals("a_b_c", CutProtocol.nodeName("a/b c"));
  }

  @Test
  void rejectsBadIdsAndRoots() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> zk.cutPath("../x"));
    assertTrue(e.getMessage().contains("cutId"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CutProtocol("tandem"));
    assertThrows(IllegalArgumentException.class, () -> new CutProtocol("/"));
  }

  @Test
  void phaseFollowsChildren() {
    assertEquals(CutProtocol.Phase.ARMING, CutProtocol.phaseOf(Set.of(CutProtocol.ARMED, CutProtocol.HDFS)));
    assertEquals(CutProtocol.Phase.RELEASED, CutProtocol.phaseOf(Set.of(CutProtocol.RELEASED)));
    assertEquals(CutProtocol.Phase.DONE, CutProtocol.phaseOf(Set.of(CutProtocol.RELEASED, CutProtocol.DONE)));
  }

  @Test
  void specRoundTripsWithAwkwardNames() {
    CutSpec spec = new CutSpec("billing-20260101T0200Z", List.of("billing:orders", "audit=log, x"),
        Map.of("/data/billing dir/ä", "snap-1", "/data/b", "snap-2"), 30_000, 1_700_000_010_000L,
        1_700_000_000_000L, 500);
    byte[] bytes = spec.encode();
    assertEquals(spec, CutSpec.decode(bytes));
    assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("cutId=billing-20260101T0200Z"));
    assertTrue(spec.coversTable("billing:orders"));
    assertFalse(spec.coversTable("billing:other"));
    assertTrue(new CutSpec("c", List.of("t1"), Map.of(), 1, 0, 0, 0).coversTable("default:t1"));
  }

  @Test
  void staleWhenFirstSeenAfterLeaseAndSlack() {
    CutSpec spec = new CutSpec("c", List.of("t"), Map.of(), 1000, 0, 10_000, 200);
    assertFalse(spec.staleAt(11_200));
    assertTrue(spec.staleAt(11_201));
  }

  @Test
  void acksRoundTrip() {
    ArmAck ack = new ArmAck("h,1,2", List.of("abc", "def"), 12, 3, 9, false);
    assertEquals(ack, ArmAck.decode(ack.encode()));
    HdfsAck ok = HdfsAck.success(Map.of("/a", "/a/.snapshot/s"), 2);
    assertEquals(ok, HdfsAck.decode(ok.encode()));
    HdfsAck bad = HdfsAck.failure("dir /x is not snapshottable", 1);
    assertEquals(bad, HdfsAck.decode(bad.encode()));
    CutAbort abort = new CutAbort("h,1,2", "lease of 1000 ms expired", 5);
    assertEquals(abort, CutAbort.decode(abort.encode()));
    assertEquals(CutProtocol.OUTCOME_FAILED,
        CutProtocol.decodeDoneOutcome(CutProtocol.encodeDone(CutProtocol.OUTCOME_FAILED, "x")));
  }

  @Test
  void rejectsForeignPayloads() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CutSpec.decode("format=9\ncutId=x\n".getBytes(StandardCharsets.ISO_8859_1)));
    assertTrue(e.getMessage().contains("format 9"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CutSpec.decode(new byte[0]));
    assertThrows(IllegalArgumentException.class,
        () -> new CutSpec("c", List.of("t"), Map.of("relative/dir", "s"), 1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new CutSpec("c", List.of("t"), Map.of(), 0, 0, 0, 0));
  }
}
