package io.tandem.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.tandem.core.policy.DataSet.Kind;

class DataSetTest {

  private static String parseError(String text) {
    return assertThrows(IllegalArgumentException.class, () -> DataSet.parse(text)).getMessage();
  }

  /** Overlap is a relation between two data sets: it must not depend on the order asked. */
  private static void assertOverlap(String a, String b) {
    assertTrue(DataSet.parse(a).overlaps(DataSet.parse(b)), a + " should overlap " + b);
    assertTrue(DataSet.parse(b).overlaps(DataSet.parse(a)), b + " should overlap " + a);
  }

  private static void assertNoOverlap(String a, String b) {
    assertFalse(DataSet.parse(a).overlaps(DataSet.parse(b)), a + " should not overlap " + b);
    assertFalse(DataSet.parse(b).overlaps(DataSet.parse(a)), b + " should not overlap " + a);
  }

  @Nested
  class Parsing {

    @Test
    void hdfsDirectory() {
      DataSet d = DataSet.parse("hdfs:/data/billing");
      assertEquals(new DataSet(Kind.HDFS_DIR, null, "/data/billing"), d);
      assertEquals("/data/billing", d.path());
      assertNull(d.namespace());
    }

    @Test
    void hbaseTable() {
      DataSet d = DataSet.parse("hbase:billing:orders");
      assertEquals(new DataSet(Kind.HBASE_TABLE, "billing", "orders"), d);
      assertEquals("billing:orders", d.tableName());
    }

    @Test
    void hbaseTableWithDotsDashesAndUnderscores() {
      DataSet d = DataSet.parse("hbase:bill_2:orders-v2.archive_x");
      assertEquals(new DataSet(Kind.HBASE_TABLE, "bill_2", "orders-v2.archive_x"), d);
    }

    @Test
    void hbaseDefaultNamespaceIsSpelledOut() {
      assertEquals(new DataSet(Kind.HBASE_TABLE, "default", "t1"), DataSet.parse("hbase:default:t1"));
    }

