package io.tandem.controller.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;

/** Scratch names read back to their service and table, and never name a live table or another service's drill. */
class DrillNamesTest {

  @Test
  void scratchTablesReadBackToTheirTable() {
    TableName s = DrillNames.scratchTable("billing", "sales:orders.v2");
    assertEquals("tandem_drill:billing.sales.orders.v2", s.getNameAsString());
    assertEquals(Optional.of("sales:orders.v2"), DrillNames.origin(s));
    assertEquals(Optional.of("default:t"), DrillNames.origin(DrillNames.scratchTable("billing", "t")));
    assertEquals(Optional.empty(), DrillNames.origin(TableName.valueOf("sales:billing.sales.orders")));
  }

  @Test
  void aScratchTableBelongsToOneService() {
    TableName s = DrillNames.scratchTable("bill", "ns:t");
    assertTrue(DrillNames.isScratchOf("bill", s));
    assertFalse(DrillNames.isScratchOf("billing", s));
    assertFalse(DrillNames.isScratchOf("bil", s), "a service whose name is a prefix of another's");
    assertFalse(DrillNames.isScratchOf("bill", TableName.valueOf("ns", "bill.ns.t")), "outside tandem_drill");
  }

  @Test
  void drillIdsSortByTheirStart() {
    String a = DrillNames.drillId(Instant.parse("2026-12-03T09:59:59.999Z"));
    String b = DrillNames.drillId(Instant.parse("2026-12-03T10:00:00Z"));
    assertEquals("drill-20261203T095959999Z", a);
    assertTrue(a.compareTo(b) < 0);
    assertTrue(DrillNames.isDrillId(b));
    assertFalse(DrillNames.isDrillId("drill-../x"));
    assertEquals("/tandem/drill/billing/" + b, DrillNames.scratchDir("/tandem/drill/", "billing", b));
  }
}
