package io.tandem.core.error;

import java.util.List;

/**
 * A policy failed validation. Carries every problem found, not just the first, so an admin
 * fixes a policy file in one pass; the message joins them on one line.
 */
public final class PolicyInvalidException extends TandemException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public PolicyInvalidException(String service, List<String> problems) {
    super(Kind.INVALID, oneLine("policy " + (service == null || service.isBlank() ? "<unnamed>" : service)
        + " is invalid: " + String.join("; ", problems)));
    this.problems = List.copyOf(problems);
  }

  // Problems quote what the admin typed, line breaks included; shown escaped, the message stays one line.
  private static String oneLine(String s) {
    return s.replace("\r", "\\r").replace("\n", "\\n");
  }

  public List<String> problems() {
    return problems;
  }
}
