package io.tandem.controller.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.SnapshotDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
 * A shipped copy that does not match its source must never become a restore point: corrupt a
 * file of the replica between shipping and verification and the cut is FAILED, names the file,
 * and leaves no snapshot behind on either cluster; the next cut repairs the replica.
 */
@ExtendWith(TwoClusters.class)
class VerificationFailureTest {
  private static final int FILE_BYTES = 4_096;

  private static ControllerContext ctx;
  private static EmbeddedClusters clusters;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    ctx = ControllerFixture.open(c, "/verifyfail");
  }

  @AfterEach
  void noHook() {
    ctx.backups().setAfterShipHook(null);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void sameLengthOverwriteFailsTheCutAndTheNextCutResyncsFully() throws Exception {
    String service = "vfover";
    String dir = "/data/" + service + "/events";
    createService(service, dir);

    Manifest first = ctx.backups().run(service, Instant.now(), null);
    assertEquals(CutState.COMPLETE, first.state(), () -> "first cut: " + first.reason());

    // Something changes on the primary, so the corrupted cut really ships a diff.
    ControllerFixture.file(clusters.primary().getTestFileSystem(), dir + "/part-2", FILE_BYTES, 2);
    String replica = ctx.backups().replicaPath(service, dir);
    ctx.backups().setAfterShipHook(plan -> overwriteSameLength(new Path(replica, "part-0")));
    Manifest corrupt = ctx.backups().run(service, Instant.now(), null);

    assertFailedAndGone(corrupt, dir, "/part-0");
    assertTrue(corrupt.reason().contains("different checksum"), corrupt.reason());

    ctx.backups().setAfterShipHook(null);
    Manifest repaired = ctx.backups().run(service, Instant.now(), null);
    assertEquals(CutState.COMPLETE, repaired.state(), () -> "cut after the corrupt one: " + repaired.reason());
    assertEquals(first.cutId(), repaired.previousCutId(), "the failed cut is never a base");
    Manifest.DirEntry d = repaired.dirs().get(0);
    assertFalse(d.incremental(), "the replica changed since the base's snapshot: no diff can apply");
    assertNotNull(d.fullSyncReason(), "a full sync says why");
    assertTrue(d.fullSyncReason().contains(replica) && d.fullSyncReason().contains("changed since"),
        "says the replica changed: " + d.fullSyncReason());
    assertEquals(3, d.files());
    assertReplicaEqualsSource(dir, replica, repaired);
  }

  @Test
  void appendedBytesFailTheCutAndTheNextCutCopiesAgain() throws Exception {
    String service = "vfappend";
    String dir = "/data/" + service + "/events";
    createService(service, dir);
    String replica = ctx.backups().replicaPath(service, dir);

    ctx.backups().setAfterShipHook(plan -> append(new Path(replica, "part-1")));
    Manifest corrupt = ctx.backups().run(service, Instant.now(), null);

    assertFailedAndGone(corrupt, dir, "/part-1");
    assertTrue(corrupt.reason().contains((FILE_BYTES + 7) + " bytes instead of " + FILE_BYTES), corrupt.reason());

    ctx.backups().setAfterShipHook(null);
    Manifest next = ctx.backups().run(service, Instant.now(), null);
    assertEquals(CutState.COMPLETE, next.state(), () -> "cut after the corrupt one: " + next.reason());
    assertNull(next.previousCutId(), "no COMPLETE cut before it");
    assertFalse(next.dirs().get(0).incremental());
    assertReplicaEqualsSource(dir, replica, next);
  }

  @Test
  void droppedTableFailsTheCutNamingTheTable() throws Exception {
    String service = "vfdrop";
    String dir = "/data/" + service + "/events";
    TableName table = createService(service, dir);
    HBaseTestingUtility p = clusters.primary();
    p.deleteTable(table);

    Manifest m = ctx.backups().run(service, Instant.now(), null);

    assertEquals(CutState.FAILED, m.state());
    assertTrue(m.reason().contains(table.getNameAsString()), m.reason());
    assertTrue(m.reason().contains("primary"), "names the cluster: " + m.reason());
    assertEquals(CutState.FAILED, ctx.catalog().require(service, m.cutId()).state());
    assertTrue(snapshotsOf(p, m.cutId()).isEmpty());
    assertFalse(clusters.primary().getTestFileSystem().exists(new Path(dir, ".snapshot/" + CutNames.dirSnapshot(m.cutId()))));
  }

  // ---------------------------------------------------------------------------------------

  private static TableName createService(String service, String dir) throws Exception {
    TableName table = ControllerFixture.table(clusters.primary(), service, "orders");
    ControllerFixture.rows(clusters.primary(), table, 0, 20, "a");
    FileSystem pfs = clusters.primary().getTestFileSystem();
    ControllerFixture.file(pfs, dir + "/part-0", FILE_BYTES, 0);
    ControllerFixture.file(pfs, dir + "/part-1", FILE_BYTES, 1);
    ctx.policies().create(new PolicySpec(service, List.of("hbase:" + service + ":orders", "hdfs:" + dir),
        List.of("every:1h"), "push", 3, null, null, null, null));
    return table;
  }

  /** FAILED in the result and in the catalog, the reason names the file, no snapshot remains anywhere. */
  private static void assertFailedAndGone(Manifest m, String dir, String file) throws IOException {
    assertEquals(CutState.FAILED, m.state(), "a corrupt copy is never COMPLETE");
    assertNotNull(m.reason());
    assertTrue(m.reason().contains(dir), "reason names the directory: " + m.reason());
    assertTrue(m.reason().contains(file), "reason names the file: " + m.reason());
    assertNotNull(m.finishedAt());
    Manifest stored = ctx.catalog().require(m.service(), m.cutId());
    assertEquals(CutState.FAILED, stored.state());
    assertEquals(m.reason(), stored.reason());

    assertTrue(snapshotsOf(clusters.primary(), m.cutId()).isEmpty(), "HBase snapshots of the cut on the primary");
    assertTrue(snapshotsOf(clusters.secondary(), m.cutId()).isEmpty(), "HBase snapshots of the cut on the secondary");
    String snap = CutNames.dirSnapshot(m.cutId());
    assertFalse(clusters.primary().getTestFileSystem().exists(new Path(dir, ".snapshot/" + snap)),
        "HDFS snapshot of the cut on the primary");
    String replica = ctx.backups().replicaPath(m.service(), dir);
    assertFalse(clusters.secondary().getTestFileSystem().exists(new Path(replica, ".snapshot/" + snap)),
        "HDFS snapshot of the cut on the replica");
  }

  /** The manifest's digest is the source snapshot's, and the replica snapshot has the same bytes. */
  private static void assertReplicaEqualsSource(String dir, String replica, Manifest m) throws IOException {
    String snap = CutNames.dirSnapshot(m.cutId());
    FileSystem pfs = clusters.primary().getTestFileSystem();
    FileSystem sfs = clusters.secondary().getTestFileSystem();
    for (var st : pfs.listStatus(new Path(dir, ".snapshot/" + snap))) {
      Path copy = new Path(replica, ".snapshot/" + snap + "/" + st.getPath().getName());
      assertArrayEquals(read(pfs, st.getPath()), read(sfs, copy), "content of " + copy);
    }
    assertEquals(pfs.listStatus(new Path(dir, ".snapshot/" + snap)).length,
        sfs.listStatus(new Path(replica, ".snapshot/" + snap)).length);
  }

  static List<SnapshotDescription> snapshotsOf(HBaseTestingUtility util, String cutId) throws IOException {
    try (Admin admin = util.getConnection().getAdmin()) {
      return admin.listSnapshots(Pattern.compile(Pattern.quote(CutNames.PREFIX + cutId) + ".*"));
    }
  }

  private static byte[] read(FileSystem fs, Path p) throws IOException {
    try (FSDataInputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  /** Different bytes, same length: only a checksum can tell. */
  private static void overwriteSameLength(Path file) {
    try {
      FileSystem sfs = clusters.secondary().getTestFileSystem();
      byte[] before = read(sfs, file);
      byte[] other = new byte[before.length];
      new Random(12345).nextBytes(other);
      assertFalse(java.util.Arrays.equals(before, other));
      try (FSDataOutputStream out = sfs.create(file, true)) {
        out.write(other);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void append(Path file) {
    try (FSDataOutputStream out = clusters.secondary().getTestFileSystem().append(file)) {
      out.write(new byte[] {1, 2, 3, 4, 5, 6, 7});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
