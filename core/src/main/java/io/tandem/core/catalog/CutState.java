package io.tandem.core.catalog;

/**
 * Life of a cut in the catalog. Only a cut whose every data set was shipped and verified on the
 * secondary is COMPLETE; FAILED and ABORTED cuts are never restorable, and nothing of them is kept
 * but their manifest (retention and the leftover collector treat both alike).
 */
public enum CutState {
  /** Being taken, shipped or verified (or its controller died, until the next holder fails it). */
  RUNNING,
  /** Shipped and verified on the secondary: restorable. */
  COMPLETE,
  /** Failed for any reason but its write fence: a missing data set, a copy, a verification, a crash. */
  FAILED,
  /**
   * Its write fence aborted it: a participant of the fence (a RegionServer) gave up the cut
   * and said why, e.g. its lease ran out or was above tandem.fence.lease.max.ms, or a fenced region
   * moved or closed.
   */
  ABORTED;

  public boolean terminal() {
    return this != RUNNING;
  }
}
