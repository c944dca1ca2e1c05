package io.tandem.core.usersync;

import java.util.List;
import java.util.Objects;

/**
 * Who may do what on one HDFS path of a data set: owner, group, permission bits and the
 * extended ACL entries.
 *
 * @param root       the data set's directory ({@code /billing/invoices}); the same on both clusters
 * @param path       relative to {@code root}, {@code ""} for the root itself
 * @param permission four octal digits with the sticky bit ({@code 0750}, {@code 1777})
 * @param acl        extended entries as HDFS prints them ({@code user:alice:r-x},
 *                   {@code default:group:ops:rwx}), sorted; empty for a minimal ACL
 */
public record PathAttrs(String root, String path, String owner, String group, String permission,
    List<String> acl) implements Comparable<PathAttrs> {

  public PathAttrs {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(permission, "permission");
    if (!permission.matches("[0-7]{4}")) {
      throw new IllegalArgumentException("permission of " + root + "/" + path + " must be 4 octal digits, got " + permission);
    }
    acl = acl == null ? List.of() : acl.stream().sorted().toList();
  }

  /** The absolute path this entry describes. */
  public String absolute() {
    return path.isEmpty() ? root : root + "/" + path;
  }

  @Override
  public int compareTo(PathAttrs o) {
    int c = root.compareTo(o.root);
    return c != 0 ? c : path.compareTo(o.path);
  }
}
