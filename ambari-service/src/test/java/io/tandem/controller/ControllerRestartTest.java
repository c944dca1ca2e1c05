package io.tandem.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.policy.Policy;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * The controller keeps no state of its own: policies live in its ZooKeeper and the catalog on
 * the secondary, so a new controller on the same tandem-site.xml carries on where the old one
 * stopped, and fails the cuts the old one left half done.
 */
@ExtendWith(TwoClusters.class)
class ControllerRestartTest {
  private static final String SERVICE = "crsvc";
  private static final String OTHER = "crother";
  private static final String DIR = "/data/" + SERVICE + "/events";
  private static final String OTHER_DIR = "/data/" + OTHER + "/logs";

  private static EmbeddedClusters clusters;
  private static TandemConf conf;
  private static TableName table;
  /** What the first controller left behind. */
  private static List<Policy> policiesBefore;
  private static Manifest firstCut;

  @BeforeAll
  static void firstControllerRunsACut(EmbeddedClusters c) throws Exception {
    clusters = c;
    conf = ControllerFixture.conf(c, "/restart");
    table = ControllerFixture.table(c.primary(), SERVICE, "orders");
    ControllerFixture.rows(c.primary(), table, 0, 20, "a");
    FileSystem pfs = c.primary().getTestFileSystem();
    ControllerFixture.file(pfs, DIR + "/part-0", 3_000, 0);
    pfs.mkdirs(new Path(OTHER_DIR));
    try (ControllerContext first = ControllerContext.open(conf)) {
      first.policies().create(new PolicySpec(SERVICE, List.of("hbase:" + SERVICE + ":orders", "hdfs:" + DIR),
          List.of("every:1h", "cron:30 3 * * *"), "pull", 3, 7_200L, List.of("alice"), List.of("ops"), null));
      first.policies().create(new PolicySpec(OTHER, List.of("hdfs:" + OTHER_DIR), List.of("every:6h"), null,
          null, null, null, null, null));
      firstCut = first.backups().run(SERVICE, Instant.now(), null);
      assertEquals(CutState.COMPLETE, firstCut.state(), () -> "first cut: " + firstCut.reason());
      policiesBefore = first.policies().list();
      assertEquals(2, policiesBefore.size());
    }
  }

  @Test
  void policiesAndCatalogSurviveARestart() throws Exception {
    try (ControllerContext second = ControllerContext.open(conf)) {
      assertEquals(policiesBefore, second.policies().list());
      assertEquals(policiesBefore.get(0), second.policies().get(policiesBefore.get(0).service()));
      assertEquals(firstCut, second.catalog().require(SERVICE, firstCut.cutId()), "the manifest as it was written");
      assertEquals(firstCut, second.backups().newestComplete(SERVICE).orElseThrow());
      assertTrue(second.catalog().services().contains(SERVICE));

      // The new controller carries on the chain: its cut is based on the old controller's.
      ControllerFixture.file(clusters.primary().getTestFileSystem(), DIR + "/part-1", 1_000, 1);
      Manifest next = second.backups().run(SERVICE, Instant.now(), null);
      assertEquals(CutState.COMPLETE, next.state(), () -> "cut after restart: " + next.reason());
      assertEquals(firstCut.cutId(), next.previousCutId());
      assertTrue(next.dirs().get(0).incremental(), "the replica kept the first controller's snapshot");
      assertEquals(1_000, next.dirs().get(0).bytesCopied(), "only the new file crossed");
    }
    try (ControllerContext third = ControllerContext.open(conf)) {
      List<Manifest> cuts = third.catalog().list(SERVICE);
      assertTrue(cuts.stream().anyMatch(m -> m.cutId().equals(firstCut.cutId()) && m.state() == CutState.COMPLETE));
      assertEquals(policiesBefore, third.policies().list());
    }
  }

  @Test
  void cutLeftRunningByADeadControllerIsFailedAndItsSnapshotsRemoved() throws Exception {
    HBaseTestingUtility primary = clusters.primary();
    HBaseTestingUtility secondary = clusters.secondary();
    try (ControllerContext second = ControllerContext.open(conf)) {
      // What a controller that died while shipping leaves: a RUNNING manifest and the cut's
      // snapshots, on the primary and partly on the secondary.
      Instant moment = Instant.now();
      String cutId = CutNames.cutId(SERVICE, moment);
      second.catalog().put(running(cutId, SERVICE, moment, firstCut.cutId()));
      String tableSnap = CutNames.tableSnapshot(cutId, table.getNameAsString());
      String dirSnap = CutNames.dirSnapshot(cutId);
      try (Admin admin = primary.getConnection().getAdmin()) {
        admin.snapshot(tableSnap, table);
      }
      TableName onSecondary = ControllerFixture.table(secondary, SERVICE, "orders");
      try (Admin admin = secondary.getConnection().getAdmin()) {
        admin.snapshot(tableSnap, onSecondary);
      }
      String replica = second.backups().replicaPath(SERVICE, DIR);
      primary.getTestFileSystem().createSnapshot(new Path(DIR), dirSnap);
      secondary.getTestFileSystem().createSnapshot(new Path(replica), dirSnap);
      // And a RUNNING cut of a service whose policy is gone since.
      Instant goneMoment = moment.minusSeconds(60);
      String goneCut = CutNames.cutId("crgone", goneMoment);
      second.catalog().put(running(goneCut, "crgone", goneMoment, null));
      assertSnapshotCount(1, tableSnap);

      List<String> failed = second.backups().failInterrupted();

      assertEquals(Set.of(cutId, goneCut), Set.copyOf(failed));
      for (String[] sc : new String[][] {{SERVICE, cutId}, {"crgone", goneCut}}) {
        Manifest m = second.catalog().require(sc[0], sc[1]);
        assertEquals(CutState.FAILED, m.state(), sc[1]);
        assertNotNull(m.reason(), sc[1]);
        assertTrue(m.reason().contains("controller stopped"), m.reason());
        assertNotNull(m.finishedAt());
      }
      assertSnapshotCount(0, tableSnap);
      assertFalse(primary.getTestFileSystem().exists(new Path(DIR, ".snapshot/" + dirSnap)), "primary dir snapshot");
      assertFalse(secondary.getTestFileSystem().exists(new Path(replica, ".snapshot/" + dirSnap)), "replica snapshot");

      // The COMPLETE cut is untouched, and a second pass finds nothing to do.
      assertEquals(firstCut, second.catalog().require(SERVICE, firstCut.cutId()));
      assertTrue(secondary.getTestFileSystem().exists(new Path(replica, ".snapshot/" + CutNames.dirSnapshot(firstCut.cutId()))));
      assertEquals(List.of(), second.backups().failInterrupted());
    }
  }

  private static Manifest running(String cutId, String service, Instant moment, String previous) {
    return new Manifest(cutId, service, 0, moment, moment, null, CutState.RUNNING, null, "pull", null, false, 0,
        Map.of(), null, previous, List.of(), List.of(), 0, 0, 0);
  }

  private static void assertSnapshotCount(int expected, String snapshot) throws IOException {
    for (HBaseTestingUtility util : List.of(clusters.primary(), clusters.secondary())) {
      try (Admin admin = util.getConnection().getAdmin()) {
        assertEquals(expected, admin.listSnapshots(Pattern.compile(Pattern.quote(snapshot))).size(),
            "HBase snapshot " + snapshot + " on " + util.getConfiguration().get("tandem.cluster.name"));
      }
    }
  }
}
