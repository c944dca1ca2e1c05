package io.tandem.core.policy;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.tandem.core.config.TandemKeys;
import io.tandem.core.json.Json;
import io.tandem.core.schedule.CronExpression;
import io.tandem.core.schedule.Schedule;

/**
 * The syntax rules {@link PolicyValidator} (with {@link DataSet}, {@link Schedule} and
 * {@link CronExpression}) applies to a policy, as data: {@code metainfo/policy-rules.json}, which the
 * Ambari service advisor loads from its own directory and checks {@code tandem.policies} with, so
 * that the advisor and the controller decide alike from one source. Every pattern is matched against
 * the whole text and is written in the subset of regex syntax that Java and Python's {@code re}
 * read the same way. A test fails when the committed file differs from {@link #json()}; regenerate it
 * with {@code java -cp core/target/classes:<jackson jars> io.tandem.core.policy.PolicyRules .}
 * or {@code mvn -o -q -pl core test -Dtest=PolicyRulesTest -Dtandem.regenerate=true}.
 *
 * <p>Not in the rules (the controller checks them against live state): tables and directories
 * existing on the primary, and overlaps with stored policies the declared list does not name.
 */
public final class PolicyRules {
  /** Where the generated file lives, relative to the repository root. */
  public static final String FILE = "metainfo/policy-rules.json";

  private PolicyRules() {
  }

  /** The rules as one JSON document (stable key order, ends with a newline). */
  public static String json() {
    return Json.write(rules()) + "\n";
  }

  /** The rules as nested maps and lists. */
  public static Map<String, Object> rules() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("_generated", "from io.tandem.core.policy.PolicyRules; do not edit: regenerate with PolicyRules.main"
        + " (see its javadoc). Patterns match the whole text.");
    r.put("fields", fields());

    r.put("service", map("pattern", PolicyValidator.SERVICE_NAME.pattern(), "required", true));

    Map<String, Object> ds = new LinkedHashMap<>();
    ds.put("required_non_empty", true);
    ds.put("trim", "characters U+0000-U+0020 (Java String.trim)");
    ds.put("hdfs_prefix", "hdfs:");
    ds.put("hdfs_trailing_slashes_ignored", true);
    ds.put("hdfs_root_refused", true);
    ds.put("hdfs_segment", DataSet.HDFS_SEGMENT.pattern());
    ds.put("hdfs_forbidden_segments", DataSet.HDFS_FORBIDDEN_SEGMENTS);
    ds.put("hdfs_reserved_at_or_under", ReservedPaths.DEFAULT.atOrUnder());
    ds.put("hdfs_reserved_at_or_above", ReservedPaths.DEFAULT.atOrAbove());
    ds.put("hbase_prefix", "hbase:");
    ds.put("hbase_parts", 2);
    ds.put("hbase_namespace", DataSet.HBASE_NAMESPACE.pattern());
    ds.put("hbase_whole_namespace", "*");
    ds.put("hbase_qualifier", DataSet.HBASE_QUALIFIER.pattern());
    ds.put("overlap", "two HDFS data sets overlap when equal or one is under the other; two HBase data sets when in"
        + " the same namespace and either is the namespace or both name the same table; never across kinds");
    r.put("datasets", ds);

    Map<String, Object> sc = new LinkedHashMap<>();
    sc.put("required_non_empty", true);
    sc.put("prefixes", List.of("once:", "every:", "cron:"));
    Map<String, Object> every = new LinkedHashMap<>();
    Map<String, Long> units = new LinkedHashMap<>();
    for (char u : new char[] {'s', 'm', 'h', 'd'}) {
      units.put(String.valueOf(u), Schedule.EVERY_UNIT_SECONDS.get(u));
    }
    every.put("units", units);
    every.put("number", "[0-9]+");
    every.put("min_seconds", Schedule.Every.MINIMUM_INTERVAL.toSeconds());
    every.put("max_seconds", Schedule.Every.MAXIMUM_INTERVAL.toSeconds());
    sc.put("every", every);
    sc.put("cron", CronExpression.rules());
    sc.put("once", map("instant", "see instant", "future_unless_createdAt", true));
    r.put("schedules", sc);

    r.put("instant", map("pattern", Schedule.ISO_INSTANT.pattern(), "date_must_exist", true));
    List<String> modes = Arrays.stream(TransferMode.values()).map(TransferMode::text).toList();
    r.put("mode", map("values", modes, "case_insensitive", true, "optional", true,
        "default", TandemKeys.TRANSFER_MODE.name()));
    r.put("retain", map("min", 1, "max", Integer.MAX_VALUE, "default", PolicyValidator.DEFAULT_RETAIN));
    // max: what the field holds (a long); largest: what a policy may ask for.
    r.put("rpoSeconds", map("min", 1, "max", Long.MAX_VALUE, "largest", PolicyValidator.MAX_RPO_SECONDS));
    r.put("principal", map("pattern", PolicyValidator.PRINCIPAL_NAME.pattern(), "applies_to", List.of("users", "groups")));
    r.put("policies", map("service_unique", true, "no_overlap_between_services", true,
        "controller_only", List.of("tables and directories must exist on the primary",
            "HDFS data sets may not be at, under or above either cluster's hbase.rootdir, "
                + TandemKeys.CATALOG_DIR.name() + ", " + TandemKeys.REPLICA_DIR.name() + " or "
                + TandemKeys.DRILL_SCRATCH_DIR.name(),
            "no overlap with stored policies that the declared list does not name")));
    return r;
  }

  /**
   * The JSON type of each field of {@link PolicySpec} (unknown fields are refused):
   * string, integer (32 bits), long (64 bits) or string-list. Jackson reads numbers and booleans
   * given for a string as their text, integral strings and numbers with a fraction (truncated) for
   * integer and long, and an empty string or null as absent.
   */
  private static Map<String, String> fields() {
    Map<String, String> f = new LinkedHashMap<>();
    for (RecordComponent c : PolicySpec.class.getRecordComponents()) {
      Type t = c.getGenericType();
      String kind;
      if (t == String.class) {
        kind = "string";
      } else if (t == Integer.class) {
        kind = "integer";
      } else if (t == Long.class) {
        kind = "long";
      } else if (t instanceof ParameterizedType p && p.getRawType() == List.class
          && p.getActualTypeArguments()[0] == String.class) {
        kind = "string-list";
      } else {
        throw new IllegalStateException("PolicySpec." + c.getName() + " has a type PolicyRules cannot describe: " + t);
      }
      f.put(c.getName(), kind);
    }
    return f;
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** Writes {@link #FILE} under the given repository root (default: the working directory). */
  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Files.writeString(root.resolve(FILE), json());
    System.out.println("wrote " + root.resolve(FILE));
  }

  /** For tests: every pattern the rules publish. */
  static List<String> patterns() {
    List<String> p = new ArrayList<>(List.of(PolicyValidator.SERVICE_NAME.pattern(), DataSet.HDFS_SEGMENT.pattern(),
        DataSet.HBASE_NAMESPACE.pattern(), DataSet.HBASE_QUALIFIER.pattern(), Schedule.ISO_INSTANT.pattern(),
        PolicyValidator.PRINCIPAL_NAME.pattern()));
    p.add((String) CronExpression.rules().get("separator"));
    return p;
  }
}