    @Test
    void hbaseNamespace() {
      DataSet d = DataSet.parse("hbase:billing:*");
      assertEquals(Kind.HBASE_NAMESPACE, d.kind());
      assertEquals("billing", d.namespace());
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
      assertEquals(DataSet.parse("hdfs:/data/billing"), DataSet.parse("  hdfs:/data/billing\n"));
      assertEquals(DataSet.parse("hbase:billing:orders"), DataSet.parse("\thbase:billing:orders "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hdfs:/data/billing/", "hdfs:/data/billing//", "hdfs:/data/billing///"})
    void trailingSlashesAreDropped(String text) {
      DataSet d = DataSet.parse(text);
      assertEquals("/data/billing", d.path());
      assertEquals("hdfs:/data/billing", d.toString());
      assertEquals(DataSet.parse("hdfs:/data/billing"), d);
    }

    @Test
    void factoriesParse() {
      assertEquals(DataSet.parse("hdfs:/data/billing"), DataSet.hdfs("/data/billing/"));
      assertEquals(DataSet.parse("hbase:billing:orders"), DataSet.table("billing", "orders"));
      assertThrows(IllegalArgumentException.class, () -> DataSet.hdfs("data"));
      assertThrows(IllegalArgumentException.class, () -> DataSet.table("billing", "a:b"));
    }

    @Test
    void accessorsOfTheWrongKindRefuse() {
      assertThrows(IllegalStateException.class, () -> DataSet.parse("hdfs:/data").tableName());
      assertThrows(IllegalStateException.class, () -> DataSet.parse("hbase:ns:*").tableName());
      assertThrows(IllegalStateException.class, () -> DataSet.parse("hbase:ns:t").path());
      assertThrows(IllegalStateException.class, () -> DataSet.parse("hbase:ns:*").path());
    }
  }

  @Nested
  class Rejected {

    @Test
    void emptyInputNamesTheAcceptedForms() {
      for (String text : new String[] {null, "", "   ", "\n"}) {
        String msg = parseError(text);
        assertTrue(msg.contains("hdfs:/path") && msg.contains("hbase:namespace:table"), msg);
      }
    }

    /** Every refusal quotes the admin's text, so a policy with ten data sets says which one. */
    @ParameterizedTest
    @ValueSource(strings = {
        // no or unknown component
        "/data/billing", "billing", "s3:/bucket/x", "HDFS:/data", "Hbase:ns:t", "hive:db.t",
        // HDFS: not absolute, the root, empty or special segments, illegal characters, URIs
        "hdfs:", "hdfs:data/billing", "hdfs:/", "hdfs://", "hdfs:///", "hdfs:/data//billing",
        "hdfs:/data/./billing", "hdfs:/data/../etc", "hdfs:/..", "hdfs:/data/.snapshot",
        "hdfs:/data/.snapshot/s1", "hdfs:/data/my dir", "hdfs:/data/a:b", "hdfs://nn:8020/data",
        "hdfs:/data/a\tb",
        // HBase: wrong number of parts, empty parts, bad first characters, illegal characters
        "hbase:", "hbase:billing", "hbase:billing:", "hbase::orders", "hbase::*", "hbase:billing:orders:x",
        "hbase:billing:-orders", "hbase:billing:.orders", "hbase:billing:ord ers", "hbase:billing:ord*",
        "hbase:billing:**", "hbase:*:*", "hbase:*:orders", "hbase:bill ing:orders", "hbase:billing/x:orders",
        // HBase namespaces allow only letters, digits and '_' (TableName.isLegalNamespaceName)
        "hbase:my-ns:orders", "hbase:my.ns:orders", "hbase:-ns:orders", "hbase:my-ns:*", "hbase:my.ns:*",
    })
    void badFormsAreRefusedNamingTheText(String text) {
      String msg = parseError(text);
      assertTrue(msg.contains("\"" + text + "\""), "message should quote " + text + ": " + msg);
    }

    @Test
    void theOffendingPartIsNamed() {
      assertTrue(parseError("hdfs:/data/../etc").contains("\"..\""));
      assertTrue(parseError("hdfs:/data/.snapshot/x").contains("\".snapshot\""));
      assertTrue(parseError("hbase:billing:-orders").contains("\"-orders\""));
      assertTrue(parseError("hbase:bill ing:orders").contains("\"bill ing\""));
      assertTrue(parseError("hdfs:data").contains("absolute"));
    }
  }

  @Nested
  class Overlaps {

    @Test
    void sameDirectory() {
      assertOverlap("hdfs:/data/billing", "hdfs:/data/billing");
      assertOverlap("hdfs:/data/billing", "hdfs:/data/billing/");
    }

    @Test
    void nestedDirectories() {
      assertOverlap("hdfs:/data", "hdfs:/data/billing");
      assertOverlap("hdfs:/data", "hdfs:/data/billing/2026/01");
      assertOverlap("hdfs:/data/billing/", "hdfs:/data/billing/x");
    }

    @Test
    void siblingsWithACommonPrefixDoNotOverlap() {
      assertNoOverlap("hdfs:/data/bill", "hdfs:/data/billing");
      assertNoOverlap("hdfs:/data/bill", "hdfs:/data/bill-archive/x");
      assertNoOverlap("hdfs:/data/billing", "hdfs:/data/reports");
      assertNoOverlap("hdfs:/a/b", "hdfs:/b");
    }

    @Test
    void sameTable() {
      assertOverlap("hbase:billing:orders", "hbase:billing:orders");
    }

    @Test
    void tableAndItsNamespace() {
      assertOverlap("hbase:billing:*", "hbase:billing:orders");
      assertOverlap("hbase:billing:*", "hbase:billing:*");
    }

    @Test
    void differentTablesOrNamespaces() {
      assertNoOverlap("hbase:billing:orders", "hbase:billing:invoices");
      assertNoOverlap("hbase:billing:orders", "hbase:reports:orders");
      assertNoOverlap("hbase:billing:*", "hbase:reports:orders");
      assertNoOverlap("hbase:billing:*", "hbase:billing2:*");
      assertNoOverlap("hbase:bill:*", "hbase:billing:orders");
      assertNoOverlap("hbase:billing:orders", "hbase:billing:orders2");
    }

    @Test
    void componentsNeverOverlap() {
      assertNoOverlap("hdfs:/billing", "hbase:billing:*");
      assertNoOverlap("hdfs:/billing/orders", "hbase:billing:orders");
    }
  }

  @Nested
  class TextForm {

    @ParameterizedTest
    @ValueSource(strings = {"hdfs:/data/billing", "hdfs:/d", "hdfs:/data/bill-ing_2/x.y", "hbase:billing:orders",
        "hbase:default:t", "hbase:ns_1:a.b-c_d", "hbase:billing:*", "hbase:_x:*"})
    void toStringIsTheCanonicalInputAndParsesBack(String text) {
      DataSet d = DataSet.parse(text);
      assertEquals(text, d.toString());
      assertEquals(d, DataSet.parse(d.toString()));
    }

    @Test
    void generatedDataSetsRoundTrip() {
      Random random = new Random(42);
      for (int i = 0; i < 2_000; i++) {
        String text = switch (i % 3) {
          case 0 -> "hdfs:/" + word(random, "abcXYZ019_-.", 1, 12) + "x/" + word(random, "abc-_9", 1, 8);
          case 1 -> "hbase:" + word(random, "aZ09_", 1, 10) + ":" + word(random, "aZ9_", 1, 1)
              + word(random, "aZ09_.-", 0, 20);
          default -> "hbase:" + word(random, "aZ09_", 1, 10) + ":*";
        };
        assertEquals(text, DataSet.parse(text).toString(), text);
      }
    }

    private String word(Random random, String alphabet, int min, int max) {
      int len = min + random.nextInt(max - min + 1);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < len; i++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      return sb.toString();
    }
  }

  @Nested
  class Json {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void serialisesAsItsText() throws JsonProcessingException {
      assertEquals("\"hdfs:/data/billing\"", mapper.writeValueAsString(DataSet.parse("hdfs:/data/billing/")));
      assertEquals("\"hbase:billing:*\"", mapper.writeValueAsString(DataSet.parse("hbase:billing:*")));
    }

    @Test
    void roundTripsAlone() throws JsonProcessingException {
      for (String text : List.of("hdfs:/data/billing", "hbase:billing:orders", "hbase:billing:*")) {
        DataSet d = DataSet.parse(text);
        assertEquals(d, mapper.readValue(mapper.writeValueAsString(d), DataSet.class));
      }
    }

    @Test
    void roundTripsInAList() throws JsonProcessingException {
      List<DataSet> list = List.of(DataSet.parse("hdfs:/data/billing"), DataSet.parse("hbase:billing:orders"),
          DataSet.parse("hbase:audit:*"));
      String json = mapper.writeValueAsString(list);
      assertEquals("[\"hdfs:/data/billing\",\"hbase:billing:orders\",\"hbase:audit:*\"]", json);
      assertEquals(list, mapper.readValue(json, new TypeReference<List<DataSet>>() { }));
    }

    @Test
    void readingABadDataSetFailsNamingIt() {
      Exception e = assertThrows(JsonProcessingException.class,
          () -> mapper.readValue("\"hbase:billing\"", DataSet.class));
      assertTrue(e.getMessage().contains("hbase:billing"), e.getMessage());
    }
  }
}
