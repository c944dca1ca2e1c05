package io.tandem.controller.fault;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points in a cut, a restore and a switch where the fault-injection tests stop the
 * controller the way {@code kill -9} does: {@link Runtime#halt} runs no {@code finally} block and no
 * shutdown hook, and the process's ZooKeeper sessions simply stop being renewed.
 *
 * <p>Off unless the JVM is started with {@code -Dtandem.fault.halt=<point>} (for tests only; never
 * set it on a real controller). The points, in the order a cut reaches them, are listed in
 * {@link #CUT}, {@link #RESTORE} and {@link #SWITCH}.
 */
public final class FaultPoints {
  private static final Logger LOG = LoggerFactory.getLogger(FaultPoints.class);

  /** The system property naming the point to halt at. */
  public static final String PROPERTY = "tandem.fault.halt";
  /** The exit status of a halted process, as a process killed by SIGKILL reports it. */
  public static final int HALT_STATUS = 137;

  /** Cut: published, not yet every region armed. */
  public static final String CUT_ARM = "cut.arm";
  /** Cut: every region fenced, before the directory snapshots. */
  public static final String CUT_FENCE = "cut.fence";
  /** Cut: table and directory snapshots exist, before the cut's checks. */
  public static final String CUT_SNAPSHOT = "cut.snapshot";
  /** Cut: the first data set shipped, the others not. */
  public static final String CUT_SHIP = "cut.ship";
  /** Cut: everything shipped, verification under way. */
  public static final String CUT_VERIFY = "cut.verify";
  /** Cut: COMPLETE in the catalog, before user sync and retention. */
  public static final String CUT_CATALOG = "cut.catalog";
  /** Retention: an expired cut's snapshots deleted, its manifest not yet. */
  public static final String CUT_RETENTION = "cut.retention";
  /** Restore: the first data set restored, the others not. */
  public static final String RESTORE_COPY = "restore.copy";
  /** Switch: the record says nobody is primary, guards not yet acknowledged. */
  public static final String SWITCH_TRANSITION = "switch.transition";
  /** Switch: guards acknowledged, before the final cuts. */
  public static final String SWITCH_GUARDS = "switch.guards";
  /** Switch: final cuts taken, before the restores. */
  public static final String SWITCH_FINAL_CUT = "switch.final-cut";
  /** Switch: the first service restored on the target. */
  public static final String SWITCH_RESTORE = "switch.restore";

  public static final java.util.List<String> CUT = java.util.List.of(CUT_ARM, CUT_FENCE, CUT_SNAPSHOT, CUT_SHIP,
      CUT_VERIFY, CUT_CATALOG, CUT_RETENTION);
  public static final java.util.List<String> RESTORE = java.util.List.of(RESTORE_COPY);
  public static final java.util.List<String> SWITCH = java.util.List.of(SWITCH_TRANSITION, SWITCH_GUARDS,
      SWITCH_FINAL_CUT, SWITCH_RESTORE);

  private static final String ARMED = System.getProperty(PROPERTY, "").trim();

  private FaultPoints() {
  }

  /** Halts this JVM at once if it was started to die at {@code point}; otherwise does nothing. */
  public static void reach(String point) {
    if (!ARMED.isEmpty() && ARMED.equals(point)) {
      LOG.error("FAULT INJECTION: halting at {} ({}={})", point, PROPERTY, ARMED);
      System.err.println("FAULT INJECTION: halting at " + point);
      System.err.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
  }
}
