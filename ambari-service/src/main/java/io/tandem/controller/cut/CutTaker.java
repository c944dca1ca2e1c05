package io.tandem.controller.cut;

import java.io.IOException;

/**
 * Takes the primary-side snapshots of one cut: an HBase snapshot per table and an HDFS
 * snapshot per directory, named as the plan says. Implementations differ in what they promise
 * about the instant the snapshots show.
 *
 * <p>Contract: on success every snapshot in the plan exists on the primary. On failure
 * (exception) the implementation has deleted whatever snapshots of the plan it created, and
 * has released any fence it armed.
 */
public interface CutTaker {
  /**
   * @throws CutAbortedException if a participant of the cut's write fence aborted it; nothing of
   *                             the cut remains
   * @throws IOException if any snapshot could not be taken; nothing of the cut remains
   */
  CutResult take(CutPlan plan) throws IOException;

  /**
   * Ends what a cut whose controller died may still hold on the primary (a fence, the cluster
   * switches it turned off, its protocol nodes), without waiting for that controller's sessions to
   * expire. Called for a cut known dead: one left RUNNING and found by whoever holds its service's
   * lock now. Idempotent; nothing to do by default.
   */
  default void abandon(String cutId) throws IOException {
  }
}
