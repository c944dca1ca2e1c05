package io.tandem.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.tandem.core.policy.DataSet;
import io.tandem.core.policy.PolicyValidator;

class CutNamesTest {

  /** HBase's rule for snapshot names (TableName.isLegalTableQualifierName with isSnapshot), ASCII. */
  private static final Pattern HBASE_SNAPSHOT_NAME = Pattern.compile("[a-zA-Z_0-9][a-zA-Z_0-9\\-.]*");
  private static final Instant T = Instant.parse("2026-11-25T12:00:00Z");

  private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
  private static final String DIGITS = "0123456789";
  private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  private static String word(Random random, String first, String rest, int maxRest) {
    StringBuilder sb = new StringBuilder().append(first.charAt(random.nextInt(first.length())));
    int len = random.nextInt(maxRest + 1);
    for (int i = 0; i < len; i++) {
      sb.append(rest.charAt(random.nextInt(rest.length())));
    }
    return sb.toString();
  }

  /** Any name {@link PolicyValidator#SERVICE_NAME} accepts: {@code [a-z][a-z0-9_-]{0,47}}. */
  private static String serviceName(Random random) {
    return word(random, LOWER, LOWER + DIGITS + "_-", 47);
  }

  /** Any HBase namespace: letters, digits, '_' only (TableName.isLegalNamespaceName), ASCII. */
  private static String namespace(Random random) {
    return word(random, LOWER + UPPER + DIGITS + "_", LOWER + UPPER + DIGITS + "_", 20);
  }

  /** Any HBase table qualifier: not starting with '.' or '-' (TableName.isLegalTableQualifierName), ASCII. */
  private static String qualifier(Random random) {
    return word(random, LOWER + UPPER + DIGITS + "_", LOWER + UPPER + DIGITS + "_.-", 30);
  }

  @Nested
  class CutId {

    @Test
    void serviceThenUtcStampToTheMillisecond() {
      assertEquals("billing-20261125T120000000Z", CutNames.cutId("billing", T));
      assertEquals("billing-20260102T030405678Z",
          CutNames.cutId("billing", Instant.parse("2026-01-02T03:04:05.678Z")));
      // Sub-millisecond parts are dropped, not rounded.
      assertEquals("b-20260102T030405678Z", CutNames.cutId("b", Instant.parse("2026-01-02T03:04:05.678999999Z")));
    }

    @Test
    void momentsOneMillisecondApartGiveDistinctIds() {
      Instant t = Instant.parse("2026-12-31T23:59:59.999Z");
      String a = CutNames.cutId("billing", t);
      String b = CutNames.cutId("billing", t.plusMillis(1));
      assertNotEquals(a, b);
      assertEquals("billing-20270101T000000000Z", b);
    }

