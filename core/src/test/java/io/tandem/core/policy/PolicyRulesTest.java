package io.tandem.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * metainfo/policy-rules.json, which the Ambari service advisor checks policies with, is generated
 * from the validator's own rules and must be current.
 */
class PolicyRulesTest {
  private static final String HOW = " is stale: regenerate it from the repository root with"
      + " 'mvn -B -ntp -o -q test -pl core -Dtest=PolicyRulesTest -Dtandem.regenerate=true'"
      + " (or run io.tandem.core.policy.PolicyRules with the repository root as argument), then commit it";

  private static Path committed() {
    // Surefire runs in the module directory; metainfo/ is at the repository root.
    return Path.of("..").resolve(PolicyRules.FILE);
  }

  @Test
  void committedFileIsCurrent() throws Exception {
    if (Boolean.getBoolean("tandem.regenerate")) {
      Files.writeString(committed(), PolicyRules.json());
    }
    assertTrue(Files.exists(committed()), PolicyRules.FILE + " is missing;" + HOW);
    assertEquals(PolicyRules.json(), Files.readString(committed()), PolicyRules.FILE + HOW);
  }

  @Test
  void patternsAreInTheSubsetPythonReadsAlike() {
    // Constructs Java and Python's re spell or mean differently.
    List<String> foreign = List.of("++", "*+", "?+", "}+", "\\p", "\\P", "\\z", "\\Z", "\\A", "\\G", "\\h", "\\H",
        "\\R", "\\X", "\\s", "\\S", "\\w", "\\W", "\\b", "\\d", "\\D", "&&", "\\Q", "\\E", "(?<", "(?>", "$");
    for (String p : PolicyRules.patterns()) {
      assertFalse(p.replace("[^", "").contains("^"), "pattern " + p + " has an anchor: patterns match the whole text");
      for (String f : foreign) {
        assertFalse(p.contains(f), "pattern " + p + " uses " + f + ", which Python's re reads differently");
      }
    }
  }

  @Test
  void fieldsAreThePolicySpecComponents() {
    @SuppressWarnings("unchecked")
    Map<String, String> fields = (Map<String, String>) PolicyRules.rules().get("fields");
    assertEquals(List.of("service", "datasets", "schedules", "mode", "retain", "rpoSeconds", "users", "groups",
        "createdAt"), List.copyOf(fields.keySet()));
    assertEquals("string-list", fields.get("datasets"));
    assertEquals("integer", fields.get("retain"));
    assertEquals("long", fields.get("rpoSeconds"));
  }
}
