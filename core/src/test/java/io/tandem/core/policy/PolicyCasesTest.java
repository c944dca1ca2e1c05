package io.tandem.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.tandem.core.error.TandemException;
import io.tandem.core.json.Json;

/**
 * The shared corpus core/src/test/resources/policy-cases.json, which the Ambari service advisor's
 * Python test (package/tests/test_service_advisor.py) runs too: each case is a tandem.policies
 * value, whether the controller accepts it, and words its messages must contain. Here it goes
 * through what the controller does with a declared list short of the live primary: read each entry
 * as a {@link PolicySpec} (as DeclaredPolicies.parse), refuse a service declared twice and validate
 * each one (as PolicyService.applyDeclared), then check the valid ones do not overlap.
 */
class PolicyCasesTest {

  static JsonNode corpus() throws Exception {
    try (InputStream in = PolicyCasesTest.class.getResourceAsStream("/policy-cases.json")) {
      return Json.MAPPER.readTree(in);
    }
  }

  /** Every problem of a declared list, as the controller words them. */
  static List<String> problems(JsonNode policies, Instant now, TransferMode defaultMode) {
    PolicyValidator validator = new PolicyValidator(defaultMode);
    List<String> problems = new ArrayList<>();
    List<Policy> valid = new ArrayList<>();
    Set<String> named = new HashSet<>();
    int i = 0;
    for (JsonNode node : policies) {
      i++;
      String name = node.hasNonNull("service") ? node.get("service").asText() : "#" + i + " (no service)";
      if (!named.add(name)) {
        problems.add("policy " + name + " is declared more than once");
        valid.removeIf(p -> p.service().equals(name));
        continue;
      }
      PolicySpec spec;
      try {
        spec = Json.MAPPER.treeToValue(node, PolicySpec.class);
      } catch (java.io.IOException | IllegalArgumentException e) {
        problems.add("policy " + name + " is not a policy: " + String.valueOf(e.getMessage()).split("\n", 2)[0]);
        continue;
      }
      try {
        valid.add(validator.validate(spec, now));
      } catch (TandemException e) {
        problems.add(e.getMessage());
      }
    }
    for (Policy p : valid) {
      try {
        PolicyValidator.checkNoOverlap(p, valid);
      } catch (TandemException e) {
        problems.add(e.getMessage());
      }
    }
    return problems;
  }

  @TestFactory
  Stream<DynamicTest> everyCaseHasTheControllersVerdict() throws Exception {
    JsonNode corpus = corpus();
    Instant now = Instant.parse(corpus.get("now").asText());
    TransferMode mode = TransferMode.parse(corpus.get("default_mode").asText());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : corpus.get("cases")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
        JsonNode policies = c.has("policies") ? c.get("policies") : Json.MAPPER.createArrayNode().add(c.get("policy"));
        List<String> problems = problems(policies, now, mode);
        boolean expectValid = c.get("valid").asBoolean();
        assertEquals(expectValid, problems.isEmpty(), c.get("name").asText() + ": " + problems);
        String all = String.join("\n", problems).toLowerCase(Locale.ROOT);
        for (JsonNode word : c.path("mentions")) {
          assertTrue(all.contains(word.asText().toLowerCase(Locale.ROOT)),
              c.get("name").asText() + ": the messages do not name \"" + word.asText() + "\": " + problems);
        }
      }));
    }
    assertTrue(tests.size() >= 30, "the corpus should have 30 cases or more, has " + tests.size());
    return tests.stream();
  }
}
