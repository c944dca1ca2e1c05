package io.tandem.controller.identity;

import java.util.List;

/**
 * What a switch did, or (dry run) would do: the transition, per service the cut that becomes
 * live and what would be lost, and the measured phases.
 *
 * @param lossWarnings one line per service whose newest complete cut is older than its newest
 *                     attempt, or whose writes after the newest complete cut exist only on the
 *                     old primary
 */
public record SwitchReport(String from, String to, long epochBefore, long epochAfter, boolean dryRun,
    boolean planned, List<ServiceOutcome> services, List<String> lossWarnings, long demoteMillis,
    long restoreMillis, long totalMillis) {

  /** One service's part of a switch. */
  public record ServiceOutcome(String service, String cutId, String cutMoment, String finalCutState) {
  }
}
