package io.tandem.core.usersync;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The user data of one service as read on one cluster: the HBase grants on its tables and
 * namespaces, the owner, group, permission and ACL of every path of its HDFS data sets, and the
 * groups each user the policy declares belongs to on that cluster (what its NameNode resolves).
 *
 * @param userGroups   declared user to the groups the cluster resolves for them (empty: unknown there)
 * @param missingRoots data set directories that do not exist on this cluster
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UserData(String service, String cluster, Instant readAt, Map<String, List<String>> userGroups,
    List<Grant> grants, List<PathAttrs> paths, List<String> missingRoots) {

  public UserData {
    Objects.requireNonNull(service, "service");
    userGroups = userGroups == null ? Map.of() : new TreeMap<>(userGroups);
    grants = grants == null ? List.of() : grants.stream().sorted().toList();
    paths = paths == null ? List.of() : paths.stream().sorted().toList();
    missingRoots = missingRoots == null ? List.of() : missingRoots.stream().sorted().toList();
  }

  /** Nothing known: the state before the first push. */
  public static UserData empty(String service, String cluster) {
    return new UserData(service, cluster, null, Map.of(), List.of(), List.of(), List.of());
  }

  /**
   * Every principal this data gives access to or names: grant principals, owners, groups
   * ({@code @g}) and named ACL entries. A group is written {@code @name}.
   */
  @JsonIgnore
  public Set<String> principals() {
    Set<String> out = new TreeSet<>();
    grants.forEach(g -> out.add(g.principal()));
    for (PathAttrs p : paths) {
      out.add(p.owner());
      out.add("@" + p.group());
      for (String e : p.acl()) {
        String principal = aclPrincipal(e);
        if (principal != null) {
          out.add(principal);
        }
      }
    }
    return out;
  }

  /** {@code alice} for {@code [default:]user:alice:r-x}, {@code @ops} for a named group entry, else null. */
  static String aclPrincipal(String entry) {
    String[] f = entry.split(":", -1);
    int i = f[0].equals("default") ? 1 : 0;
    if (f.length < i + 3 || f[i + 1].isEmpty()) {
      return null;
    }
    return switch (f[i]) {
      case "user" -> f[i + 1];
      case "group" -> "@" + f[i + 1];
      default -> null;
    };
  }

  /** A one-line summary for manifests and logs. */
  public Summary summary() {
    int aclEntries = paths.stream().mapToInt(p -> p.acl().size()).sum();
    return new Summary(grants.size(), paths.size(), aclEntries, userGroups.size());
  }

  /** What a cut's manifest says about the user data it carries (the data is in users.json beside it). */
  public record Summary(int grants, int paths, int aclEntries, int declaredUsers) {
  }
}
