package io.tandem.core.policy;

import java.util.Locale;

/** Who runs the copy jobs: the primary sends (PUSH) or the secondary fetches (PULL). */
public enum TransferMode {
  PUSH, PULL;

  /** @throws IllegalArgumentException naming the bad value and the accepted ones */
  public static TransferMode parse(String text) {
    if (text != null) {
      for (TransferMode m : values()) {
        if (m.name().equalsIgnoreCase(text.trim())) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("unknown transfer mode \"" + text + "\": expected push or pull");
  }

  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
