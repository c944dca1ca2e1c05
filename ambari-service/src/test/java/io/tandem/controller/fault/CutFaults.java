package io.tandem.controller.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.tandem.controller.ControllerFixture;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.testkit.EmbeddedClusters;

/**
 * The faults of cuts and restores (run by {@link FaultInjectionIT}), each with a service of its own: the controller killed
 * ({@code kill -9}, by {@link FaultPoints}) at every step of a cut and of a restore, its ZooKeeper
 * session expired mid-cut, the secondary's DataNodes stopped mid-ship, the secondary out of space,
 * a shipped file corrupted. After each, the next operation must succeed and {@link Invariants}
 * hold: no cut wrongly COMPLETE, the primary's switches as before, nothing of Tandem's left behind,
 * never two clusters accepting protected writes.
 */
abstract class CutFaults {
  private static final String PRIMARY = EmbeddedClusters.PRIMARY;
  private static final String SECONDARY = EmbeddedClusters.SECONDARY;
  private static final List<String> ONLY_PRIMARY = List.of(PRIMARY);
  /** The clusters and controller of the run (set by {@link FaultInjectionIT}). */
  static FaultEnv env;

  // ------------------------------------------------------------------ kill -9 at every step of a cut

  @Test
  @Order(1)
  void killAtArm() throws Exception {
    killCut(FaultPoints.CUT_ARM, "karm");
  }

  @Test
  @Order(2)
  void killAtFence() throws Exception {
    killCut(FaultPoints.CUT_FENCE, "kfence");
  }

  @Test
  @Order(3)
  void killAtSnapshot() throws Exception {
    killCut(FaultPoints.CUT_SNAPSHOT, "ksnapshot");
  }

  @Test
  @Order(4)
  void killAtShip() throws Exception {
    killCut(FaultPoints.CUT_SHIP, "kship");
  }

  @Test
  @Order(5)
  void killAtVerify() throws Exception {
    killCut(FaultPoints.CUT_VERIFY, "kverify");
  }

  @Test
  @Order(6)
  void killAtCatalog() throws Exception {
    killCut(FaultPoints.CUT_CATALOG, "kcatalog");
  }

  @Test
  @Order(7)
  void killAtRetention() throws Exception {
    killCut(FaultPoints.CUT_RETENTION, "kretention");
  }

  /**
   * Runs {@code tandem backup run} in its own JVM halting at {@code point}, then the next run here.
   * Every service keeps one cut; the retention case has a COMPLETE cut before, so the killed run's
   * retention has something to delete.
   */
  private void killCut(String point, String service) throws Exception {
    FaultEnv.Service s = env.service(service, 1);
    Manifest base = null;
    if (point.equals(FaultPoints.CUT_RETENTION)) {
      base = env.ctx.backups().run(s.name(), Instant.now(), null);
      assertEquals(CutState.COMPLETE, base.state(), base::reason);
    }
    try (FaultCase fc = new FaultCase(env, point, s)) {
      // Something new for the cut to carry.
      ControllerFixture.rows(env.clusters.primary(), s.table(), 20, 30, "b");
      ControllerFixture.file(env.clusters.primary().getTestFileSystem(), s.dir() + "/part-2", 4096, 2);

      CliProcess.Result r = env.cli.run(point, FaultEnv.CLI_TIMEOUT, "backup", "run", "--service", s.name())
          .requireExit(FaultPoints.HALT_STATUS);
      fc.faultAt(r.exitNanos());
      String baseId = base == null ? null : base.cutId();
      List<Manifest> atKill = env.ctx.catalog().list(s.name());
      Manifest killed = atKill.stream().filter(m -> !m.cutId().equals(baseId)).reduce((a, b) -> b).orElse(null);
      assertNotNull(killed, "the killed run left its cut in the catalog: " + states(atKill));
      fc.note("CLI halted at " + point + " after " + r.millis() + " ms; catalog then: " + states(atKill)
          + "; lock nodes " + env.locks().held());
      if (killed.state() == CutState.COMPLETE) {
        // Catalogued before the kill: it must really be complete (retention may delete it next).
        List<String> wrong = Invariants.verify(env, SECONDARY, killed);
        fc.check(wrong.isEmpty(), "(1) the cut COMPLETE at the kill reads back as its manifest says: " + wrong);
        fc.note("the cut COMPLETE at the kill (" + killed.cutId() + ") verified from its snapshots on " + SECONDARY);
      }

      Manifest next = runWhenFree(fc, s.name());
      fc.recovered();
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      Optional<Manifest> killedNow = env.ctx.catalog().get(s.name(), killed.cutId());
      fc.note("next run COMPLETE (" + next.cutId() + "); the killed cut is now "
          + killedNow.map(m -> m.state() + (m.reason() == null ? "" : " (" + m.reason() + ")")).orElse("gone (retention)"));
      if (killed.state() == CutState.RUNNING) {
        // Not finished when the controller died: never restorable.
        fc.check(killedNow.isEmpty() || killedNow.get().state() == CutState.FAILED,
            "a cut its controller never finished ends FAILED, it is " + killedNow.map(Manifest::state).orElse(null));
      }
      if (base != null) {
        fc.check(env.ctx.catalog().get(s.name(), base.cutId()).isEmpty(),
            "retention (keep 1) deleted the cut it had expired before the kill");
      }
      fc.check(completeIds(s.name()).equals(List.of(next.cutId())),
          "retention keeps exactly the newest complete cut: " + completeIds(s.name()));
      fc.finish(ONLY_PRIMARY);
    }
  }

