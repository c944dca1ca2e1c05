package io.tandem.controller.drill;

/** Where a restore drill is: running, or done with its verdict. */
public enum DrillState {
  RUNNING,
  /** Every table and directory of the cut came back from the secondary equal to the cut's snapshots on the primary. */
  PASSED,
  /** Something did not come back equal, or could not be restored or compared; the record's reason names it. */
  FAILED
}
