package io.tandem.controller.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.lock.ServiceLocks;
import io.tandem.controller.usersync.UserSyncService;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * One lock per service across processes: two controller contexts (two ZooKeeper sessions, as two
 * processes have) on the same controller state. While one holds a service, the other's cut,
 * restore and user sync are refused with the holder named, and a new leader's clean-up leaves the
 * holder's RUNNING cut alone; once the holder's session is gone, the next cut fails the cut it
 * left RUNNING, removes that cut's snapshots, and completes.
 */
@ExtendWith(TwoClusters.class)
class ServiceLockTest {
  private static final String SERVICE = "locksvc";
  private static ControllerContext ctx;
  private static EmbeddedClusters clusters;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    ctx = ControllerFixture.open(c, "/locks");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void aServiceIsDrivenByOneProcessAtATimeAndADeadHoldersCutIsCleanedByTheNextRun() throws Exception {
    TableName table = ControllerFixture.table(clusters.primary(), SERVICE, "t");
    ControllerFixture.rows(clusters.primary(), table, 0, 20, "a");
    String dir = "/data/" + SERVICE + "/d";
    DistributedFileSystem pfs = clusters.primary().getDFSCluster().getFileSystem();
    ControllerFixture.file(pfs, dir + "/f0", 1000, 1);
    ctx.policies().create(new PolicySpec(SERVICE, List.of("hbase:" + SERVICE + ":*", "hdfs:" + dir),
        List.of("every:1h"), "push", 3, null, null, null, null));
    Manifest first = ctx.backups().run(SERVICE, Instant.now(), null);
    assertEquals(CutState.COMPLETE, first.state(), first::reason);

    // What a controller killed mid-cut leaves: a RUNNING manifest and its snapshots on the primary.
    String orphan = CutNames.cutId(SERVICE, Instant.now());
    String tableSnap = CutNames.tableSnapshot(orphan, table.getNameAsString());
    try (Admin admin = clusters.primary().getConnection().getAdmin()) {
      admin.snapshot(tableSnap, table);
    }
    pfs.createSnapshot(new Path(dir), CutNames.dirSnapshot(orphan));
    org.apache.hadoop.fs.FileSystem sfs = clusters.secondary().getTestFileSystem();
    Path scratch = new Path(io.tandem.controller.gc.LeftoverCollector.SCRATCH_DIR + "/" + orphan + "-fingerprint");
    ControllerFixture.file(sfs, scratch.toString(), 100, 2);
    ctx.catalog().put(new Manifest(orphan, SERVICE, first.epoch(), Instant.now(), Instant.now(), null,
        CutState.RUNNING, null, "push", null, false, 0, Map.of(), null, first.cutId(), List.of(), List.of(), 0, 0, 0));

    try (ControllerContext other = ControllerFixture.open(clusters, "/locks")) {
      ServiceLocks.Held held = other.locks().lock(SERVICE, "cut " + orphan, Duration.ZERO);
      assertTrue(ctx.locks().isLocked(SERVICE));
      assertTrue(ctx.locks().holder(SERVICE).orElse("").contains("cut " + orphan), ctx.locks().holder(SERVICE)::toString);

      TandemException cut = assertThrows(TandemException.class, () -> ctx.backups().run(SERVICE, Instant.now(), null));
      assertEquals(TandemException.Kind.CONFLICT, cut.kind());
      assertTrue(cut.getMessage().contains("cut " + orphan), cut.getMessage());
      TandemException restore = assertThrows(TandemException.class,
          () -> ctx.restores().restore(SERVICE, first.cutId(), false));
      assertEquals(TandemException.Kind.CONFLICT, restore.kind());
      TandemException sync = assertThrows(TandemException.class,
          () -> ctx.users().sync(SERVICE, UserSyncService.Mode.RECONCILE, false, false));
      assertEquals(TandemException.Kind.CONFLICT, sync.kind());
      assertFalse(ctx.restores().restore(SERVICE, first.cutId(), true).actions().isEmpty(), "a dry run needs no lock");

      // A new leader's clean-up must not touch a cut whose holder is alive.
      assertEquals(List.of(), ctx.backups().failInterrupted());
      assertEquals(CutState.RUNNING, ctx.catalog().require(SERVICE, orphan).state());
      assertTrue(snapshotExists(tableSnap));
      held.close();
      // Taken again and never released: the holder dies with its session when `other` closes.
      other.locks().lock(SERVICE, "cut " + orphan, Duration.ZERO);
    }

    Manifest next = ctx.backups().run(SERVICE, Instant.now(), null);
    assertEquals(CutState.COMPLETE, next.state(), next::reason);
    Manifest left = ctx.catalog().require(SERVICE, orphan);
    assertEquals(CutState.FAILED, left.state());
    assertTrue(left.reason().contains("stopped during the cut"), left.reason());
    assertFalse(snapshotExists(tableSnap), "the dead cut's table snapshot is gone");
    assertFalse(pfs.exists(new Path(dir + "/.snapshot/" + CutNames.dirSnapshot(orphan))), "and its dir snapshot");
    assertFalse(sfs.exists(scratch), "the dead cut's verification scratch is swept by the next run");
    assertEquals(0, ctx.locks().held(), "no lock is left behind");
  }

  @Test
  void aCutWhoseZooKeeperSessionExpiredMidwayIsNeverComplete() throws Exception {
    String service = "locksess";
    TableName table = ControllerFixture.table(clusters.primary(), service, "t");
    ControllerFixture.rows(clusters.primary(), table, 0, 20, "a");
    ctx.policies().create(new PolicySpec(service, List.of("hbase:" + service + ":*"), List.of("every:1h"), "push", 3,
        null, null, null, null));
    // The session that holds the service's lock expires while the cut ships: the lock node goes
    // with it, so another process could be cutting the same service now.
    ctx.backups().setAfterShipHook(plan -> {
      try {
        clusters.expireControllerZkSession(ctx.zk().getZookeeperClient().getZooKeeper().getSessionId());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Manifest lost;
    try {
      lost = ctx.backups().run(service, Instant.now(), null);
    } finally {
      ctx.backups().setAfterShipHook(null);
    }
    assertEquals(CutState.FAILED, lost.state());
    assertTrue(lost.reason().contains("lock of service " + service + " was lost"), lost.reason());
    ControllerFixture.await("the controller's new ZooKeeper session", Duration.ofSeconds(30),
        () -> ctx.zk().getZookeeperClient().isConnected());
    Manifest next = ctx.backups().run(service, Instant.now(), null);
    assertEquals(CutState.COMPLETE, next.state(), next::reason);
  }

  private static boolean snapshotExists(String name) throws Exception {
    try (Admin admin = clusters.primary().getConnection().getAdmin()) {
      return !admin.listSnapshots(Pattern.compile(Pattern.quote(name))).isEmpty();
    }
  }
}
