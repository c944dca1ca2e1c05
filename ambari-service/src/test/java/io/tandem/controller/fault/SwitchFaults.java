package io.tandem.controller.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.security.PrivilegedExceptionAction;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.tandem.controller.ControllerFixture;
import io.tandem.controller.identity.SwitchReport;
import io.tandem.controller.identity.SwitchState;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.identity.GuardAck;

/**
 * The faults of identity switches and of the guards' ZooKeeper (run by {@link FaultInjectionIT},
 * after the cut cases), with one service: the controller killed ({@code kill -9}, by {@link FaultPoints}) at every step of a
 * switch and the switch resumed by the same command, or reverted; the guards' sessions expired;
 * the controller's ZooKeeper down longer than the guards' session timeout; a writer holding an open
 * HDFS stream across a switch. The cases switch back and forth, each starting from whichever
 * cluster the previous one left primary; {@link Invariants} hold after each.
 */
abstract class SwitchFaults extends CutFaults {
  private static final byte[] F = Bytes.toBytes("f");
  private static final byte[] Q = Bytes.toBytes("q");
  /** The switch cases' service. */
  static final String SWITCH_SERVICE = "sw";
  private static FaultEnv.Service svc;

  /** The switch cases' service, with a first complete cut; call once the environment is up. */
  static void setUpSwitchCases() throws Exception {
    svc = env.service(SWITCH_SERVICE, 2);
    Manifest first = env.ctx.backups().run(svc.name(), Instant.now(), null);
    assertEquals(CutState.COMPLETE, first.state(), first::reason);
  }

  // ------------------------------------------------------------------ kill -9 at every step of a switch

  @Test
  @Order(13)
  void killAtTransitionThenResume() throws Exception {
    killSwitchAndResume(FaultPoints.SWITCH_TRANSITION);
  }

  @Test
  @Order(14)
  void killAtGuardsThenResume() throws Exception {
    killSwitchAndResume(FaultPoints.SWITCH_GUARDS);
  }

  @Test
  @Order(15)
  void killAtFinalCutThenResume() throws Exception {
    killSwitchAndResume(FaultPoints.SWITCH_FINAL_CUT);
  }

  @Test
  @Order(16)
  void killAtRestoreThenResume() throws Exception {
    killSwitchAndResume(FaultPoints.SWITCH_RESTORE);
  }

  /**
   * {@code tandem identity switch --to <other> --confirm} in its own JVM halting at {@code point};
   * {@code tandem identity show} shows the interrupted switch; the same command resumes it with its
   * planned decision, so a write made on the old primary before the switch is on the new one.
   */
  private void killSwitchAndResume(String point) throws Exception {
    String from = env.primaryName();
    String to = FaultEnv.other(from);
    try (FaultCase fc = new FaultCase(env, point, svc)) {
      String marker = "marker-" + point;
      put(from, marker);
      CliProcess.Result r = env.cli.run(point, FaultEnv.CLI_TIMEOUT, "identity", "switch", "--to", to, "--confirm")
          .requireExit(FaultPoints.HALT_STATUS);
      fc.faultAt(r.exitNanos());
      SwitchState left = env.ctx.switches().current().orElseThrow(
          () -> new AssertionError("the killed switch left no record in the controller's ZooKeeper"));
      fc.note("CLI switch " + from + " -> " + to + " halted at " + point + " after " + r.millis() + " ms: step "
          + left.step() + ", planned=" + left.planned() + ", record in transition="
          + env.ctx.identity().require().record().inTransition());
      assertTrue(left.planned(), "both clusters healthy: a planned switch");
      String show = env.cli.run(null, FaultEnv.CLI_TIMEOUT, "identity", "show").requireExit(0).output();
      assertTrue(show.contains("switch.step=" + left.step()) && show.contains("switch.to=" + to),
          "tandem identity show shows the interrupted switch:\n" + show);

      SwitchReport rep = switchWhenFree(fc, to);
      fc.recovered();
      fc.note("same command again: " + rep.action() + " from step " + left.step() + " -> " + rep.step() + ", planned="
          + rep.planned() + ", epoch " + rep.epochBefore() + " -> " + rep.epochAfter());
      assertEquals(to, env.primaryName());
      assertTrue(rep.planned(), "the resumed switch keeps its planned decision");
      assertEquals("resume", rep.action());
      assertTrue(env.ctx.switches().current().isEmpty(), "the switch is closed");
      assertEquals(marker, get(to, marker), "a write made on " + from + " before the switch is on " + to);
      fc.finish(List.of(from, to));
    }
  }

