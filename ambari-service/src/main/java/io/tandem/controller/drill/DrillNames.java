package io.tandem.controller.drill;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hadoop.hbase.TableName;

/**
 * Names a drill gives what it makes, none of which is ever a live table or directory: scratch
 * tables in the namespace {@value #NAMESPACE} named {@code <service>.<namespace>.<qualifier>}
 * (a service name has no '.', nor does a namespace, so the name reads back to the service and the
 * table it is a copy of), and scratch directories {@code <scratch root>/<service>/<drillId>}.
 */
public final class DrillNames {
  /** The namespace of every scratch table, on both clusters. */
  public static final String NAMESPACE = "tandem_drill";
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
      .withZone(ZoneOffset.UTC);
  private static final Pattern DRILL_ID = Pattern.compile("drill-\\d{8}T\\d{9}Z");
  private static final Pattern SCRATCH = Pattern.compile("([a-z][a-z0-9_-]*)\\.([^.]+)\\.(.+)");

  private DrillNames() {
  }

  /** {@code drill-<yyyyMMddTHHmmssSSSZ>}, from the moment it started. */
  public static String drillId(Instant at) {
    return "drill-" + STAMP.format(at);
  }

  public static boolean isDrillId(String s) {
    return s != null && DRILL_ID.matcher(s).matches();
  }

  /** The scratch table a drill of {@code service} restores {@code table} into. */
  public static TableName scratchTable(String service, String table) {
    TableName tn = TableName.valueOf(table);
    return TableName.valueOf(NAMESPACE, service + "." + tn.getNamespaceAsString() + "." + tn.getQualifierAsString());
  }

  /** Whether {@code scratch} is a scratch table of a drill of {@code service}. */
  public static boolean isScratchOf(String service, TableName scratch) {
    return NAMESPACE.equals(scratch.getNamespaceAsString())
        && scratch.getQualifierAsString().startsWith(service + ".");
  }

  /** The table a scratch table is a copy of ({@code ns:qualifier}), if it is one. */
  public static Optional<String> origin(TableName scratch) {
    if (!NAMESPACE.equals(scratch.getNamespaceAsString())) {
      return Optional.empty();
    }
    Matcher m = SCRATCH.matcher(scratch.getQualifierAsString());
    return m.matches() ? Optional.of(m.group(2) + ":" + m.group(3)) : Optional.empty();
  }

  /** The scratch directory of one drill. */
  public static String scratchDir(String root, String service, String drillId) {
    return root.replaceAll("/+$", "") + "/" + service + "/" + drillId;
  }
}
