package io.tandem.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** docs/tandem-default.xml and docs/configuration.md are generated from TandemKeys and must be current. */
class GeneratedDocsTest {
  private static final String HOW = " is stale: regenerate with "
      + "'java -cp core/target/classes io.tandem.core.config.TandemKeys .' from the repository root";

  private static Path docs() {
    // Surefire runs in the module directory; the docs live at the repository root.
    return Path.of("..", "docs");
  }

  @Test
  void defaultXmlIsCurrent() throws Exception {
    assertEquals(TandemKeys.defaultXml(), Files.readString(docs().resolve("tandem-default.xml")), "docs/tandem-default.xml" + HOW);
  }

  @Test
  void configurationDocIsCurrent() throws Exception {
    assertEquals(TandemKeys.configurationDoc(), Files.readString(docs().resolve("configuration.md")), "docs/configuration.md" + HOW);
  }
}
