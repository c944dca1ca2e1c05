package io.tandem.core.usersync;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One HBase permission, as the AccessController stores it: a principal ({@code alice}, or
 * {@code @ops} for a group), a scope, and the actions held there.
 *
 * @param scope   {@code namespace=ns}, {@code table=ns:t}, {@code table=ns:t,family=f} or
 *                {@code table=ns:t,family=f,qualifier=q}
 * @param actions a non-empty subset of {@code RWXCA}, always in that order
 */
public record Grant(String principal, String scope, String actions) implements Comparable<Grant> {
  private static final String ORDER = "RWXCA";

  public Grant {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(scope, "scope");
    actions = canonicalActions(actions);
  }

  /** Where and for whom: two grants with the same key replace each other. */
  public String key() {
    return scope + " " + principal;
  }

  @JsonIgnore
  public boolean isGroup() {
    return principal.startsWith("@");
  }

  public static String namespaceScope(String namespace) {
    return "namespace=" + namespace;
  }

  /** @param family null for the whole table; @param qualifier null for the whole family */
  public static String tableScope(String table, String family, String qualifier) {
    StringBuilder sb = new StringBuilder("table=").append(table);
    if (family != null) {
      sb.append(",family=").append(family);
      if (qualifier != null) {
        sb.append(",qualifier=").append(qualifier);
      }
    }
    return sb.toString();
  }

  /** Letters of {@code RWXCA} in canonical order; rejects anything else. */
  public static String canonicalActions(String actions) {
    Objects.requireNonNull(actions, "actions");
    StringBuilder sb = new StringBuilder();
    for (char c : ORDER.toCharArray()) {
      if (actions.indexOf(c) >= 0) {
        sb.append(c);
      }
    }
    for (char c : actions.toCharArray()) {
      if (ORDER.indexOf(c) < 0) {
        throw new IllegalArgumentException("HBase action '" + c + "' in '" + actions + "' is not one of " + ORDER);
      }
    }
    return sb.toString();
  }

  /** True if every action of {@code other} is also in this grant's actions. */
  public static boolean covers(String actions, String other) {
    for (char c : other.toCharArray()) {
      if (actions.indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int compareTo(Grant o) {
    return key().compareTo(o.key());
  }

  @Override
  public String toString() {
    return principal + " " + actions + " on " + scope;
  }
}
