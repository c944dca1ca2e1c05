package io.tandem.controller.identity;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A switch of the primary identity as persisted in the controller's ZooKeeper, step by step, so
 * that a switch interrupted anywhere (the controller killed, the CLI's terminal closed) resumes
 * with the same direction and the same planned/unplanned decision, or is reverted before promotion.
 *
 * @param id              {@code switch-<from>-to-<to>-<startedAt millis>}
 * @param planned         decided once, when the switch starts: the old primary was healthy, so a
 *                        final cut of every service is taken before the restore
 * @param step            the last step completed
 * @param transitionEpoch the epoch at which nobody is primary (0 before that step)
 * @param finalCuts       service to the id of its final cut (planned switches)
 * @param restored        service to the cut restored on the target, or {@code live: <why>} when the
 *                        target's live data was kept because it is newer than every cut
 * @param error           why the last attempt stopped, if it failed (the switch can be re-run)
 */
public record SwitchState(String id, String from, String to, boolean planned, Step step, Instant startedAt,
    Instant updatedAt, long transitionEpoch, Map<String, String> finalCuts, Map<String, String> restored,
    String by, String error) {

  /** Steps in order; each is recorded when done. */
  public enum Step {
    /** Decided: direction and planned/unplanned. */
    STARTED,
    /** The record says nobody is primary: every guard refuses application writes. */
    TRANSITION,
    /** Every guard of the old primary refuses (acknowledged, or its session is gone). */
    GUARDS_ACKED,
    /** Planned switches: every service's final cut is COMPLETE on the target. */
    FINAL_CUTS,
    /** Every service's newest data is live on the target. */
    RESTORED,
    /** The target is primary; the switch is over. */
    PROMOTED,
    /** Reverted before promotion: the old primary is primary again. */
    REVERTED
  }

  public SwitchState {
    finalCuts = Map.copyOf(finalCuts == null ? Map.of() : finalCuts);
    restored = Map.copyOf(restored == null ? Map.of() : restored);
  }

  public static SwitchState start(String from, String to, boolean planned, Instant now, String by) {
    return new SwitchState("switch-" + from + "-to-" + to + "-" + now.toEpochMilli(), from, to, planned, Step.STARTED,
        now, now, 0, Map.of(), Map.of(), by, null);
  }

  public SwitchState at(Step next, Instant now) {
    return new SwitchState(id, from, to, planned, next, startedAt, now, transitionEpoch, finalCuts, restored, by, null);
  }

  public SwitchState inTransitionAt(long epoch, Instant now) {
    return new SwitchState(id, from, to, planned, Step.TRANSITION, startedAt, now, epoch, finalCuts, restored, by,
        null);
  }

  public SwitchState withFinalCut(String service, String cutId, Instant now) {
    Map<String, String> m = new LinkedHashMap<>(finalCuts);
    m.put(service, cutId);
    return new SwitchState(id, from, to, planned, step, startedAt, now, transitionEpoch, m, restored, by, null);
  }

  public SwitchState withRestored(String service, String what, Instant now) {
    Map<String, String> m = new LinkedHashMap<>(restored);
    m.put(service, what);
    return new SwitchState(id, from, to, planned, step, startedAt, now, transitionEpoch, finalCuts, m, by, null);
  }

  public SwitchState failed(String why, Instant now) {
    return new SwitchState(id, from, to, planned, step, startedAt, now, transitionEpoch, finalCuts, restored, by, why);
  }

  public SwitchState resumedBy(String who) {
    return new SwitchState(id, from, to, planned, step, startedAt, updatedAt, transitionEpoch, finalCuts, restored,
        who, error);
  }

  public boolean done() {
    return step == Step.PROMOTED || step == Step.REVERTED;
  }

  public boolean reached(Step s) {
    return step.ordinal() >= s.ordinal() && step != Step.REVERTED;
  }
}
