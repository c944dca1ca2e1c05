package io.tandem.core.policy;

import java.util.Objects;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One data set a service owns, in one component: an HDFS directory ({@code hdfs:/data/billing}),
 * an HBase table ({@code hbase:billing:orders}) or a whole HBase namespace ({@code hbase:billing:*}).
 * The textual form is the one admins write in policies and the one stored.
 */
public record DataSet(Kind kind, String namespace, String name) {

  /** The component a data set belongs to. */
  public enum Kind { HDFS_DIR, HBASE_TABLE, HBASE_NAMESPACE }

  // HBase's own rules (TableName.isLegalNamespaceName / isLegalTableQualifierName), ASCII only.
  // Namespaces take no '.' or '-': HBase refuses them, and it keeps ns:table -> ns-table
  // (snapshot names, see CutNames) one-to-one.
  // Written in the regex subset Java and Python's re read alike (PolicyRules publishes them to the
  // Ambari service advisor): no \\s, whose meaning differs, and matched whole.
  static final Pattern HBASE_NAMESPACE = Pattern.compile("[a-zA-Z0-9_]+");
  static final Pattern HBASE_QUALIFIER = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9_.-]*");
  static final Pattern HDFS_SEGMENT = Pattern.compile("[^/:|\\x00-\\x20\\x7F]+");
  /** Path segments an HDFS data set may not have: they would not name one directory. */
  static final java.util.List<String> HDFS_FORBIDDEN_SEGMENTS = java.util.List.of(".", "..", ".snapshot");

  public DataSet {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
  }

  /**
   * Parses {@code hdfs:/abs/path}, {@code hbase:ns:table} or {@code hbase:ns:*}.
   *
   * @throws IllegalArgumentException with a message naming the bad text and the accepted forms
   */
  @JsonCreator
  public static DataSet parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty data set: expected hdfs:/path, hbase:namespace:table or hbase:namespace:*");
    }
    String t = text.trim();
    if (t.startsWith("hdfs:")) {
      String path = t.substring(5);
      String norm = path.replaceAll("/+$", "");
      // norm is empty for "/", "//", ...: the root, which is no one service's.
      if (!path.startsWith("/") || norm.isEmpty()) {
        throw new IllegalArgumentException("bad data set \"" + text + "\": an HDFS data set needs an absolute path below /, e.g. hdfs:/data/billing");
      }
      for (String seg : norm.substring(1).split("/")) {
        if (!HDFS_SEGMENT.matcher(seg).matches() || HDFS_FORBIDDEN_SEGMENTS.contains(seg)) {
          throw new IllegalArgumentException("bad data set \"" + text + "\": path segment \"" + seg + "\" is not allowed");
        }
      }
      return new DataSet(Kind.HDFS_DIR, null, norm);
    }
    if (t.startsWith("hbase:")) {
      String[] parts = t.substring(6).split(":", -1);
      if (parts.length != 2) {
        throw new IllegalArgumentException("bad data set \"" + text + "\": expected hbase:namespace:table or hbase:namespace:* (use hbase:default:t for the default namespace)");
      }
      if (!HBASE_NAMESPACE.matcher(parts[0]).matches()) {
        throw new IllegalArgumentException("bad data set \"" + text + "\": \"" + parts[0] + "\" is not a valid HBase namespace (letters, digits and _ only)");
      }
      if (parts[1].equals("*")) {
        return new DataSet(Kind.HBASE_NAMESPACE, parts[0], parts[0]);
      }
      if (!HBASE_QUALIFIER.matcher(parts[1]).matches()) {
        throw new IllegalArgumentException("bad data set \"" + text + "\": \"" + parts[1] + "\" is not a valid HBase table name");
      }
      return new DataSet(Kind.HBASE_TABLE, parts[0], parts[1]);
    }
    throw new IllegalArgumentException("bad data set \"" + text + "\": expected hdfs:/path, hbase:namespace:table or hbase:namespace:*");
  }

  public static DataSet hdfs(String path) {
    return parse("hdfs:" + path);
  }

  public static DataSet table(String namespace, String table) {
    return parse("hbase:" + namespace + ":" + table);
  }

  /** For tables: {@code ns:qualifier}, the form HBase's TableName accepts. */
  public String tableName() {
    if (kind != Kind.HBASE_TABLE) {
      throw new IllegalStateException(this + " is not an HBase table");
    }
    return namespace + ":" + name;
  }

  /** For HDFS data sets, the absolute path. */
  public String path() {
    if (kind != Kind.HDFS_DIR) {
      throw new IllegalStateException(this + " is not an HDFS directory");
    }
    return name;
  }

  /** True if the two data sets can hold the same data (same table, nested dirs, table in namespace). */
  public boolean overlaps(DataSet other) {
    if (kind == Kind.HDFS_DIR || other.kind == Kind.HDFS_DIR) {
      if (kind != other.kind) {
        return false;
      }
      return isUnder(name, other.name) || isUnder(other.name, name);
    }
    // Both HBase: any overlap needs the same namespace.
    if (!namespace.equals(other.namespace)) {
      return false;
    }
    if (kind == Kind.HBASE_NAMESPACE || other.kind == Kind.HBASE_NAMESPACE) {
      return true;
    }
    return name.equals(other.name);
  }

  private static boolean isUnder(String path, String ancestor) {
    return path.equals(ancestor) || path.startsWith(ancestor + "/");
  }

  @JsonValue
  @Override
  public String toString() {
    return switch (kind) {
      case HDFS_DIR -> "hdfs:" + name;
      case HBASE_TABLE -> "hbase:" + namespace + ":" + name;
      case HBASE_NAMESPACE -> "hbase:" + namespace + ":*";
    };
  }
}
