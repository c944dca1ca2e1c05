package io.tandem.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import io.tandem.core.policy.TransferMode;

class TandemKeysTest {

  /** name -> {value, description} as Hadoop's Configuration would read them. */
  private static Map<String, String[]> parseDefaultXml() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = f.newDocumentBuilder()
        .parse(new ByteArrayInputStream(TandemKeys.defaultXml().getBytes(StandardCharsets.UTF_8)));
    Element root = doc.getDocumentElement();
    assertEquals("configuration", root.getTagName());
    Map<String, String[]> props = new LinkedHashMap<>();
    NodeList children = root.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      Node n = children.item(i);
      if (n.getNodeType() != Node.ELEMENT_NODE) {
        continue;
      }
      Element p = (Element) n;
      assertEquals("property", p.getTagName());
      String name = text(p, "name");
      String[] previous = props.put(name, new String[] {text(p, "value"), text(p, "description")});
      assertEquals(null, previous, "property " + name + " appears twice");
    }
    return props;
  }

  private static String text(Element parent, String tag) {
    NodeList l = parent.getElementsByTagName(tag);
    assertEquals(1, l.getLength(), tag);
    return l.item(0).getTextContent();
  }

  private static ConfigKey key(String name) {
    return TandemKeys.ALL.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void namesAreUnique() {
    Set<String> seen = new HashSet<>();
    for (ConfigKey k : TandemKeys.ALL) {
      assertTrue(seen.add(k.name()), "duplicate key " + k.name());
    }
  }

  @Test
  void namesAreTandemsAndLowerCaseDotted() {
    for (ConfigKey k : TandemKeys.ALL) {
      assertTrue(k.name().startsWith("tandem."), k.name());
      assertTrue(k.name().matches("tandem(\\.[a-z][a-z0-9-]*)+"), k.name());
    }
  }

  @Test
  void everyConstantIsListedInAll() throws IllegalAccessException {
    // A key defined but missing from ALL would be absent from tandem-default.xml and the docs.
    List<ConfigKey> constants = new ArrayList<>();
    for (Field f : TandemKeys.class.getDeclaredFields()) {
      if (f.getType() == ConfigKey.class && Modifier.isStatic(f.getModifiers())) {
        constants.add((ConfigKey) f.get(null));
      }
    }
    assertEquals(constants.size(), TandemKeys.ALL.size());
    assertTrue(TandemKeys.ALL.containsAll(constants));
  }

  @Test
  void docsAreOneNonEmptyLine() {
    for (ConfigKey k : TandemKeys.ALL) {
      assertFalse(k.doc().isBlank(), k.name());
      assertFalse(k.doc().contains("\n") || k.doc().contains("\r"), k.name());
      assertEquals(k.doc().strip(), k.doc(), k.name());
    }
  }

  @Test
  void defaultsAreOneLineToo() {
    for (ConfigKey k : TandemKeys.ALL) {
      assertFalse(k.defaultValue().contains("\n"), k.name());
    }
  }

  @Test
  void configKeyRefusesNulls() {
    assertThrows(NullPointerException.class, () -> new ConfigKey(null, "", "d"));
    assertThrows(NullPointerException.class, () -> new ConfigKey("tandem.x", null, "d"));
    assertThrows(NullPointerException.class, () -> new ConfigKey("tandem.x", "", null));
  }

  @Test
  void defaultXmlHasOnePropertyPerKeyWithItsDefaultAndDoc() throws Exception {
    Map<String, String[]> props = parseDefaultXml();
    assertEquals(TandemKeys.ALL.size(), props.size());
    for (ConfigKey k : TandemKeys.ALL) {
      String[] p = props.get(k.name());
      assertTrue(p != null, "missing " + k.name());
      assertEquals(k.defaultValue(), p[0], k.name());
      assertEquals(k.doc(), p[1], k.name());
    }
  }

  @Test
  void defaultXmlCarriesMarkupCharactersIntact() throws Exception {
    // The catalog doc holds "<dir>/<service>/<cut>": it must be escaped in XML and read back the same.
    assertTrue(TandemKeys.CATALOG_DIR.doc().contains("<dir>"));
    assertEquals(TandemKeys.CATALOG_DIR.doc(), parseDefaultXml().get("tandem.catalog.dir")[1]);
  }

  @Test
  void someDefaultsAsTheAdminExpectsThem() throws Exception {
    Map<String, String[]> props = parseDefaultXml();
    assertEquals("push", props.get("tandem.transfer.mode.default")[0]);
    assertEquals("localhost:2181", props.get("tandem.controller.zk.quorum")[0]);
    assertEquals("/tandem/catalog", props.get("tandem.catalog.dir")[0]);
    assertEquals("false", props.get("tandem.failover.automatic")[0]);
    assertEquals("[]", props.get("tandem.policies")[0]);
  }

  @Test
  void defaultsAreUsableValues() throws Exception {
    assertEquals(TransferMode.PUSH, TransferMode.parse(TandemKeys.TRANSFER_MODE.defaultValue()));
    for (ConfigKey k : TandemKeys.ALL) {
      String n = k.name();
      if (n.endsWith(".ms") || n.endsWith(".port") || n.endsWith(".s") || n.endsWith(".mb")
          || n.endsWith(".mappers") || n.endsWith(".threshold")) {
        assertTrue(Long.parseLong(k.defaultValue()) >= 0, n);
      }
    }
    assertTrue(Long.parseLong(key("tandem.fence.lease.ms").defaultValue())
        > Long.parseLong(key("tandem.fence.alert.ms").defaultValue()), "the alert fires before the lease runs out");
    double fraction = Double.parseDouble(TandemKeys.RPO_WARNING_FRACTION.defaultValue());
    assertTrue(fraction > 0 && fraction <= 1, "fraction " + fraction);
    assertTrue(Set.of("true", "false").contains(TandemKeys.FAILOVER_AUTOMATIC.defaultValue()));
    assertTrue(Set.of("local", "yarn").contains(TandemKeys.MAPREDUCE_FRAMEWORK.defaultValue()));
    JsonNode policies = new ObjectMapper().readTree(TandemKeys.POLICIES.defaultValue());
    assertTrue(policies.isArray() && policies.isEmpty());
  }

  @Test
  void markdownTableHasAHeaderAndOneRowPerKey() {
    List<String> lines = TandemKeys.markdownTable().lines().toList();
    assertEquals("| key | default | meaning |", lines.get(0));
    assertEquals("|---|---|---|", lines.get(1));
    assertEquals(TandemKeys.ALL.size() + 2, lines.size());
    for (int i = 0; i < TandemKeys.ALL.size(); i++) {
      ConfigKey k = TandemKeys.ALL.get(i);
      String row = lines.get(i + 2);
      assertTrue(row.startsWith("| `" + k.name() + "` | `" + k.defaultValue() + "` | "), row);
      assertTrue(row.endsWith(" |"), row);
    }
  }

  @Test
  void markdownRowsHaveExactlyThreeCellsAndNoRawHtml() {
    for (String row : TandemKeys.markdownTable().lines().skip(2).toList()) {
      // An unescaped '|' inside a cell would split it; GitHub escapes it as "\|".
      int pipes = 0;
      for (int i = 0; i < row.length(); i++) {
        if (row.charAt(i) == '|' && (i == 0 || row.charAt(i - 1) != '\\')) {
          pipes++;
        }
      }
      assertEquals(4, pipes, row);
      // Outside code spans "<dir>" would be taken for an HTML tag and vanish from the rendered page.
      String outsideCode = row.replaceAll("`[^`]*`", "");
      assertFalse(outsideCode.contains("<") || outsideCode.contains(">"), row);
    }
  }

  @Test
  void markdownTableShowsMarkupCharactersAsText() {
    String row = TandemKeys.markdownTable().lines()
        .filter(l -> l.startsWith("| `tandem.catalog.dir`")).findFirst().orElseThrow();
    assertTrue(row.contains("&lt;dir&gt;/&lt;service&gt;/&lt;cut&gt;/manifest.json"), row);
  }
}