  @Test
  @Order(17)
  void killAtGuardsThenRevert() throws Exception {
    String from = env.primaryName();
    String to = FaultEnv.other(from);
    try (FaultCase fc = new FaultCase(env, "switch.guards+revert", svc)) {
      String marker = "marker-revert";
      put(from, marker);
      CliProcess.Result r = env.cli.run(FaultPoints.SWITCH_GUARDS, FaultEnv.CLI_TIMEOUT, "identity", "switch", "--to",
          to, "--confirm").requireExit(FaultPoints.HALT_STATUS);
      fc.faultAt(r.exitNanos());
      SwitchState left = env.ctx.switches().current().orElseThrow();
      fc.note("CLI switch " + from + " -> " + to + " halted at " + FaultPoints.SWITCH_GUARDS + ": step " + left.step());
      SwitchReport rep = switchWhenFree(fc, from);
      fc.recovered();
      fc.note("'switch --to " + from + "' before promotion: " + rep.action() + ", epoch " + rep.epochBefore() + " -> "
          + rep.epochAfter());
      assertEquals("revert", rep.action());
      assertEquals(from, env.primaryName(), "the old primary is primary again");
      assertTrue(env.ctx.switches().current().isEmpty());
      assertEquals(marker, get(from, marker), "nothing lost on the old primary");
      Manifest next = env.ctx.backups().run(svc.name(), Instant.now(), null);
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      fc.finish(List.of(from));
    }
  }

  // ------------------------------------------------------------------ the guards' ZooKeeper

