package io.tandem.controller.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.cut.ClusterSwitches;

/**
 * One fault case from before the fault to after the next successful operation: takes the
 * baseline (what Tandem owns, both clusters' switches), runs an application writer against each
 * cluster's copy of the case's protected table throughout, times the recovery (from the fault to
 * the next successful operation) and at the end checks every {@link Invariants invariant}, all of
 * them, reporting every violation at once and one line for the suite's report.
 */
final class FaultCase implements AutoCloseable {
  private static final Path REPORT = Path.of("target", "fault", "report.txt").toAbsolutePath();

  private final FaultEnv env;
  final String name;
  private final Invariants.Owned before;
  private final Map<String, ClusterSwitches.State> switchesBefore;
  private final List<ProtectedWriter> writers = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<String> contract = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private long faultNanos = -1;
  private long recoveredNanos = -1;
  private long recoveredWallMs = -1;
  private boolean finished;

  FaultCase(FaultEnv env, String name, FaultEnv.Service service) throws Exception {
    this.env = env;
    this.name = name;
    this.before = Invariants.scan(env);
    this.switchesBefore = Invariants.switches(env);
    for (String c : FaultEnv.CLUSTERS) {
      writers.add(new ProtectedWriter(c, env.util(c), service.table(), "w" + name.replaceAll("[^a-z0-9]", "")));
    }
    String primary = env.primaryName();
    ProtectedWriter pw = writer(primary);
    ControllerFixture.await("the writer on " + primary + " is accepted before the fault", Duration.ofSeconds(30),
        () -> pw.acceptedSince(0) >= 3);
  }

  ProtectedWriter writer(String cluster) {
    return writers.stream().filter(w -> w.cluster.equals(cluster)).findFirst().orElseThrow();
  }

  /** The fault happened now (or at {@code nanos}, a {@link System#nanoTime()}). */
  void faultAt(long nanos) {
    faultNanos = nanos;
  }

  void fault() {
    faultAt(System.nanoTime());
  }

  /** The next operation after the fault just succeeded. */
  void recovered() {
    recoveredNanos = System.nanoTime();
    recoveredWallMs = System.currentTimeMillis();
  }

  long recoveryMs() {
    return faultNanos < 0 || recoveredNanos < 0 ? -1 : (recoveredNanos - faultNanos) / 1_000_000;
  }

  /** A line for the report: what happened. */
  void note(String text) {
    notes.add(text);
    System.out.println("FAULT-CASE " + name + ": " + text);
  }

  /**
   * A check of the case's own contract (e.g. "the interrupted cut ends FAILED"): a violation is
   * reported with the invariants at {@link #finish}, and the case goes on to its recovery.
   */
  boolean check(boolean ok, String what) {
    if (!ok) {
      contract.add("(5) " + what);
      note("VIOLATED: " + what);
    }
    return ok;
  }

  /**
   * Checks every invariant and reports. {@code allowedRuns} is the order in which clusters may
   * accept writes to the protected table during the case (one cluster at a time), e.g.
   * [primary] for a cut, [primary, secondary] for a switch to the secondary.
   */
  void finish(List<String> allowedRuns) throws Exception {
    finished = true;
    List<String> failures = new ArrayList<>(contract);
    if (recoveredNanos < 0) {
      failures.add("(5) the operation after the fault never succeeded");
    } else {
      String primary = env.primaryName();
      ProtectedWriter pw = writer(primary);
      try {
        ControllerFixture.await("the primary (" + primary + ") accepts writes after the recovery", Duration.ofSeconds(30),
            () -> pw.acceptedSince(recoveredWallMs) >= 1);
      } catch (AssertionError e) {
        failures.add("(4) " + e.getMessage() + "; last attempt: " + pw.last());
      }
    }
    for (ProtectedWriter w : writers) {
      w.close();
    }

    Map<String, ClusterSwitches.State> switchesAfter = Invariants.switches(env);
    if (!switchesAfter.equals(switchesBefore)) {
      failures.add("(2) balancer/split/merge switches changed: before " + switchesBefore + ", after " + switchesAfter);
    }

    Invariants.Owned after = Invariants.scan(env);
    List<String> leftovers = after.problems(before);
    String gc = "not needed";
    if (!leftovers.isEmpty()) {
      // The next operation must clean what the fault left; gc runs only so later cases start clean.
      leftovers.forEach(p -> failures.add("(3) left after the next operation: " + p));
      note("left after the next operation: " + leftovers);
      String out = env.gc();
      note("tandem gc: " + out.replace('\n', ' '));
      after = Invariants.scan(env);
      List<String> afterGc = after.problems(before);
      gc = "NEEDED (" + leftovers.size() + " leftovers; " + afterGc.size() + " after gc)";
      afterGc.forEach(p -> failures.add("(3) after the next operation and tandem gc: " + p));
    }

    Invariants.wronglyComplete(env, before, after).forEach(p -> failures.add("(1) " + p));

    List<String> runs = Invariants.acceptingRuns(writers);
    if (runs.isEmpty() || !contiguousIn(runs, allowedRuns)) {
      failures.add("(4) clusters accepted protected writes in the order " + runs + ", allowed " + allowedRuns
          + "; handovers:" + Invariants.handovers(writers));
    }
    long accepted = 0;
    long refused = 0;
    for (ProtectedWriter w : writers) {
      accepted += w.attempts().stream().filter(ProtectedWriter.Attempt::accepted).count();
      refused += w.attempts().stream().filter(a -> !a.accepted()).count();
    }
    StringBuilder perWriter = new StringBuilder();
    for (ProtectedWriter w : writers) {
      perWriter.append(' ').append(w.cluster).append("{accepted=").append(w.attempts().stream()
          .filter(ProtectedWriter.Attempt::accepted).count()).append(" longest-gap-between-accepts-ms=")
          .append(w.longestGapMs()).append(" errors=").append(w.errorKinds()).append('}');
    }
    String line = String.format("FAULT-REPORT %-28s %s | recovery_ms=%d | gc=%s | writes accepted=%d refused=%d"
        + " runs=%s%s | before{%s} after{%s} | %s", name, String.join("; ", notes), recoveryMs(), gc, accepted, refused,
        runs, perWriter, before.summary(), after.summary(), failures.isEmpty() ? "PASS" : "FAIL " + failures);
    System.out.println(line);
    Files.createDirectories(REPORT.getParent());
    Files.writeString(REPORT, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    if (!failures.isEmpty()) {
      throw new AssertionError("case " + name + " broke " + failures.size() + " invariant(s):\n  "
          + String.join("\n  ", failures));
    }
  }

  private static boolean contiguousIn(List<String> runs, List<String> allowed) {
    for (int i = 0; i + runs.size() <= allowed.size(); i++) {
      if (allowed.subList(i, i + runs.size()).equals(runs)) {
        return true;
      }
    }
    return false;
  }

  /** Stops the writers of a case that failed before {@link #finish}; reports it. */
  @Override
  public void close() throws Exception {
    if (finished) {
      return;
    }
    for (ProtectedWriter w : writers) {
      try {
        w.close();
      } catch (Exception e) {
        // reported below with the case
      }
    }
    String line = String.format("FAULT-REPORT %-28s %s | recovery_ms=%d | FAIL (stopped before its checks)", name,
        String.join("; ", notes), recoveryMs());
    System.out.println(line);
    try {
      Files.createDirectories(REPORT.getParent());
      Files.writeString(REPORT, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      // the line is in the output
    }
  }
}
