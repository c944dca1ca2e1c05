package io.tandem.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.tandem.core.identity.GuardKeys;

/**
 * The registries are complete: every "tandem.*" name the main sources of the modules that run
 * inside the servers (and of core) write in a string literal is a key of {@link TandemKeys} or
 * {@link ServerKeys}, and each key's name is written as a literal exactly once.
 */
class ServerKeysTest {
  /** Modules whose main sources are scanned, relative to the repository root. */
  private static final List<String> MODULES = List.of("core", "hbase-coprocessor", "hdfs-extension");
  /** A key-like name inside a literal; not the tail of a package name like io.tandem.hdfs.X. */
  private static final Pattern NAME = Pattern.compile("(?<![\\w.])tandem(?:\\.[A-Za-z0-9_-]+)+");

  /** A string literal's text, where it starts, and the file it is in. */
  private record Literal(Path file, int line, String text) {
    @Override
    public String toString() {
      return file + ":" + line + " \"" + text + "\"";
    }
  }

  private static Set<String> registered() {
    Set<String> names = new HashSet<>();
    TandemKeys.ALL.forEach(k -> names.add(k.name()));
    ServerKeys.ALL.forEach(k -> names.add(k.name()));
    return names;
  }

  private static List<Literal> literalsOfMainSources() throws IOException {
    List<Literal> out = new ArrayList<>();
    for (String module : MODULES) {
      // Surefire runs in core/; the other modules are its siblings.
      Path src = Path.of("..", module, "src", "main", "java");
      assertTrue(Files.isDirectory(src), src.toAbsolutePath() + " is not a directory");
      List<Path> files;
      try (Stream<Path> walk = Files.walk(src)) {
        files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
      }
      assertFalse(files.isEmpty(), "no Java sources under " + src.toAbsolutePath());
      for (Path f : files) {
        out.addAll(literals(f, Files.readString(f)));
      }
    }
    return out;
  }

  /**
   * The string literals (and text blocks) of a Java source, skipping comments and char literals,
   * so that neither a quote in a comment nor {@code '"'} is taken for the start of a string.
   */
  static List<Literal> literals(Path file, String src) {
    List<Literal> out = new ArrayList<>();
    int line = 1;
    int i = 0;
    int n = src.length();
    while (i < n) {
      char c = src.charAt(i);
      if (c == '\n') {
        line++;
        i++;
      } else if (src.startsWith("//", i)) {
        while (i < n && src.charAt(i) != '\n') {
          i++;
        }
      } else if (src.startsWith("/*", i)) {
        int end = src.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        line += count(src, i, end);
        i = end;
      } else if (src.startsWith("\"\"\"", i)) {
        int end = src.indexOf("\"\"\"", i + 3);
        end = end < 0 ? n : end;
        out.add(new Literal(file, line, src.substring(i + 3, end)));
        line += count(src, i, end);
        i = Math.min(n, end + 3);
      } else if (c == '"' || c == '\'') {
        StringBuilder text = new StringBuilder();
        int j = i + 1;
        while (j < n && src.charAt(j) != c && src.charAt(j) != '\n') {
          if (src.charAt(j) == '\\' && j + 1 < n) {
            text.append(src.charAt(j + 1));
            j += 2;
          } else {
            text.append(src.charAt(j++));
          }
        }
        if (c == '"') {
          out.add(new Literal(file, line, text.toString()));
        }
        i = j + 1;
      } else {
        i++;
      }
    }
    return out;
  }

  private static int count(String s, int from, int to) {
    int lines = 0;
    for (int k = from; k < to; k++) {
      if (s.charAt(k) == '\n') {
        lines++;
      }
    }
    return lines;
  }

  @Test
  void literalsAreFoundOutsideCommentsAndCharLiterals() {
    String src = "class A {\n  // \"tandem.in.comment\"\n  /* \"tandem.in.block\"\n */ char q = '\"';\n"
        + "  String a = \"tandem.x.y\", b = \"say \\\"tandem.z\\\" twice\";\n}\n";
    List<Literal> found = literals(Path.of("A.java"), src);
    assertEquals(List.of("tandem.x.y", "say \"tandem.z\" twice"), found.stream().map(Literal::text).toList());
    assertEquals(5, found.get(0).line());
  }

  @Test
  void everyTandemNameInTheMainSourcesIsARegisteredKey() throws IOException {
    Set<String> registered = registered();
    List<Literal> literals = literalsOfMainSources();
    Map<String, List<Literal>> unknown = new TreeMap<>();
    int names = 0;
    for (Literal lit : literals) {
      Matcher m = NAME.matcher(lit.text());
      while (m.find()) {
        names++;
        if (!registered.contains(m.group())) {
          unknown.computeIfAbsent(m.group(), k -> new ArrayList<>()).add(lit);
        }
      }
    }
    // The registries themselves spell every key, so a scan that finds fewer names saw nothing.
    assertTrue(names >= registered.size(), "the scan found only " + names + " tandem.* names in " + literals.size()
        + " literals");
    assertTrue(unknown.isEmpty(), "keys read by the servers or core but not in TandemKeys or ServerKeys (add them"
        + " to ServerKeys, with their default and doc, and regenerate docs/configuration.md): " + unknown);
  }

  @Test
  void everyKeyNameIsWrittenOnce() throws IOException {
    Map<String, List<Literal>> byName = literalsOfMainSources().stream()
        .filter(lit -> registered().contains(lit.text()))
        .collect(Collectors.groupingBy(Literal::text, TreeMap::new, Collectors.toList()));
    assertEquals(new TreeSet<>(registered()), byName.keySet(), "key names not written as a literal in the main"
        + " sources of " + MODULES);
    byName.forEach((name, where) -> assertEquals(1, where.size(), name + " is written more than once: " + where
        + "; refer to its ConfigKey instead"));
  }

  @Test
  void everyServerKeyIsInOneGroup() {
    Set<String> seen = new HashSet<>();
    for (ServerKeys.Group g : ServerKeys.GROUPS) {
      for (ConfigKey k : g.keys()) {
        assertTrue(seen.add(k.name()), k.name() + " is in more than one group");
      }
    }
    assertEquals(seen.size(), ServerKeys.ALL.size());
  }

  /** A key defined in ServerKeys or GuardKeys but left out of every group would be missing from the docs. */
  @Test
  void everyDefinedServerKeyIsListed() throws IllegalAccessException {
    Set<ConfigKey> listed = Set.copyOf(ServerKeys.ALL);
    for (Class<?> c : List.of(ServerKeys.class, GuardKeys.class)) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigKey.class) {
          ConfigKey k = (ConfigKey) f.get(null);
          assertTrue(listed.contains(k), c.getSimpleName() + "." + f.getName() + " (" + k.name()
              + ") is in no ServerKeys group");
        }
      }
    }
  }

  @Test
  void everyServerKeyHasADoc() {
    for (ConfigKey k : ServerKeys.ALL) {
      assertTrue(k.name().startsWith("tandem."), k.name());
      assertFalse(k.doc().isBlank(), k.name() + " has no doc");
    }
  }
}
