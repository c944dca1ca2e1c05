package io.tandem.controller.identity;

import java.util.List;

/**
 * What a switch did, or (dry run) would do: the transition, per service the cut that becomes
 * live and what would be lost, and the measured phases.
 *
 * @param lossWarnings one line per service whose newest complete cut is older than its newest
 *                     attempt, or whose writes after the newest complete cut exist only on the
 *                     old primary
 * @param id           the switch's id in the controller's ZooKeeper (null for a dry run of a new switch)
 * @param action       {@code switch} (a new one), {@code resume} (an interrupted one, continued with
 *                     its recorded direction and decision) or {@code revert} (an interrupted one,
 *                     undone before promotion)
 * @param step         the step reached ({@link SwitchState.Step})
 */
public record SwitchReport(String from, String to, long epochBefore, long epochAfter, boolean dryRun,
    boolean planned, List<ServiceOutcome> services, List<String> lossWarnings, long demoteMillis,
    long restoreMillis, long totalMillis, String id, String action, String step) {

  /**
   * One service's part of a switch.
   *
   * @param cutId the cut made live on the target, or null when none was restored
   * @param kept  why the target's live data was kept instead of a cut (it is newer), else null
   */
  public record ServiceOutcome(String service, String cutId, String cutMoment, String finalCutState, String kept) {
  }
}
