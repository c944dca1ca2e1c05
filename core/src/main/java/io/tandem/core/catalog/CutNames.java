package io.tandem.core.catalog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

import io.tandem.core.policy.PolicyValidator;

/**
 * Names of a cut and of everything made for it. They must be valid HBase snapshot names
 * ({@code [a-zA-Z0-9_][a-zA-Z0-9_.-]*}), HDFS path components and ZooKeeper node names for any
 * service name the validator accepts; they are, because service names are {@code [a-z][a-z0-9_-]*}
 * and HBase namespace/table qualifiers already use only snapshot-safe characters.
 */
public final class CutNames {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
  /** Every snapshot Tandem makes starts with this, so retention never touches anyone else's. */
  public static final String PREFIX = "tandem-";
  private static final Pattern CUT_ID = Pattern.compile("[a-z][a-z0-9_-]{0,47}-\\d{8}T\\d{9}Z");

  private CutNames() {
  }

  /** e.g. {@code billing-20261125T120000000Z}. */
  public static String cutId(String service, Instant moment) {
    if (!PolicyValidator.SERVICE_NAME.matcher(service).matches()) {
      throw new IllegalArgumentException("service name \"" + service + "\" is not valid");
    }
    return service + "-" + STAMP.format(moment);
  }

  public static boolean isCutId(String text) {
    return text != null && CUT_ID.matcher(text).matches();
  }

  /** HBase snapshot of table {@code ns:qualifier} in a cut. */
  public static String tableSnapshot(String cutId, String table) {
    return PREFIX + cutId + "-" + table.replace(':', '-');
  }

  /** HDFS snapshot name (one per directory, same name in every directory of the cut). */
  public static String dirSnapshot(String cutId) {
    return PREFIX + cutId;
  }
}
