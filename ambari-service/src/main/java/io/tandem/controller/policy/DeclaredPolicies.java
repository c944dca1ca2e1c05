package io.tandem.controller.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.json.Json;
import io.tandem.core.policy.PolicySpec;

/**
 * The policies an admin declares in tandem-site.xml ({@code tandem.policies}, Ambari's Backup
 * tab), read entry by entry so an error names the policy it is about, and the report of
 * applying them ({@link PolicyService#applyDeclared}).
 */
public final class DeclaredPolicies {
  private DeclaredPolicies() {
  }

  /** A declared policy, or the reason it could not even be read. */
  public record Entry(String name, PolicySpec spec, String error) {
  }

  /**
   * Reads the JSON list. A value that is not a JSON list throws INVALID; an entry that is not a
   * policy becomes an {@link Entry} with its error, named by its service or its position.
   */
  public static List<Entry> parse(String json) {
    String text = json == null || json.isBlank() ? "[]" : json;
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(text);
    } catch (java.io.IOException e) {
      throw TandemException.invalid(TandemKeys.POLICIES.name() + " is not valid JSON: "
          + String.valueOf(e.getMessage()).split("\n", 2)[0]);
    }
    if (root == null || !root.isArray()) {
      throw TandemException.invalid(TandemKeys.POLICIES.name() + " must be a JSON list of policies, [ {...}, ... ]");
    }
    List<Entry> out = new ArrayList<>();
    int i = 0;
    for (JsonNode node : root) {
      i++;
      String name = node.hasNonNull("service") ? node.get("service").asText() : "#" + i + " (no service)";
      try {
        out.add(new Entry(name, Json.MAPPER.treeToValue(node, PolicySpec.class), null));
      } catch (java.io.IOException | IllegalArgumentException e) {
        out.add(new Entry(name, null, "policy " + name + " is not a policy: "
            + String.valueOf(e.getMessage()).split("\n", 2)[0]));
      }
    }
    return out;
  }

  /** A declared policy that was not applied, and why. */
  public record Rejection(String service, String error) {
  }

  /**
   * What applying the declared set did. Either {@link #rejected()} is empty and the rest says
   * what changed, or it is not and nothing changed at all.
   *
   * @param kept stored policies the declared set does not name, left alone because
   *        {@code tandem.policies.delete.missing} is false
   * @param restartNeeded keys of the re-read file that differ from the running controller's and
   *        take effect only after a restart (only on a reload)
   */
  public record Report(String source, List<String> created, List<String> updated, List<String> unchanged,
      List<String> deleted, List<String> kept, List<Rejection> rejected, List<String> restartNeeded, long tookMs) {

    public boolean applied() {
      return rejected.isEmpty();
    }

    public Report with(String newSource, List<String> newRestartNeeded, long newTookMs) {
      return new Report(newSource, created, updated, unchanged, deleted, kept, rejected, newRestartNeeded, newTookMs);
    }

    /** One line for the log and for errors: each rejected policy with its reason, or the counts. */
    public String summary() {
      if (!applied()) {
        StringBuilder sb = new StringBuilder("declared policies NOT applied, nothing changed: ");
        Set<String> seen = new HashSet<>();
        for (Rejection r : rejected) {
          if (seen.add(r.error())) {
            sb.append(seen.size() > 1 ? "; " : "").append(r.error());
          }
        }
        return sb.toString();
      }
      return "declared policies applied: created " + created + ", updated " + updated + ", unchanged " + unchanged
          + ", deleted " + deleted + ", kept (not declared) " + kept;
    }
  }
}
