package io.tandem.core.usersync;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One difference a user sync found between the primary's user data and the secondary's (or, in
 * push mode, what was last pushed), what it does about it, and what came of it.
 *
 * @param object    what differs: a grant's key ({@code table=ns:t alice}) or an absolute path
 * @param primary   the primary's value ({@code -} when it has none)
 * @param secondary the secondary's value ({@code -} when it has none)
 * @param grant     for grant kinds: the grant to make (APPLY) or to take away (REVOKE)
 * @param target    for path kinds: the attributes the secondary's path must end up with
 * @param note      why it is only reported, or why it failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Difference(Kind kind, String object, String primary, String secondary, Fix fix, Outcome outcome,
    Grant grant, PathAttrs target, String note) {

  /** What differs. */
  public enum Kind {
    /** A grant of a principal the primary knows differs (missing, narrower or wider). */
    GRANT,
    /** A grant on the secondary to a principal the primary's user data never names. */
    EXTRA_GRANT,
    OWNER,
    GROUP,
    PERMISSION,
    ACL,
    /** Named ACL entries on the secondary for principals the primary never names. */
    EXTRA_ACL,
    /** Push: a path not pushed before; all its attributes go. */
    PATH_ATTRS,
    /** The path exists on the primary but not (live) on the secondary: data, not user data, is missing. */
    PATH_MISSING,
    /** A declared user's groups differ between the clusters' group mappings (OS/LDAP). */
    USER_GROUPS
  }

  /** What the sync does about it. */
  public enum Fix { APPLY, REVOKE, REPORT }

  /** What came of it. */
  public enum Outcome {
    /** Dry run: would be done. */
    PLANNED,
    APPLIED,
    /** Reported only: not Tandem's to change, or removal not asked for. */
    REPORTED,
    /** The path is not live on the secondary; the cut's user data brings it with a restore. */
    DEFERRED,
    FAILED
  }

  public Difference with(Outcome newOutcome, String newNote) {
    return new Difference(kind, object, primary, secondary, fix, newOutcome, grant, target,
        newNote == null ? note : newNote);
  }

  /** One line for logs and the CLI. */
  public String text() {
    return String.format("%-8s %-12s %s: primary %s, secondary %s%s", outcome, kind, object, primary, secondary,
        note == null ? "" : " (" + note + ")");
  }
}
