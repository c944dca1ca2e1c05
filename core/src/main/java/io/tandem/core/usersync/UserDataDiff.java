package io.tandem.core.usersync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import io.tandem.core.usersync.Difference.Fix;
import io.tandem.core.usersync.Difference.Kind;
import io.tandem.core.usersync.Difference.Outcome;

/**
 * Computes what must change on the secondary so that its user data matches the primary's.
 *
 * <p>Invariant: applying the differences never gives anyone more access on the secondary than
 * the primary gives them. A principal the primary names, or named before (a revoked user), gets
 * exactly the primary's grants and ACL entries (missing ones added, wider ones narrowed, stale
 * ones revoked). A principal the primary never named (it exists only on the secondary) is
 * reported and left alone, unless
 * {@code removeExtra} is set: then its grants and ACL entries go too. Differences the sync cannot
 * fix (a path whose data is not there yet, a user's OS/LDAP groups) are reported only.
 */
public final class UserDataDiff {
  private static final String NONE = "-";

  private UserDataDiff() {
  }

  /**
   * Reconcile: {@code secondary} is what the secondary holds now.
   *
   * @param seenOnPrimary principals the primary's user data of this service named at some earlier
   *                      time (a revoked user is still the primary's, not "only on the secondary")
   * @param removeExtra   also revoke grants and ACL entries of principals only the secondary names
   */
  public static List<Difference> reconcile(UserData primary, UserData secondary, Set<String> seenOnPrimary,
      boolean removeExtra) {
    Objects.requireNonNull(primary, "primary");
    Objects.requireNonNull(secondary, "secondary");
    Set<String> known = new TreeSet<>(primary.principals());
    known.addAll(seenOnPrimary);
    List<Difference> out = new ArrayList<>();
    grants(primary, secondary, known, removeExtra, out);
    Map<String, PathAttrs> dst = byPath(secondary.paths());
    Set<String> missingRoots = new TreeSet<>(secondary.missingRoots());
    for (String root : missingRoots) {
      if (primary.paths().stream().anyMatch(p -> p.root().equals(root))) {
        out.add(new Difference(Kind.PATH_MISSING, root, "present", "absent", Fix.REPORT, Outcome.REPORTED, null, null,
            "not live on " + secondary.cluster() + "; a restore of a cut brings it with its permissions"));
      }
    }
    for (PathAttrs p : primary.paths()) {
      if (missingRoots.contains(p.root())) {
        continue;
      }
      PathAttrs s = dst.get(p.absolute());
      if (s == null) {
        out.add(new Difference(Kind.PATH_MISSING, p.absolute(), "present", "absent", Fix.REPORT, Outcome.REPORTED,
            null, null, "data not shipped yet; the next cut brings it"));
        continue;
      }
      pathAttrs(p, s, known, removeExtra, out);
    }
    userGroups(primary, secondary, out);
    return out;
  }

  /**
   * Push: {@code lastPushed} is what the previous push sent (empty before the first). Every change
   * since then is sent again as a whole (grants made or revoked, paths' attributes set); the
   * secondary's own state is not read. Everything in {@code lastPushed} came from the primary, so
   * what the primary no longer has is revoked.
   */
  public static List<Difference> push(UserData primary, UserData lastPushed) {
    Objects.requireNonNull(primary, "primary");
    Objects.requireNonNull(lastPushed, "lastPushed");
    Set<String> known = new TreeSet<>(primary.principals());
    known.addAll(lastPushed.principals());
    List<Difference> out = new ArrayList<>();
    grants(primary, lastPushed, known, true, out);
    Map<String, PathAttrs> before = byPath(lastPushed.paths());
    for (PathAttrs p : primary.paths()) {
      PathAttrs s = before.get(p.absolute());
      if (s == null) {
        out.add(new Difference(Kind.PATH_ATTRS, p.absolute(), describe(p), NONE, Fix.APPLY, null, null, p, null));
      } else {
        pathAttrs(p, s, known, true, out);
      }
    }
    return out;
  }

