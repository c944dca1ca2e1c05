package io.tandem.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * HDFS paths no service may claim as a data set. A data set is refused when it is at or under a
 * path of {@link #atOrUnder} (HBase's root dir, Tandem's own directories, {@code /.reserved}: the
 * identity guard would refuse their owners' writes there, and a restore would overwrite them), or
 * when it is at or above a path of {@link #atOrAbove} ({@code /tmp}, {@code /user}: shared by every
 * user, though one user's directory below them may be a service's).
 *
 * @param atOrUnder normalized absolute paths (no trailing slash)
 * @param atOrAbove normalized absolute paths (no trailing slash)
 */
public record ReservedPaths(List<String> atOrUnder, List<String> atOrAbove) {
  /** What every cluster has: HDFS's reserved namespace, Tandem's default root, the shared scratch and home roots. */
  public static final ReservedPaths DEFAULT = new ReservedPaths(List.of("/.reserved", "/tandem"), List.of("/tmp", "/user"));

  public ReservedPaths {
    atOrUnder = List.copyOf(atOrUnder);
    atOrAbove = List.copyOf(atOrAbove);
  }

  /** These paths and {@code more} (at or under; null or blank entries are skipped, trailing slashes dropped). */
  public ReservedPaths plusAtOrUnder(List<String> more) {
    List<String> all = new ArrayList<>(atOrUnder);
    for (String p : more) {
      if (p != null && !p.isBlank()) {
        String norm = p.trim().replaceAll("/+$", "");
        if (norm.startsWith("/") && !all.contains(norm)) {
          all.add(norm);
        }
      }
    }
    return new ReservedPaths(all, atOrAbove);
  }

  /** Why {@code dataSet} may not be a data set, or empty if it may. */
  public Optional<String> refusal(DataSet dataSet) {
    if (dataSet.kind() != DataSet.Kind.HDFS_DIR) {
      return Optional.empty();
    }
    String path = dataSet.path();
    for (String r : atOrUnder) {
      if (path.equals(r) || path.startsWith(r + "/") || r.startsWith(path + "/")) {
        return Optional.of("data set " + dataSet + " is reserved: " + r
            + " (and everything at, under or above it) belongs to HDFS, HBase or Tandem itself");
      }
    }
    for (String r : atOrAbove) {
      if (path.equals(r) || r.startsWith(path + "/")) {
        return Optional.of("data set " + dataSet + " is reserved: " + r
            + " is shared by all users; name a directory below it");
      }
    }
    return Optional.empty();
  }
}
