package io.tandem.controller.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * Retention on real clusters: with retain 2, after four cuts only the two newest COMPLETE cuts
 * are in the catalog and only their snapshots exist, on both clusters; the newest restores.
 */
@ExtendWith(TwoClusters.class)
class RetentionTest {
  private static final String SERVICE = "retsvc";
  private static final String DIR = "/data/" + SERVICE + "/events";

  private static ControllerContext ctx;
  private static EmbeddedClusters clusters;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    ctx = ControllerFixture.open(c, "/retention");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void keepsTheTwoNewestCutsOnBothClustersAndTheNewestRestores() throws Exception {
    HBaseTestingUtility primary = clusters.primary();
    TableName table = ControllerFixture.table(primary, SERVICE, "orders");
    FileSystem pfs = primary.getTestFileSystem();
    pfs.mkdirs(new Path(DIR));
    ctx.policies().create(new PolicySpec(SERVICE, List.of("hbase:" + SERVICE + ":orders", "hdfs:" + DIR),
        List.of("every:1h"), "push", 2, null, null, null, null));

    List<Manifest> cuts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ControllerFixture.rows(primary, table, i * 10, i * 10 + 10, "c" + i);
      ControllerFixture.file(pfs, DIR + "/part-" + i, 2_000 + i, i);
      Manifest m = ctx.backups().run(SERVICE, Instant.now(), null);
      assertEquals(CutState.COMPLETE, m.state(), () -> "cut " + cuts.size() + ": " + m.reason());
      cuts.add(m);
      List<String> inCatalog = ctx.catalog().list(SERVICE).stream().map(Manifest::cutId).toList();
      List<String> expected = cuts.subList(Math.max(0, cuts.size() - 2), cuts.size()).stream()
          .map(Manifest::cutId).toList();
      assertEquals(expected, inCatalog, "after cut " + i);
    }

    List<Manifest> catalog = ctx.catalog().list(SERVICE);
    assertEquals(List.of(cuts.get(2), cuts.get(3)), catalog, "the two newest, as they were recorded");
    assertTrue(catalog.stream().allMatch(m -> m.state() == CutState.COMPLETE));
    assertEquals(cuts.get(2).cutId(), cuts.get(3).previousCutId());

    for (Manifest kept : cuts.subList(2, 4)) {
      assertSnapshots(kept, true);
    }
    for (Manifest gone : cuts.subList(0, 2)) {
      assertSnapshots(gone, false);
      assertTrue(ctx.catalog().get(SERVICE, gone.cutId()).isEmpty(), gone.cutId() + " still in the catalog");
    }

    Manifest newest = cuts.get(3);
    ctx.restores().restore(SERVICE, newest.cutId(), false);
    HBaseTestingUtility secondary = clusters.secondary();
    try (Table t = secondary.getConnection().getTable(table)) {
      assertEquals(40, secondary.countRows(t));
      assertEquals("v35-c3", Bytes.toString(t.get(new Get(Bytes.toBytes("r35")))
          .getValue(Bytes.toBytes("f"), Bytes.toBytes("q"))));
    }
    FileSystem sfs = secondary.getTestFileSystem();
    FileStatus[] restored = sfs.listStatus(new Path(DIR));
    assertEquals(4, restored.length);
    for (FileStatus st : restored) {
      assertArrayEquals(read(pfs, new Path(DIR, st.getPath().getName())), read(sfs, st.getPath()),
          "restored " + st.getPath());
    }
  }

  /** Every snapshot of the cut on both clusters: present if {@code present}, else none of them. */
  private static void assertSnapshots(Manifest m, boolean present) throws IOException {
    assertEquals(1, m.tables().size());
    assertEquals(1, m.dirs().size());
    String tableSnap = m.tables().get(0).snapshot();
    assertEquals(CutNames.tableSnapshot(m.cutId(), SERVICE + ":orders"), tableSnap);
    String what = (present ? "kept" : "deleted") + " cut " + m.cutId() + ": ";
    assertEquals(present ? 1 : 0, VerificationFailureTest.snapshotsOf(clusters.primary(), m.cutId()).size(),
        what + "HBase snapshot on the primary");
    assertEquals(present ? 1 : 0, VerificationFailureTest.snapshotsOf(clusters.secondary(), m.cutId()).size(),
        what + "HBase snapshot on the secondary");
    Manifest.DirEntry d = m.dirs().get(0);
    assertEquals(ctx.backups().replicaPath(SERVICE, DIR), d.replicaPath());
    assertEquals(present, clusters.primary().getTestFileSystem().exists(new Path(DIR, ".snapshot/" + d.snapshot())),
        what + "HDFS snapshot on the primary");
    assertEquals(present, clusters.secondary().getTestFileSystem().exists(new Path(d.replicaPath(), ".snapshot/" + d.snapshot())),
        what + "HDFS snapshot of the replica");
  }

  private static byte[] read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }
}