  // ------------------------------------------------------------------ kill -9 during a restore

  @Test
  @Order(8)
  void killDuringRestore() throws Exception {
    FaultEnv.Service s = env.service("krestore", 1);
    Manifest cut = env.ctx.backups().run(s.name(), Instant.now(), null);
    assertEquals(CutState.COMPLETE, cut.state(), cut::reason);
    try (FaultCase fc = new FaultCase(env, FaultPoints.RESTORE_COPY, s)) {
      CliProcess.Result r = env.cli.run(FaultPoints.RESTORE_COPY, FaultEnv.CLI_TIMEOUT, "restore", "--service",
          s.name(), "--cut", cut.cutId()).requireExit(FaultPoints.HALT_STATUS);
      fc.faultAt(r.exitNanos());
      fc.note("CLI restore halted at " + FaultPoints.RESTORE_COPY + " after " + r.millis() + " ms; lock nodes "
          + env.locks().held());
      long t0 = System.nanoTime();
      while (true) {
        try {
          env.ctx.restores().restore(s.name(), cut.cutId(), false);
          break;
        } catch (TandemException e) {
          if (e.kind() != TandemException.Kind.CONFLICT) {
            throw e;
          }
          noteConflictOnce(fc, e, t0);
          awaitLocksFree();
        }
      }
      fc.recovered();
      try (Table t = env.clusters.secondary().getConnection().getTable(s.table())) {
        assertEquals(cut.tables().get(0).rows(), env.clusters.secondary().countRows(t), "restored rows");
      }
      FileSystem sfs = env.clusters.secondary().getTestFileSystem();
      assertEquals(cut.dirs().get(0).files(), sfs.listStatus(new Path(s.dir())).length, "restored files");
      fc.note("the same restore re-run completed: table and directory as in cut " + cut.cutId());
      fc.finish(ONLY_PRIMARY);
    }
  }

  // ------------------------------------------------------------------ the controller's ZooKeeper session expires

