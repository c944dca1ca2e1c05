package io.tandem.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docs/tandem-default.xml and docs/configuration.md are generated from TandemKeys and ServerKeys
 * and must be current, and the configuration doc must list every key of both, each in its section.
 */
class GeneratedDocsTest {
  private static final String HOW = " is stale: regenerate with "
      + "'java -cp core/target/classes io.tandem.core.config.TandemKeys .' from the repository root";
  private static final Pattern ROW_KEY = Pattern.compile("^\\| `([^`]+)` \\|", Pattern.MULTILINE);

  private static Path docs() {
    // Surefire runs in the module directory; the docs live at the repository root.
    return Path.of("..", "docs");
  }

  private static String configurationMd() throws Exception {
    return Files.readString(docs().resolve("configuration.md"));
  }

  /** The keys of the table rows in {@code text}, in order. */
  private static List<String> rowKeys(String text) {
    List<String> keys = new ArrayList<>();
    Matcher m = ROW_KEY.matcher(text);
    while (m.find()) {
      keys.add(m.group(1));
    }
    return keys;
  }

  private static List<String> names(List<ConfigKey> keys) {
    return keys.stream().map(ConfigKey::name).toList();
  }

  @Test
  void defaultXmlIsCurrent() throws Exception {
    assertEquals(TandemKeys.defaultXml(), Files.readString(docs().resolve("tandem-default.xml")), "docs/tandem-default.xml" + HOW);
  }

  @Test
  void configurationDocIsCurrent() throws Exception {
    assertEquals(TandemKeys.configurationDoc(), configurationMd(), "docs/configuration.md" + HOW);
  }

  @Test
  void configurationDocListsTheControllersKeysBeforeTheServersSection() throws Exception {
    String doc = configurationMd();
    int servers = doc.indexOf(TandemKeys.SERVER_KEYS_HEADING);
    assertTrue(servers > 0, "docs/configuration.md has no section '" + TandemKeys.SERVER_KEYS_HEADING + "'" + HOW);
    assertEquals(names(TandemKeys.ALL), rowKeys(doc.substring(0, servers)), "tandem-site keys in docs/configuration.md" + HOW);
  }

  @Test
  void configurationDocListsEveryServerKeyUnderItsSite() throws Exception {
    String doc = configurationMd();
    int servers = doc.indexOf(TandemKeys.SERVER_KEYS_HEADING);
    assertTrue(servers > 0, "docs/configuration.md has no section '" + TandemKeys.SERVER_KEYS_HEADING + "'" + HOW);
    String section = doc.substring(servers);
    assertEquals(names(ServerKeys.ALL), rowKeys(section), "server keys in docs/configuration.md" + HOW);
    for (ServerKeys.Group g : ServerKeys.GROUPS) {
      String heading = "\n### " + g.title() + "\n";
      int start = section.indexOf(heading);
      assertTrue(start > 0, "docs/configuration.md has no subsection '" + g.title() + "'" + HOW);
      int next = section.indexOf("\n#", start + heading.length());
      String sub = section.substring(start, next < 0 ? section.length() : next);
      assertEquals(names(g.keys()), rowKeys(sub), "keys under '" + g.title() + "' in docs/configuration.md" + HOW);
    }
  }
}
