package io.tandem.controller.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.core.type.TypeReference;

import io.tandem.controller.backup.CutProgress;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.json.Json;

/**
 * The recorded status documents the Ambari alert tests serve ({@code package/tests/fixtures/status})
 * are documents the controller can write: the keys {@link StatusReport} writes, cut ids as
 * {@link CutNames#cutId} makes them for the service and moment, states that are {@link CutState}s.
 */
class StatusFixturesTest {
  /** Relative to the module, where Maven runs the tests. */
  private static final Path DIR = Path.of("..", "package", "tests", "fixtures", "status");

  @TestFactory
  Stream<DynamicTest> everyFixtureIsADocumentTheControllerWrites() throws IOException {
    assertTrue(Files.isDirectory(DIR), "no fixture directory " + DIR.toAbsolutePath());
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    assertFalse(files.isEmpty(), "no *.json in " + DIR.toAbsolutePath());
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
        () -> assertEquals(List.of(), problems(read(f)), f + " is not a status document the controller writes")));
  }

  /** The check finds what it is for, so an empty list above means something. */
  @Test
  void theCheckCatchesIdsStatesAndKeysTheControllerNeverWrites() throws IOException {
    Map<String, Object> doc = read(DIR.resolve("healthy.json"));
    assertEquals(List.of(), problems(doc));

    Map<String, Object> billing = service(doc, 0);
    Map<String, Object> lastCut = map(billing.get(StatusReport.LAST_CUT));
    lastCut.put(StatusReport.CUT_ID, "billing-20261125T120000Z");
    lastCut.put(StatusReport.CUT_STATE, "ABANDONED");
    doc.put("uptime", 5);
    doc.remove(StatusReport.TASKS);
    map(service(doc, 1).get(StatusReport.RUNNING)).put(StatusReport.RUNNING_CUT_ID, "audit-1");

    map(map(billing.get(StatusReport.DRILL)).get(StatusReport.DRILL_LAST)).put(StatusReport.DRILL_STATE, "SKIPPED");

    List<String> found = problems(doc);
    String all = String.join("\n", found);
    assertEquals(6, found.size(), all);
    assertTrue(all.contains("state SKIPPED is not a drill state"), all);
    assertTrue(all.contains("key uptime is not one the controller writes"), all);
    assertTrue(all.contains("key tasks is missing"), all);
    assertTrue(all.contains("cut id billing-20261125T120000Z is not"), all);
    assertTrue(all.contains("state ABANDONED is not a cut state"), all);
    assertTrue(all.contains("cut id audit-1 is not"), all);
  }

  /** What makes {@code doc} one the controller could not have written; empty if none. */
  static List<String> problems(Map<String, Object> doc) {
    List<String> out = new ArrayList<>();
    keys(doc, StatusReport.KEYS, "the document", out);
    if (!(doc.get(StatusReport.SERVICES) instanceof List<?> services)) {
      return out;
    }
    for (int i = 0; i < services.size(); i++) {
      Map<String, Object> s = map(services.get(i));
      String where = "services[" + i + "]";
      keys(s, StatusReport.SERVICE_KEYS, where, out);
      String service = String.valueOf(s.get(StatusReport.SERVICE));
      if (s.get(StatusReport.LAST_CUT) != null) {
        Map<String, Object> cut = map(s.get(StatusReport.LAST_CUT));
        keys(cut, StatusReport.LAST_CUT_KEYS, where + ".lastCut", out);
        String id = String.valueOf(cut.get(StatusReport.CUT_ID));
        String state = String.valueOf(cut.get(StatusReport.CUT_STATE));
        if (Arrays.stream(CutState.values()).noneMatch(v -> v.name().equals(state))) {
          out.add(where + ".lastCut: state " + state + " is not a cut state " + Arrays.toString(CutState.values()));
        }
        String expected = cutId(service, String.valueOf(cut.get(StatusReport.CUT_MOMENT)));
        if (!CutNames.isCutId(id) || !id.equals(expected)) {
          out.add(where + ".lastCut: cut id " + id + " is not the one a cut of " + service + " at its moment has: "
              + expected);
        }
      }
      if (s.get(StatusReport.RUNNING) != null) {
        Map<String, Object> run = map(s.get(StatusReport.RUNNING));
        String id = String.valueOf(run.get(StatusReport.RUNNING_CUT_ID));
        if (!CutNames.isCutId(id) || !id.startsWith(service + "-")) {
          out.add(where + ".running: cut id " + id + " is not one of a cut of " + service
              + " (CutNames.cutId: service-yyyyMMddTHHmmssSSSZ)");
        }
        String phase = String.valueOf(run.get("phase"));
        if (Arrays.stream(CutProgress.Phase.values()).noneMatch(v -> v.name().equals(phase))) {
          out.add(where + ".running: phase " + phase + " is not one of " + Arrays.toString(CutProgress.Phase.values()));
        }
      }
      if (s.get(StatusReport.DRILL) != null) {
        Map<String, Object> drill = map(s.get(StatusReport.DRILL));
        keys(drill, StatusReport.DRILL_KEYS, where + ".drill", out);
        if (drill.get(StatusReport.DRILL_LAST) != null) {
          Map<String, Object> last = map(drill.get(StatusReport.DRILL_LAST));
          keys(last, StatusReport.LAST_DRILL_KEYS, where + ".drill.last", out);
          String id = String.valueOf(last.get(StatusReport.DRILL_ID));
          if (!io.tandem.controller.drill.DrillNames.isDrillId(id)) {
            out.add(where + ".drill.last: drill id " + id + " is not one DrillNames.drillId makes");
          }
          String state = String.valueOf(last.get(StatusReport.DRILL_STATE));
          if (Arrays.stream(io.tandem.controller.drill.DrillState.values()).noneMatch(v -> v.name().equals(state))) {
            out.add(where + ".drill.last: state " + state + " is not a drill state "
                + Arrays.toString(io.tandem.controller.drill.DrillState.values()));
          }
          String cut = String.valueOf(last.get(StatusReport.DRILL_CUT_ID));
          if (!CutNames.isCutId(cut) || !cut.startsWith(service + "-")) {
            out.add(where + ".drill.last: cut id " + cut + " is not one of a cut of " + service);
          }
        }
      }
    }
    return out;
  }

  /** The controller writes every key of these maps, always: a missing key is as wrong as a strange one. */
  private static void keys(Map<String, Object> m, List<String> written, String where, List<String> out) {
    Set<String> unknown = new TreeSet<>(m.keySet());
    unknown.removeAll(written);
    unknown.forEach(k -> out.add(where + ": key " + k + " is not one the controller writes " + written));
    written.stream().filter(k -> !m.containsKey(k)).forEach(k -> out.add(where + ": key " + k + " is missing"));
  }

  private static String cutId(String service, String moment) {
    try {
      return CutNames.cutId(service, Instant.parse(moment));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      return "(none: " + e.getMessage() + ")";
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertTrue(o instanceof Map, "not a JSON object: " + o);
    return (Map<String, Object>) o;
  }

  private static Map<String, Object> service(Map<String, Object> doc, int i) {
    return map(((List<?>) doc.get(StatusReport.SERVICES)).get(i));
  }

  private static Map<String, Object> read(Path f) throws IOException {
    return Json.MAPPER.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
  }
}