  @Test
  @Order(9)
  void controllerSessionExpiresMidCut() throws Exception {
    FaultEnv.Service s = env.service("kexpire", 1);
    try (FaultCase fc = new FaultCase(env, "controller-zk-session-expiry", s)) {
      long session = env.ctx.zk().getZookeeperClient().getZooKeeper().getSessionId();
      env.ctx.backups().setAfterShipHook(plan -> {
        try {
          env.clusters.expireControllerZkSession(session);
        } catch (ReflectiveOperationException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
        fc.fault();
      });
      Manifest m = env.ctx.backups().run(s.name(), Instant.now(), null);
      env.ctx.backups().setAfterShipHook(null);
      fc.note("controller session 0x" + Long.toHexString(session) + " expired between ship and verify (it held the"
          + " service lock); that cut ended " + m.state() + (m.reason() == null ? "" : " (" + m.reason() + ")")
          + "; lock nodes after " + env.locks().held());
      Manifest next = runWhenFree(fc, s.name());
      fc.recovered();
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      fc.note("next run COMPLETE");
      fc.finish(ONLY_PRIMARY);
    }
  }

  // ------------------------------------------------------------------ the secondary fails under the copy

  @Test
  @Order(10)
  void secondaryOutOfSpaceMidShip() throws Exception {
    FaultEnv.Service s = env.service("kspace", 1);
    try (FaultCase fc = new FaultCase(env, "secondary-out-of-space", s)) {
      DistributedFileSystem sfs = env.fs(SECONDARY);
      Path replica = new Path(env.ctx.backups().replicaPath(s.name(), s.dir()));
      sfs.mkdirs(replica);
      sfs.setQuota(replica, HdfsConstants.QUOTA_DONT_SET, 1024);
      fc.fault();
      Manifest m = env.ctx.backups().run(s.name(), Instant.now(), null);
      fc.note("with a 1 KB space quota on " + replica + " the cut ended " + m.state() + ": " + m.reason());
      assertEquals(CutState.FAILED, m.state(), "a cut that could not be shipped is never COMPLETE");
      fc.check(m.reason() != null && m.reason().toLowerCase().contains("quota"),
          "the FAILED reason says the secondary ran out of space (its quota): " + m.reason());
      sfs.setQuota(replica, HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
      Manifest next = runWhenFree(fc, s.name());
      fc.recovered();
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      fc.note("quota removed; next run COMPLETE");
      fc.finish(ONLY_PRIMARY);
    }
  }

  @Test
  @Order(11)
  void shippedFileCorrupted() throws Exception {
    FaultEnv.Service s = env.service("kcorrupt", 1);
    try (FaultCase fc = new FaultCase(env, "shipped-file-corrupted", s)) {
      Path copy = new Path(env.ctx.backups().replicaPath(s.name(), s.dir()), "part-0");
      FileSystem sfs = env.clusters.secondary().getTestFileSystem();
      env.ctx.backups().setAfterShipHook(plan -> {
        overwriteSameLength(sfs, copy);
        fc.fault();
      });
      Manifest m = env.ctx.backups().run(s.name(), Instant.now(), null);
      env.ctx.backups().setAfterShipHook(null);
      fc.note("replica " + copy + " overwritten (same length) between ship and verify: cut " + m.state() + ": "
          + m.reason());
      assertEquals(CutState.FAILED, m.state(), "a corrupt copy is never COMPLETE");
      assertTrue(m.reason().contains("part-0"), m.reason());
      Manifest next = runWhenFree(fc, s.name());
      fc.recovered();
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      fc.note("next run COMPLETE");
      fc.finish(ONLY_PRIMARY);
    }
  }

  /**
   * Last: a DataNode of the secondary stops between the copy and its verification, and it held the
   * only replica of a shipped file. (Each cluster has two DataNodes and replication 2, which hides
   * one DataNode's loss from HDFS clients; so the copy is first brought to one replica per block.
   * Stopping both instead would also take down the secondary's HBase, whose WALs need a DataNode.)
   */
  @Test
  @Order(12)
  void secondaryDataNodeStoppedMidShip() throws Exception {
    FaultEnv.Service s = env.service("kdn", 1);
    MiniDFSCluster dfs = env.clusters.secondary().getDFSCluster();
    int dataNodes = dfs.getDataNodes().size();
    DistributedFileSystem sfs = env.fs(SECONDARY);
    Path replica = new Path(env.ctx.backups().replicaPath(s.name(), s.dir()));
    List<MiniDFSCluster.DataNodeProperties> stopped = new ArrayList<>();
    List<String> victim = new ArrayList<>();
    try (FaultCase fc = new FaultCase(env, "secondary-datanode-stopped", s)) {
      env.ctx.backups().setAfterShipHook(plan -> {
        try {
          Path file = new Path(replica, "part-0");
          sfs.setReplication(file, (short) 1);
          ControllerFixture.await("the copy of " + file + " is down to one replica", Duration.ofSeconds(30), () -> {
            try {
              return sfs.getFileBlockLocations(file, 0, Long.MAX_VALUE)[0].getHosts().length == 1;
            } catch (IOException e) {
              return false;
            }
          });
          String holder = sfs.getFileBlockLocations(file, 0, Long.MAX_VALUE)[0].getNames()[0];
          for (int i = 0; i < dfs.getDataNodes().size(); i++) {
            if (holder.endsWith(":" + dfs.getDataNodes().get(i).getXferPort())) {
              victim.add(holder + " (" + file + ")");
              stopped.add(dfs.stopDataNode(i));
              break;
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        fc.fault();
      });
      Manifest m = null;
      RuntimeException thrown = null;
      try {
        m = env.ctx.backups().run(s.name(), Instant.now(), null);
      } catch (RuntimeException e) {
        thrown = e;
      } finally {
        env.ctx.backups().setAfterShipHook(null);
        for (MiniDFSCluster.DataNodeProperties p : stopped) {
          dfs.restartDataNode(p, true);
        }
        dfs.waitActive();
      }
      assertEquals(1, stopped.size(), "stopped the DataNode holding the only replica: " + victim);
      fc.check(thrown == null, "backup run returns a FAILED cut when a DataNode of the secondary stops, but threw "
          + thrown);
      if (m != null) {
        fc.note("DataNode " + victim.get(0) + " of the secondary stopped after the copy: cut " + m.state() + ": "
            + m.reason());
        fc.check(m.state() == CutState.FAILED, "a cut whose copy cannot be read back ends FAILED, not " + m.state());
      }
      ControllerFixture.await("the secondary's DataNodes are back", Duration.ofSeconds(60),
          () -> dfs.getNamesystem().getNumLiveDataNodes() == dataNodes);
      Manifest next = runWhenFree(fc, s.name());
      fc.recovered();
      assertEquals(CutState.COMPLETE, next.state(), next::reason);
      fc.note("DataNode restarted; next run COMPLETE");
      fc.finish(ONLY_PRIMARY);
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The next {@code backup run}: refused with CONFLICT while a dead holder's session still holds the
   * service lock (noted once), run again as soon as the lock nodes are gone.
   */
  private static Manifest runWhenFree(FaultCase fc, String service) {
    long t0 = System.nanoTime();
    while (true) {
      try {
        return env.ctx.backups().run(service, Instant.now(), null);
      } catch (TandemException e) {
        if (e.kind() != TandemException.Kind.CONFLICT) {
          throw e;
        }
        noteConflictOnce(fc, e, t0);
        awaitLocksFree();
      }
    }
  }

  private static void noteConflictOnce(FaultCase fc, TandemException e, long t0) {
    fc.note("refused with CONFLICT " + (System.nanoTime() - t0) / 1_000_000 + " ms after the first try: "
        + e.getMessage());
  }

  private static void awaitLocksFree() {
    ControllerFixture.await("the dead holder's service lock goes with its session", Duration.ofSeconds(60),
        () -> env.locks().held() == 0);
  }

  private static List<String> completeIds(String service) throws IOException {
    return env.ctx.catalog().list(service).stream().filter(m -> m.state() == CutState.COMPLETE)
        .map(Manifest::cutId).collect(Collectors.toList());
  }

  private static String states(List<Manifest> cuts) {
    return cuts.stream().map(m -> m.cutId().substring(m.cutId().indexOf('-') + 1) + "=" + m.state())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** Different bytes, same length: only a checksum tells (as VerificationFailureTest does). */
  private static void overwriteSameLength(FileSystem fs, Path file) {
    try {
      byte[] before;
      try (FSDataInputStream in = fs.open(file)) {
        before = in.readAllBytes();
      }
      byte[] other = new byte[before.length];
      new Random(12345).nextBytes(other);
      try (FSDataOutputStream out = fs.create(file, true)) {
        out.write(other);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
