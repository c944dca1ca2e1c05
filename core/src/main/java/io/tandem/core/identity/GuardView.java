package io.tandem.core.identity;

import java.time.Instant;
import java.util.Objects;

/**
 * What one identity guard knows at one moment: whether its cluster may take application writes to
 * protected data sets, and which data sets are protected. Immutable; a guard replaces its whole
 * view with one volatile write, and the write path decides from one volatile read of it, with no
 * lock, no allocation and no I/O (the table and path matching below allocate nothing).
 *
 * <p>The rule, in order:
 * <ol>
 *   <li>no session to the controller's ZooKeeper ({@link State#DISCONNECTED}) or nothing read yet
 *       ({@link State#UNKNOWN}): refuse, since a switch may be happening unseen;</li>
 *   <li>no identity record ({@link State#UNMANAGED}): Tandem is not set up; refuse nothing;</li>
 *   <li>the record names this cluster ({@link State#PRIMARY}): allow;</li>
 *   <li>the record names another cluster, nobody ({@link State#IN_TRANSITION}), or cannot be read:
 *       refuse.</li>
 * </ol>
 * Refusing only ever concerns protected data sets.
 */
public final class GuardView {
  /** Where a guard stands. Only {@link #UNMANAGED} and {@link #PRIMARY} let protected writes in. */
  public enum State {
    UNKNOWN(false), UNMANAGED(true), PRIMARY(true), NOT_PRIMARY(false), IN_TRANSITION(false),
    UNREADABLE(false), DISCONNECTED(false);

    private final boolean allows;

    State(boolean allows) {
      this.allows = allows;
    }

    public boolean allowsWrites() {
      return allows;
    }
  }

  private final String cluster;
  private final State state;
  private final IdentityRecord record;
  private final ProtectedSets sets;
  private final String problem;
  /** Protected directories without trailing '/', for allocation-free matching. */
  private final String[] dirs;
  private final boolean refusesNothing;
  /** UNKNOWN only: treat everything as protected (we cannot name what is). */
  private final boolean everything;

