package io.tandem.core.config;

import java.util.Objects;

/** One configuration key of tandem-site.xml, defined once with its default and a one-line doc. */
public record ConfigKey(String name, String defaultValue, String doc) {
  public ConfigKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(doc, "doc");
  }
}