    @Test
    void idsSortLikeTheirMomentsWithinAService() {
      Random random = new Random(7);
      for (int i = 0; i < 500; i++) {
        Instant a = Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1_000_000_000));
        Instant b = Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1_000_000_000));
        int byMoment = Integer.signum(a.compareTo(b));
        int byId = Integer.signum(CutNames.cutId("billing", a).compareTo(CutNames.cutId("billing", b)));
        assertEquals(byMoment, byId, a + " vs " + b);
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Billing", "1billing", "bill.ing", "bill ing", "bill:ing"})
    void refusesServiceNamesTheValidatorRefuses(String service) {
      String msg = assertThrows(IllegalArgumentException.class, () -> CutNames.cutId(service, T)).getMessage();
      assertTrue(msg.contains("\"" + service + "\""), msg);
    }

    @Test
    void isCutIdRecognisesWhatCutIdMakes() {
      Random random = new Random(11);
      for (int i = 0; i < 2_000; i++) {
        String service = serviceName(random);
        Instant moment = Instant.ofEpochMilli(random.nextLong(0, 253_402_300_799_999L)); // up to 9999-12-31
        String id = CutNames.cutId(service, moment);
        assertTrue(CutNames.isCutId(id), id);
        assertTrue(id.startsWith(service + "-"), id);
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "billing", "billing-", "billing-20261125T120000000", "billing-20261125T120000Z",
        "billing-20261125t120000000Z", "Billing-20261125T120000000Z", "-20261125T120000000Z",
        "billing-20261125T120000000Z ", "billing_20261125T120000000Z", "tandem-billing-20261125T120000000Z-ns-t"})
    void isCutIdRefusesOtherText(String text) {
      assertFalse(CutNames.isCutId(text), text);
    }

    @Test
    void isCutIdOfNullIsFalse() {
      assertFalse(CutNames.isCutId(null));
    }
  }

  @Nested
  class SnapshotNames {

    @Test
    void shapes() {
      String cut = CutNames.cutId("billing", T);
      assertEquals("tandem-billing-20261125T120000000Z", CutNames.dirSnapshot(cut));
      assertEquals("tandem-billing-20261125T120000000Z-billing-orders", CutNames.tableSnapshot(cut, "billing:orders"));
      assertTrue(CutNames.dirSnapshot(cut).startsWith(CutNames.PREFIX));
    }

    @Test
    void extremesAreValid() {
      String longest = "z" + "-_9a".repeat(11) + "-_9";
      assertTrue(PolicyValidator.SERVICE_NAME.matcher(longest).matches());
      for (String service : List.of("a", "z", longest, "a-", "a_", "a--", "a0")) {
        String cut = CutNames.cutId(service, T);
        for (String table : List.of("_:_", "0:0", "a:a.", "a:a-", "default:a..b--c__d", "A_1:Z.9-x")) {
          String snap = CutNames.tableSnapshot(cut, table);
          assertTrue(HBASE_SNAPSHOT_NAME.matcher(snap).matches(), snap);
        }
        assertTrue(HBASE_SNAPSHOT_NAME.matcher(CutNames.dirSnapshot(cut)).matches());
      }
    }

    /** Property: for any valid service and any valid HBase table, the snapshot names satisfy HBase's rule. */
    @Test
    void validForAnyServiceAndTable() {
      Random random = new Random(2026);
      for (int i = 0; i < 20_000; i++) {
        String service = serviceName(random);
        Instant moment = Instant.ofEpochMilli(random.nextLong(0, 4_102_444_800_000L)); // up to 2100
        String cut = CutNames.cutId(service, moment);
        // The table goes through DataSet, as in a policy, so we test names a policy can actually hold.
        DataSet table = DataSet.table(namespace(random), qualifier(random));
        String snap = CutNames.tableSnapshot(cut, table.tableName());
        assertTrue(HBASE_SNAPSHOT_NAME.matcher(snap).matches(), snap);
        assertTrue(snap.startsWith(CutNames.PREFIX + cut + "-"), snap);
        String dir = CutNames.dirSnapshot(cut);
        assertTrue(HBASE_SNAPSHOT_NAME.matcher(dir).matches(), dir);
        // HDFS snapshot names are path components: no '/' and never '.' or '..'.
        assertFalse(dir.contains("/") || snap.contains("/"));
      }
    }

    /** Two tables of one cut must never share a snapshot name, or one would overwrite the other. */
    @Test
    void distinctTablesOfACutGetDistinctSnapshots() {
      Random random = new Random(99);
      String cut = CutNames.cutId("billing", T);
      Map<String, String> tableBySnapshot = new HashMap<>();
      List<String> tables = new ArrayList<>(List.of("a:b-c", "a:b_c", "a_b:c", "a:b.c", "ab:c", "a:bc"));
      for (int i = 0; i < 20_000; i++) {
        // Short names from a small alphabet, so that many near-collisions are tried.
        String ns = word(random, "ab_", "ab_", 3);
        String q = word(random, "ab_", "ab_.-", 4);
        tables.add(DataSet.table(ns, q).tableName());
      }
      for (String table : tables) {
        String snap = CutNames.tableSnapshot(cut, table);
        String previous = tableBySnapshot.putIfAbsent(snap, table);
        assertTrue(previous == null || previous.equals(table),
            "tables " + previous + " and " + table + " share snapshot " + snap);
      }
    }

    @Test
    void namespacesThatWouldMakeSnapshotNamesCollideAreNotValidDataSets() {
      // "a-b:c" and "a:b-c" would both become ...-a-b-c; HBase refuses the namespace "a-b", and so must we.
      assertEquals(CutNames.tableSnapshot("x", "a-b:c"), CutNames.tableSnapshot("x", "a:b-c"));
      assertThrows(IllegalArgumentException.class, () -> DataSet.table("a-b", "c"));
      assertThrows(IllegalArgumentException.class, () -> DataSet.table("a.b", "c"));
    }
  }
}
