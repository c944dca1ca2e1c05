package io.tandem.core.identity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The data sets a cluster that is not primary must refuse application writes to: HBase tables
 * ({@code ns:qualifier}), whole namespaces, and HDFS directory trees. Published by the
 * controller from all policies; read by the guards. Properties text, dependency-free.
 */
public record ProtectedSets(Set<String> tables, Set<String> namespaces, Set<String> dirs) {
  public ProtectedSets {
    tables = Set.copyOf(tables);
    namespaces = Set.copyOf(namespaces);
    dirs = Set.copyOf(dirs);
  }

  public static final ProtectedSets EMPTY = new ProtectedSets(Set.of(), Set.of(), Set.of());

  public boolean protectsTable(String namespace, String qualifier) {
    return namespaces.contains(namespace) || tables.contains(namespace + ":" + qualifier);
  }

  /** True if {@code path} is one of the directories or below one. */
  public boolean protectsPath(String path) {
    for (String d : dirs) {
      if (path.equals(d) || path.startsWith(d + "/")) {
        return true;
      }
    }
    return false;
  }

  public byte[] encode() {
    Properties p = new Properties();
    p.setProperty("format", "1");
    put(p, "table", tables);
    put(p, "namespace", namespaces);
    put(p, "dir", dirs);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      p.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void put(Properties p, String key, Set<String> values) {
    List<String> sorted = new ArrayList<>(new TreeSet<>(values));
    p.setProperty(key + ".count", Integer.toString(sorted.size()));
    for (int i = 0; i < sorted.size(); i++) {
      p.setProperty(key + "." + i, sorted.get(i));
    }
  }

  /** @throws IllegalArgumentException if the bytes are not protected sets */
  public static ProtectedSets decode(byte[] data) {
    if (data == null || data.length == 0) {
      return EMPTY;
    }
    Properties p = new Properties();
    try {
      p.load(new ByteArrayInputStream(data));
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable protected sets: " + e.getMessage(), e);
    }
    return new ProtectedSets(get(p, "table"), get(p, "namespace"), get(p, "dir"));
  }

  private static Set<String> get(Properties p, String key) {
    int n = Integer.parseInt(p.getProperty(key + ".count", "0"));
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      String v = p.getProperty(key + "." + i);
      if (v == null) {
        throw new IllegalArgumentException("protected sets: " + key + "." + i + " missing");
      }
      out.add(v);
    }
    return out;
  }
}
