package io.tandem.controller.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/** Push and pull round trips of a service with two tables and two directories. */
@ExtendWith(TwoClusters.class)
class BackupRoundTripTest {
  private static ControllerContext ctx;
  private static EmbeddedClusters clusters;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    ctx = ControllerFixture.open(c, "/rt");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void pushRoundTripIsIncrementalAndRestores() throws Exception {
    roundTrip("pushsvc", "push");
  }

  @Test
  void pullRoundTripIsIncrementalAndRestores() throws Exception {
    roundTrip("pullsvc", "pull");
  }

  private void roundTrip(String service, String mode) throws Exception {
    TableName orders = ControllerFixture.table(clusters.primary(), service, "orders");
    TableName items = ControllerFixture.table(clusters.primary(), service, "items");
    FileSystem pfs = clusters.primary().getTestFileSystem();
    String d1 = "/data/" + service + "/events";
    String d2 = "/data/" + service + "/reports";
    ControllerFixture.rows(clusters.primary(), orders, 0, 100, "a");
    ControllerFixture.rows(clusters.primary(), items, 0, 50, "a");
    for (int i = 0; i < 5; i++) {
      ControllerFixture.file(pfs, d1 + "/part-" + i, 200_000, i);
    }
    ControllerFixture.file(pfs, d2 + "/r0", 10_000, 99);

    ctx.policies().create(new PolicySpec(service, List.of("hbase:" + service + ":*", "hdfs:" + d1, "hdfs:" + d2),
        List.of("every:1h"), mode, 3, null, null, null, null));

    Manifest first = ctx.backups().run(service, Instant.now(), null);
    assertEquals(CutState.COMPLETE, first.state(), () -> "first cut: " + first.reason());
    assertEquals(2, first.tables().size());
    assertEquals(2, first.dirs().size());
    assertEquals(100, first.tables().stream().filter(t -> t.table().endsWith("orders")).findFirst().get().rows());
    assertTrue(first.bytesCopied() >= 1_000_000, "first cut copies everything: " + first.bytesCopied());

    // Change a little: one new file, one deleted, some rows.
    ControllerFixture.file(pfs, d1 + "/part-new", 50_000, 42);
    pfs.delete(new Path(d1 + "/part-0"), false);
    ControllerFixture.rows(clusters.primary(), orders, 100, 120, "b");
    Manifest second = ctx.backups().run(service, Instant.now(), null);
    assertEquals(CutState.COMPLETE, second.state(), () -> "second cut: " + second.reason());
    assertEquals(first.cutId(), second.previousCutId());
    assertTrue(second.dirs().stream().allMatch(Manifest.DirEntry::incremental), "dirs shipped as snapshot diffs");
    long dirBytes = second.dirs().stream().mapToLong(Manifest.DirEntry::bytesCopied).sum();
    assertTrue(dirBytes < 200_000, "only the changed files cross: " + dirBytes);
    assertTrue(second.bytesCopied() < second.bytesInCut(), "incremental: " + second.bytesCopied() + " < " + second.bytesInCut());

    // Restore the first (older) cut on the secondary: it must hold 100 rows and the old files.
    ctx.restores().restore(service, first.cutId(), false);
    try (Table t = clusters.secondary().getConnection().getTable(orders)) {
      assertEquals(100, clusters.secondary().countRows(t));
      Result r = t.get(new Get(Bytes.toBytes("r5")));
      assertEquals("v5-a", Bytes.toString(r.getValue(Bytes.toBytes("f"), Bytes.toBytes("q"))));
    }
    FileSystem sfs = clusters.secondary().getTestFileSystem();
    assertTrue(sfs.exists(new Path(d1 + "/part-0")));
    assertFalse(sfs.exists(new Path(d1 + "/part-new")));
    // And the newer one over it.
    ctx.restores().restore(service, second.cutId(), false);
    try (Table t = clusters.secondary().getConnection().getTable(orders)) {
      assertEquals(120, clusters.secondary().countRows(t));
    }
    assertFalse(sfs.exists(new Path(d1 + "/part-0")));
    assertEquals(50_000, sfs.getFileStatus(new Path(d1 + "/part-new")).getLen());
  }
}
