package io.tandem.controller.drift;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.tandem.core.usersync.Difference;

/**
 * What differs now, for one service, between the primary and the secondary beyond the service's
 * newest COMPLETE cut: what a failover right now would lose, or what is out of sync. Built by
 * {@link DriftService}; {@code docs/drift.md} says what each field means and what it costs.
 *
 * <p>Invariant: {@link #drift} is true exactly when some table, directory or user-data item below
 * differs; a data set merely not live on the secondary (the normal state before a failover) is
 * no drift.
 *
 * @param cut    the newest COMPLETE cut, null when the service has none yet
 * @param calls  calls this report made itself, by cluster role (primary, secondary); see docs/drift.md
 * @param error  set (and every other section null) when the report could not be computed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DriftReport(String service, String primary, String secondary, Instant at, long tookMs, Boolean drift,
    Cut cut, List<TableDrift> tables, List<DirDrift> dirs, UserDrift users, Map<String, Integer> calls, String error) {

  /** How many paths or differences a section lists before it says "and K more". */
  public static final int LISTED = 20;

  /** A report that could not be computed (one service of {@code GET /api/v1/drift}). */
  public static DriftReport failed(String service, Instant at, String error) {
    return new DriftReport(service, null, null, at, 0, null, null, null, null, null, null, error);
  }

  /**
   * The newest COMPLETE cut.
   *
   * @param replicaAtCut     the secondary holds this cut: every table's snapshot, and every directory's
   *                         replica snapshot, unchanged since (what a failover restores)
   * @param replicaProblems  why not, one line each
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Cut(String cutId, Instant moment, Instant finishedAt, long ageSeconds, boolean replicaAtCut,
      List<String> replicaProblems) {
  }

  /**
   * One table the policy names on either cluster, or the cut holds.
   *
   * @param presence           {@code both}, {@code primary only} or {@code secondary only}; the secondary
   *                           "has" a table when it is live there or the newest cut's snapshot of it is
   * @param primaryRegions     region count of the live primary table (null: not live there)
   * @param secondaryRegions   region count of the live secondary table (null: not live there)
   * @param cutRegions         region count of the cut's snapshot (null: not in the cut)
   * @param boundariesDifferFromCut       the primary's region start keys are not the cut's (split, merge)
   * @param boundariesDifferFromSecondary the primary's region start keys are not the live secondary table's
   * @param changedSinceCut    true: written or rewritten on the primary since the cut; false: no evidence of
   *                           it; null: not in the cut, or not on the primary (see {@code evidence})
   * @param storeFilesAdded    store files on the primary that the cut's snapshot does not list
   * @param storeFilesRemoved  store files the cut's snapshot lists that the primary no longer has
   * @param cellsSinceCut      a cell with a timestamp at or after the cut's moment exists on the primary
   * @param evidence           what {@code changedSinceCut} rests on, one line each
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TableDrift(String table, String presence, boolean onPrimary, boolean liveOnSecondary, boolean inCut,
      Integer primaryRegions, Integer secondaryRegions, Integer cutRegions, Boolean boundariesDifferFromCut,
      Boolean boundariesDifferFromSecondary, Boolean changedSinceCut, Integer storeFilesAdded,
      Integer storeFilesRemoved, Boolean cellsSinceCut, List<String> evidence) {

    boolean drifted() {
      return !"both".equals(presence) || Boolean.TRUE.equals(boundariesDifferFromCut)
          || Boolean.TRUE.equals(changedSinceCut);
    }
  }

  /**
   * One protected directory: the primary's HDFS snapshot diff from the cut's snapshot to now.
   *
   * @param added     entries created since the cut (files and directories)
   * @param removed   entries deleted since the cut
   * @param modified  entries whose content or attributes changed; a directory counts only when no
   *                  other entry of the diff lies under it (else its change is those entries)
   * @param renamed   entries renamed or moved within the directory
   * @param paths     the first {@link #LISTED} changes: {@code + path}, {@code - path}, {@code M path},
   *                  {@code R from -> to}
   * @param more      changes not listed
   * @param note      why the diff could not be read (then the counts are null)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DirDrift(String path, Integer added, Integer removed, Integer modified, Integer renamed,
      List<String> paths, int more, String note) {

    boolean drifted() {
      return note != null || added + removed + modified + renamed > 0;
    }
  }

  /**
   * User data (HBase grants, HDFS owners/permissions/ACLs, declared users' groups) that differs
   * between the clusters now: the differences a reconcile dry run reports.
   *
   * @param byKind            difference count by {@link Difference.Kind}, those not live excepted
   * @param differences       the first {@link #LISTED} of them
   * @param more              differences not listed
   * @param notLiveOnSecondary directories not live on the secondary (compared only after a restore
   *                          or failover; not drift)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record UserDrift(int count, Map<String, Integer> byKind, List<Difference> differences, int more,
      List<String> notLiveOnSecondary) {
  }
}