  @Test
  @Order(18)
  void guardSessionsExpire() throws Exception {
    String primary = env.primaryName();
    try (FaultCase fc = new FaultCase(env, "guard-zk-session-expiry", svc)) {
      Map<String, Map<String, Long>> before = Map.of(primary, env.guardSessions(primary),
          FaultEnv.other(primary), env.guardSessions(FaultEnv.other(primary)));
      long epoch = env.ctx.identity().require().record().epoch();
      long t0 = System.nanoTime();
      fc.fault();
      for (Map<String, Long> m : before.values()) {
        for (long session : Set.copyOf(m.values())) {
          env.clusters.expireControllerZkSession(session);
        }
      }
      ControllerFixture.await("every guard of both clusters is back with a new session at epoch " + epoch,
          Duration.ofSeconds(60), () -> {
            try {
              for (Map.Entry<String, Map<String, Long>> e : before.entrySet()) {
                Map<String, Long> now = env.guardSessions(e.getKey());
                Map<String, GuardAck> acks = env.acks(e.getKey());
                boolean allows = e.getKey().equals(primary);
                if (!now.keySet().containsAll(e.getValue().keySet())
                    || e.getValue().entrySet().stream().anyMatch(s -> s.getValue().equals(now.get(s.getKey())))
                    || acks.values().stream().anyMatch(a -> a.epoch() != epoch || a.allowsWrites() != allows)) {
                  return false;
                }
              }
              return true;
            } catch (Exception ex) {
              return false;
            }
          });
      fc.note("expired the sessions of " + before.values().stream().mapToInt(Map::size).sum() + " guards of both"
          + " clusters; all rejoined and re-acked epoch " + epoch + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      Manifest next = env.ctx.backups().run(svc.name(), Instant.now(), null);
      fc.recovered();
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      fc.finish(List.of(primary));
    }
  }

  @Test
  @Order(19)
  void controllerZooKeeperDownLongerThanTheGuardsSession() throws Exception {
    String primary = env.primaryName();
    try (FaultCase fc = new FaultCase(env, "controller-zk-down", svc)) {
      ProtectedWriter pw = fc.writer(primary);
      long stopMs = System.currentTimeMillis();
      env.clusters.stopControllerZk();
      fc.fault();
      long restartMs;
      long firstRefusalMs;
      try {
        ControllerFixture.await("the primary refuses protected writes once its guards lose the controller's ZooKeeper",
            Duration.ofSeconds(30), () -> pw.refusedSince(stopMs) > 0);
        firstRefusalMs = pw.attempts().stream().filter(a -> !a.accepted() && a.startMs() >= stopMs)
            .mapToLong(ProtectedWriter.Attempt::startMs).min().orElseThrow();
        // Down for longer than the guards' session timeout (4 s asked, at most 6 s as this ZooKeeper
        // negotiates it): judged by the refusals the writer sees, not by a sleep.
        long downFor = 6000 + 1500;
        ControllerFixture.await("the primary has refused for " + downFor + " ms", Duration.ofSeconds(60), () -> {
          ProtectedWriter.Attempt last = pw.last();
          return last != null && !last.accepted() && last.startMs() - firstRefusalMs >= downFor;
        });
      } finally {
        env.clusters.restartControllerZk();
        restartMs = System.currentTimeMillis();
      }
      long acceptedWhileDown = pw.attempts().stream()
          .filter(a -> a.accepted() && a.startMs() >= firstRefusalMs && a.endMs() <= restartMs).count();
      fc.note("controller ZooKeeper down " + (restartMs - stopMs) + " ms; the primary refused from " + (firstRefusalMs
          - stopMs) + " ms after the stop; accepted while down: " + acceptedWhileDown + "; secondary accepted: "
          + fc.writer(FaultEnv.other(primary)).acceptedSince(0));
      assertEquals(0, acceptedWhileDown, "no protected write is accepted while the guards have no session");
      ControllerFixture.await("the primary accepts again", Duration.ofSeconds(60), () -> pw.acceptedSince(restartMs) > 0);
      fc.note("the primary accepted again " + (pw.attempts().stream().filter(a -> a.accepted()
          && a.startMs() >= restartMs).mapToLong(ProtectedWriter.Attempt::endMs).min().orElse(restartMs) - restartMs)
          + " ms after the restart");
      Manifest next = runWhenFree(svc.name());
      fc.recovered();
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      fc.finish(List.of(primary));
    }
  }

  // ------------------------------------------------------------------ an open stream across a switch

  @Test
  @Order(20)
  void openStreamAcrossASwitch() throws Exception {
    String from = env.primaryName();
    String to = FaultEnv.other(from);
    try (FaultCase fc = new FaultCase(env, "open-stream-across-switch", svc)) {
      Configuration conf = new Configuration(env.util(from).getConfiguration());
      FileSystem appFs = UserGroupInformation.createRemoteUser(ProtectedWriter.APP_USER).doAs(
          (PrivilegedExceptionAction<FileSystem>) () -> FileSystem.newInstance(env.util(from).getDFSCluster().getURI(),
              conf));
      Path file = new Path(svc.dir(), "open-" + System.currentTimeMillis());
      byte[] chunk = new byte[1024];
      new Random(7).nextBytes(chunk);
      FSDataOutputStream out = appFs.create(file, true);
      out.write(chunk);
      out.hflush();
      fc.fault();
      SwitchReport rep = env.identity().switchTo(to, true, false, null);
      fc.recovered();
      fc.note("switch " + from + " -> " + to + " with " + file + " open (" + chunk.length + " bytes flushed): "
          + rep.step() + ", planned=" + rep.planned());
      String after;
      try {
        out.write(chunk);
        out.hflush();
        out.close();
        after = "ACCEPTED (write+hflush+close succeeded)";
      } catch (IOException e) {
        after = "refused: " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).split("\n", 2)[0];
        try {
          out.close();
        } catch (IOException ignored) {
          // the stream is broken; closing it only tidies the client
        }
      } finally {
        appFs.close();
      }
      FileSystem oldFs = env.fs(from);
      boolean closed;
      try {
        ControllerFixture.await("the demoted cluster closes the open file", Duration.ofSeconds(30),
            () -> isClosed(from, file));
        closed = true;
      } catch (AssertionError e) {
        closed = false;
      }
      long len = oldFs.getFileStatus(file).getLen();
      long onTarget = env.fs(to).exists(file) ? env.fs(to).getFileStatus(file).getLen() : -1;
      fc.note("after the switch, more bytes to the old stream: " + after + "; on " + from + " the file is "
          + (closed ? "closed" : "STILL OPEN") + " at " + len + " bytes; on " + to + " it has " + onTarget + " bytes");
      assertTrue(after.startsWith("refused"), "the demoted cluster accepted more bytes on a stream opened before: "
          + after);
      assertEquals(chunk.length, len, "the demoted cluster's copy holds only what was written before the switch");
      assertTrue(closed, "the demoted cluster recovered the writer's lease");
      assertEquals(chunk.length, onTarget, "the final cut carried the flushed bytes to " + to);
      fc.finish(List.of(from, to));
    }
  }

