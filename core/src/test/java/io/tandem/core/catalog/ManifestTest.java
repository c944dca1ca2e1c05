package io.tandem.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.tandem.core.json.Json;

class ManifestTest {

  private static final Instant MOMENT = Instant.parse("2026-11-25T12:00:00.123Z");

  private static Manifest full() {
    return new Manifest("billing-20261125T120000123Z", "billing", 42, MOMENT, MOMENT.minusMillis(3),
        Instant.parse("2026-11-25T12:05:07.000000450Z"), CutState.COMPLETE, null, "push", "fence", true, 37,
        Map.of("rs1.example.com,16020,1", 4L, "namenode", 2L), -3L, "billing-20261124T120000000Z",
        List.of(new Manifest.TableEntry("billing:orders", "tandem-billing-20261125T120000123Z-billing-orders",
            1_048_576, 4_096, 12, 10_000, "sha256:ab12")),
        List.of(new Manifest.DirEntry("/data/billing", "tandem-billing-20261125T120000123Z",
            "/tandem/replica/billing/data/billing", 9_999, 0, 3, "md5:ff00", true, null),
            new Manifest.DirEntry("/data/billing-raw", "tandem-billing-20261125T120000123Z",
                "/tandem/replica/billing/data/billing-raw", 5, 5, 1, "md5:0001", false, "previous cut missing")),
        1_058_580, 4_101, 9);
  }

  private static Manifest sparse() {
    return new Manifest("billing-20261125T120000123Z", "billing", 1, MOMENT, MOMENT, null, CutState.RUNNING, null,
        "pull", null, false, 0, null, null, null, null, null, 0, 0, 0);
  }

  @Nested
  class Construction {

    @Test
    void missingCollectionsBecomeEmpty() {
      Manifest m = sparse();
      assertEquals(Map.of(), m.ackLatencyMs());
      assertEquals(List.of(), m.tables());
      assertEquals(List.of(), m.dirs());
    }

    @Test
    void collectionsAreCopied() {
      Map<String, Long> acks = new HashMap<>(Map.of("rs1", 1L));
      Manifest m = new Manifest("c", "s", 1, MOMENT, MOMENT, null, CutState.RUNNING, null, "push", null, false, 0,
          acks, null, null, null, null, 0, 0, 0);
      acks.put("rs2", 2L);
      assertEquals(Map.of("rs1", 1L), m.ackLatencyMs());
      assertThrows(UnsupportedOperationException.class, () -> m.tables().add(null));
    }
  }

  @Nested
  class WithState {

    @Test
    void changesStateReasonAndFinishOnly() {
      Manifest running = full().withState(CutState.RUNNING, null, null);
      Instant end = Instant.parse("2026-11-25T12:09:00Z");
      Manifest failed = running.withState(CutState.FAILED, "ExportSnapshot of billing:orders failed", end);

      assertEquals(CutState.FAILED, failed.state());
      assertEquals("ExportSnapshot of billing:orders failed", failed.reason());
      assertEquals(end, failed.finishedAt());
      // Everything else is the same: compare against the original with those three put back.
      assertEquals(running, failed.withState(running.state(), running.reason(), running.finishedAt()));
      assertEquals(full(), failed.withState(CutState.COMPLETE, null, full().finishedAt()));
      assertNotEquals(running, failed);
    }

    @Test
    void leavesTheOriginalAlone() {
      Manifest m = sparse();
      m.withState(CutState.ABORTED, "fence lease expired", MOMENT.plusSeconds(30));
      assertEquals(CutState.RUNNING, m.state());
      assertEquals(null, m.reason());
    }
  }

  @Nested
  class JsonForm {
    private final ObjectMapper isoMapper = new ObjectMapper().registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void roundTripsWithIsoInstants() throws JsonProcessingException {
      for (Manifest m : List.of(full(), sparse(), full().withState(CutState.FAILED, "disk full", MOMENT))) {
        String json = isoMapper.writeValueAsString(m);
        assertEquals(m, isoMapper.readValue(json, Manifest.class), json);
      }
    }

    @Test
    void instantsAreIsoStringsToTheNanosecond() throws JsonProcessingException {
      JsonNode tree = isoMapper.readTree(isoMapper.writeValueAsString(full()));
      assertEquals("2026-11-25T12:00:00.123Z", tree.get("moment").asText());
      assertEquals("2026-11-25T12:05:07.000000450Z", tree.get("finishedAt").asText());
      assertTrue(tree.get("moment").isTextual());
    }

    @Test
    void theFieldsAnAdminReadsAreThere() throws JsonProcessingException {
      JsonNode tree = isoMapper.readTree(isoMapper.writeValueAsString(full()));
      assertEquals("COMPLETE", tree.get("state").asText());
      assertEquals(42, tree.get("epoch").asLong());
      assertEquals(37, tree.get("fenceWindowMs").asLong());
      assertEquals(-3, tree.get("skewMs").asLong());
      assertEquals(4, tree.get("ackLatencyMs").get("rs1.example.com,16020,1").asLong());
      assertEquals("billing:orders", tree.get("tables").get(0).get("table").asText());
      assertTrue(tree.get("dirs").get(0).get("incremental").asBoolean());
      assertEquals("previous cut missing", tree.get("dirs").get(1).get("fullSyncReason").asText());
    }

    @Test
    void nullsAreLeftOut() throws JsonProcessingException {
      JsonNode tree = isoMapper.readTree(isoMapper.writeValueAsString(sparse()));
      for (String absent : List.of("finishedAt", "reason", "cutMethod", "skewMs", "previousCutId")) {
        assertFalse(tree.has(absent), absent);
      }
      assertFalse(tree.get("dirs") == null, "empty lists are written, as []");
      JsonNode dir = isoMapper.readTree(isoMapper.writeValueAsString(full())).get("dirs").get(0);
      assertFalse(dir.has("fullSyncReason"));
    }

    @Test
    void unknownFieldsFromANewerVersionAreIgnored() throws JsonProcessingException {
      // The catalog outlives controller versions: an older controller must read a newer manifest.
      ObjectMapper strict = Json.MAPPER;
      ObjectMapper node = new ObjectMapper();
      com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
          node.readTree(strict.writeValueAsString(full()));
      tree.put("addedInVersion9", "x");
      assertEquals(full(), strict.readValue(node.writeValueAsString(tree), Manifest.class));
    }

    @Test
    void theProjectMapperRoundTripsAndWritesIsoInstants() throws JsonProcessingException {
      String json = Json.write(full());
      assertEquals(full(), Json.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), Manifest.class,
          "manifest"));
      assertEquals("2026-11-25T12:00:00.123Z", Json.MAPPER.readTree(json).get("moment").asText());
    }

    @Test
    void withJavaTimeModuleDefaultsInstantsAreNumbersAndStillRoundTrip() throws JsonProcessingException {
      ObjectMapper numeric = new ObjectMapper().registerModule(new JavaTimeModule());
      String json = numeric.writeValueAsString(full());
      assertTrue(numeric.readTree(json).get("moment").isNumber(), json);
      assertEquals(full(), numeric.readValue(json, Manifest.class));
    }
  }
}