  private static void grants(UserData primary, UserData secondary, Set<String> known, boolean removeExtra,
      List<Difference> out) {
    Map<String, Grant> src = byKey(primary.grants());
    Map<String, Grant> dst = byKey(secondary.grants());
    for (Grant g : src.values()) {
      Grant s = dst.get(g.key());
      if (s == null || !s.actions().equals(g.actions())) {
        out.add(new Difference(Kind.GRANT, g.key(), g.actions(), s == null ? NONE : s.actions(), Fix.APPLY, null, g,
            null, s != null && Grant.covers(s.actions(), g.actions()) ? "narrowed to the primary's" : null));
      }
    }
    for (Grant s : dst.values()) {
      if (src.containsKey(s.key())) {
        continue;
      }
      if (known.contains(s.principal())) {
        out.add(new Difference(Kind.GRANT, s.key(), NONE, s.actions(), Fix.REVOKE, null, s, null, "revoked on the primary"));
      } else if (removeExtra) {
        out.add(new Difference(Kind.EXTRA_GRANT, s.key(), NONE, s.actions(), Fix.REVOKE, null, s, null,
            s.principal() + " exists only on the secondary; removed as asked"));
      } else {
        out.add(new Difference(Kind.EXTRA_GRANT, s.key(), NONE, s.actions(), Fix.REPORT, Outcome.REPORTED, s, null,
            s.principal() + " exists only on the secondary; kept (use --remove-extra to revoke)"));
      }
    }
  }

  private static void pathAttrs(PathAttrs p, PathAttrs s, Set<String> known, boolean removeExtra,
      List<Difference> out) {
    String path = p.absolute();
    // Entries of principals the primary never names stay unless asked; the rest is the primary's.
    List<String> extra = s.acl().stream()
        .filter(e -> {
          String who = UserData.aclPrincipal(e);
          return who != null && !known.contains(who);
        })
        .toList();
    List<String> targetAcl = new ArrayList<>(p.acl());
    if (!removeExtra) {
      targetAcl.addAll(extra);
    }
    PathAttrs target = new PathAttrs(p.root(), p.path(), p.owner(), p.group(), p.permission(), targetAcl);
    if (!p.owner().equals(s.owner())) {
      out.add(new Difference(Kind.OWNER, path, p.owner(), s.owner(), Fix.APPLY, null, null, target, null));
    }
    if (!p.group().equals(s.group())) {
      out.add(new Difference(Kind.GROUP, path, p.group(), s.group(), Fix.APPLY, null, null, target, null));
    }
    if (!p.permission().equals(s.permission())) {
      out.add(new Difference(Kind.PERMISSION, path, p.permission(), s.permission(), Fix.APPLY, null, null, target, null));
    }
    if (!target.acl().equals(s.acl())) {
      out.add(new Difference(Kind.ACL, path, aclText(p.acl()), aclText(s.acl()), Fix.APPLY, null, null, target,
          removeExtra && !extra.isEmpty() ? "entries of principals only on the secondary removed as asked" : null));
    }
    if (!removeExtra && !extra.isEmpty()) {
      out.add(new Difference(Kind.EXTRA_ACL, path, NONE, aclText(extra), Fix.REPORT, Outcome.REPORTED, null, null,
          "principals only on the secondary; kept (use --remove-extra to remove)"));
    }
  }

  private static void userGroups(UserData primary, UserData secondary, List<Difference> out) {
    for (Map.Entry<String, List<String>> e : primary.userGroups().entrySet()) {
      List<String> p = e.getValue().stream().sorted().toList();
      List<String> s = secondary.userGroups().getOrDefault(e.getKey(), List.of()).stream().sorted().toList();
      if (!p.equals(s)) {
        out.add(new Difference(Kind.USER_GROUPS, "user " + e.getKey(), p.isEmpty() ? NONE : String.join(",", p),
            s.isEmpty() ? NONE : String.join(",", s), Fix.REPORT, Outcome.REPORTED, null, null,
            "accounts and groups live in the OS/LDAP of each cluster; fix them there"));
      }
    }
  }

  private static Map<String, Grant> byKey(List<Grant> grants) {
    Map<String, Grant> m = new LinkedHashMap<>();
    grants.forEach(g -> m.put(g.key(), g));
    return m;
  }

  private static Map<String, PathAttrs> byPath(List<PathAttrs> paths) {
    Map<String, PathAttrs> m = new LinkedHashMap<>();
    paths.forEach(p -> m.put(p.absolute(), p));
    return m;
  }

  private static String aclText(List<String> acl) {
    return acl.isEmpty() ? NONE : String.join(",", acl);
  }

  private static String describe(PathAttrs p) {
    return p.owner() + ":" + p.group() + " " + p.permission() + (p.acl().isEmpty() ? "" : " " + aclText(p.acl()));
  }
}