  private GuardView(String cluster, State state, IdentityRecord record, ProtectedSets sets, String problem,
      boolean everything) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.state = state;
    this.record = record;
    this.sets = Objects.requireNonNull(sets, "sets");
    this.problem = problem;
    this.everything = everything;
    this.dirs = sets.dirs().stream().map(GuardView::trimSlash).toArray(String[]::new);
    boolean nothingProtected = !everything && sets.tables().isEmpty() && sets.namespaces().isEmpty()
        && sets.dirs().isEmpty();
    this.refusesNothing = state.allowsWrites() || nothingProtected;
  }

  private static String trimSlash(String d) {
    String t = d;
    while (t.length() > 1 && t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  /**
   * A guard that has not read anything yet.
   *
   * @param refuseEverything true to treat every data set as protected until the first read (the
   *        HBase guard, which sees only user tables); false to refuse nothing (the NameNode guard,
   *        which would otherwise refuse HBase's own files)
   */
  public static GuardView unknown(String cluster, boolean refuseEverything) {
    return new GuardView(cluster, State.UNKNOWN, null, ProtectedSets.EMPTY, null, refuseEverything);
  }

  /** The view from a read over a connected session. {@code record} is null when there is none. */
  public static GuardView read(String cluster, IdentityRecord record, ProtectedSets sets) {
    State s;
    if (record == null) {
      s = State.UNMANAGED;
    } else if (record.inTransition()) {
      s = State.IN_TRANSITION;
    } else if (record.isPrimary(cluster)) {
      s = State.PRIMARY;
    } else {
      s = State.NOT_PRIMARY;
    }
    return new GuardView(cluster, s, record, sets, null, false);
  }

  /** The record exists but cannot be decoded: nobody can tell who is primary, so refuse. */
  public static GuardView unreadable(String cluster, String problem, ProtectedSets sets) {
    return new GuardView(cluster, State.UNREADABLE, null, sets, problem, false);
  }

  /** This view once the session is lost: same record and sets, refusing. UNKNOWN stays UNKNOWN. */
  public GuardView disconnected() {
    if (state == State.UNKNOWN || state == State.DISCONNECTED) {
      return this;
    }
    return new GuardView(cluster, State.DISCONNECTED, record, sets, null, false);
  }

  public String cluster() {
    return cluster;
  }

  public State state() {
    return state;
  }

  /** The record this view was read from; null when there was none, or it was unreadable. */
  public IdentityRecord record() {
    return record;
  }

  public ProtectedSets sets() {
    return sets;
  }

  /** The record's epoch, or {@link GuardAck#NO_EPOCH}. */
  public long epoch() {
    return record == null ? GuardAck.NO_EPOCH : record.epoch();
  }

  /** Whether application writes to protected data sets are let in. */
  public boolean allowsProtectedWrites() {
    return state.allowsWrites();
  }

  /** True when no write at all can be refused under this view: the fast path of every hook. */
  public boolean refusesNothing() {
    return refusesNothing;
  }

  /**
   * Whether the table is protected (itself or its namespace).
   *
   * @param qualifiedName {@code namespace:qualifier}, with {@code default:} for the default namespace
   */
  public boolean protectsTable(String namespace, String qualifiedName) {
    return everything || sets.namespaces().contains(namespace) || sets.tables().contains(qualifiedName);
  }

  /** Whether {@code path} (absolute, normalized) is a protected directory or below one. */
  public boolean protectsPath(String path) {
    if (everything) {
      return true;
    }
    for (String d : dirs) {
      if (isUnder(path, d)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether {@code path} is a strict ancestor of a protected directory: renaming or deleting it
   * would move or remove protected data.
   */
  public boolean isAncestorOfProtected(String path) {
    if (everything) {
      return true;
    }
    for (String d : dirs) {
      if (d.length() > path.length() && isUnder(d, path)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isUnder(String path, String dir) {
    if (dir.equals("/")) {
      return path.startsWith("/");
    }
    return path.startsWith(dir) && (path.length() == dir.length() || path.charAt(dir.length()) == '/');
  }

  /**
   * The one-line message of a refused write to {@code dataSet}, written for whoever reads the
   * application's error: why this cluster refuses, and what to do.
   */
  public String refusal(String dataSet) {
    String name = cluster.isEmpty() ? "(unnamed: " + GuardKeys.CLUSTER_NAME.name() + " is not set)" : cluster;
    switch (state) {
      case NOT_PRIMARY:
        return "cluster " + name + " is not primary (epoch " + record.epoch() + ", primary is " + record.primary()
            + "): writes to " + dataSet + " are refused; write to the primary or switch identity";
      case IN_TRANSITION:
        return "cluster " + name + " is not primary (epoch " + record.epoch()
            + ", identity switch in progress: no cluster is primary): writes to " + dataSet
            + " are refused; write to the new primary once the switch completes";
      case DISCONNECTED:
        return "cluster " + name + " cannot confirm it is primary (lost its session to the controller's ZooKeeper; "
            + (record == null ? "it last saw no identity record" : "last known epoch " + record.epoch()
                + ", primary was " + (record.inTransition() ? "none" : record.primary()))
            + "): writes to " + dataSet + " are refused until it reconnects";
      case UNREADABLE:
        return "cluster " + name + " cannot read the identity record (" + problem + "): writes to " + dataSet
            + " are refused until the record is repaired";
      case UNKNOWN:
        return "cluster " + name + " has not yet read its identity from the controller's ZooKeeper: writes to "
            + dataSet + " are refused until it has";
      default:
        // Allowing states never refuse; a caller asking anyway gets a plain, true sentence.
        return "cluster " + name + " allows writes to " + dataSet;
    }
  }

  /** The ack a guard publishes once this view is in force. */
  public GuardAck ack(String member, Instant appliedAt) {
    return new GuardAck(cluster, member, epoch(), record == null ? "" : record.primary(), allowsProtectedWrites(),
        state.name(), appliedAt);
  }

  /** A short description for logs. */
  public String describe() {
    return state + " (epoch " + epoch() + (record == null ? "" : ", primary " + (record.inTransition() ? "none"
        : record.primary())) + "; protected: " + sets.tables().size() + " tables, " + sets.namespaces().size()
        + " namespaces, " + sets.dirs().size() + " dirs)";
  }

  /** True if the two views would decide every write the same way and ack the same. */
  public boolean sameAs(GuardView o) {
    return o != null && state == o.state && Objects.equals(record, o.record) && sets.equals(o.sets)
        && everything == o.everything && Objects.equals(problem, o.problem);
  }

  @Override
  public String toString() {
    return "GuardView[" + cluster + ": " + describe() + "]";
  }
}