  // ------------------------------------------------------------------ helpers

  private static boolean isClosed(String cluster, Path file) {
    try {
      return env.fs(cluster).isFileClosed(file);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * {@code switchTo(target)}, refused with CONFLICT while the killed switch's lock (or a service
   * lock of its final cut) lives on in its session: retried once the lock nodes are gone.
   */
  private static SwitchReport switchWhenFree(FaultCase fc, String target) throws IOException {
    long t0 = System.nanoTime();
    boolean noted = false;
    while (true) {
      try {
        return env.identity().switchTo(target, true, false, null);
      } catch (TandemException e) {
        if (e.kind() != TandemException.Kind.CONFLICT) {
          throw e;
        }
        if (!noted) {
          fc.note("refused with CONFLICT " + (System.nanoTime() - t0) / 1_000_000 + " ms after the first try: "
              + e.getMessage());
          noted = true;
        }
        ControllerFixture.await("the dead switch's locks go with its session", Duration.ofSeconds(60), () -> {
          try {
            return env.switchLockNodes() == 0 && env.locks().held() == 0;
          } catch (Exception ex) {
            return false;
          }
        });
      }
    }
  }

  private static Manifest runWhenFree(String service) {
    while (true) {
      try {
        return env.ctx.backups().run(service, Instant.now(), null);
      } catch (TandemException e) {
        if (e.kind() != TandemException.Kind.CONFLICT && e.kind() != TandemException.Kind.UNAVAILABLE) {
          throw e;
        }
        ControllerFixture.await("the service lock is free", Duration.ofSeconds(60), () -> {
          try {
            return env.locks().held() == 0;
          } catch (RuntimeException ex) {
            return false;
          }
        });
      }
    }
  }

  /** A write as this JVM's user (a guard bypass user: accepted whoever is primary). */
  private static void put(String cluster, String row) throws IOException {
    try (Table t = env.util(cluster).getConnection().getTable(svc.table())) {
      t.put(new Put(Bytes.toBytes(row)).addColumn(F, Q, Bytes.toBytes(row)));
    }
  }

  private static String get(String cluster, String row) throws IOException {
    try (Table t = env.util(cluster).getConnection().getTable(svc.table())) {
      return Bytes.toString(t.get(new Get(Bytes.toBytes(row))).getValue(F, Q));
    }
  }
}
