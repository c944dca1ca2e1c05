package io.tandem.controller.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.core.catalog.CutNames;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.TwoClusters;

/**
 * A cut its write fence aborts is recorded ABORTED, not FAILED, with the participants' reasons,
 * and leaves nothing behind: the controller asks for a lease above every RegionServer's
 * tandem.fence.lease.max.ms (120 s by default), so each of them refuses the cut with an abort note.
 */
@ExtendWith(TwoClusters.class)
class AbortedCutTest {
  private static final String SERVICE = "abortsvc";
  private static final String DIR = "/data/" + SERVICE + "/events";

  private static ControllerContext ctx;
  private static EmbeddedClusters clusters;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    TandemConf conf = ControllerFixture.conf(c, "/abortedcut");
    // The arm timeout (10 s by default) stays below the lease, as the controller requires.
    conf.set(TandemKeys.FENCE_LEASE_MS, "121000");
    ctx = ControllerContext.open(conf);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void aCutTheFenceAbortsIsAbortedWithTheReasonAndLeavesNoSnapshot() throws Exception {
    TableName table = ControllerFixture.table(clusters.primary(), SERVICE, "orders");
    ControllerFixture.rows(clusters.primary(), table, 0, 10, "a");
    FileSystem pfs = clusters.primary().getTestFileSystem();
    ControllerFixture.file(pfs, DIR + "/part-0", 1_000, 0);
    ctx.policies().create(new PolicySpec(SERVICE, List.of("hbase:" + SERVICE + ":orders", "hdfs:" + DIR),
        List.of("every:1h"), "push", 3, null, null, null, null));

    Manifest m = ctx.backups().run(SERVICE, Instant.now(), null);

    assertEquals(CutState.ABORTED, m.state(), () -> "reason: " + m.reason());
    assertNotNull(m.reason());
    assertTrue(m.reason().contains("aborted by its write fence"), m.reason());
    assertTrue(m.reason().contains("lease of 121000 ms is above tandem.fence.lease.max.ms"), m.reason());
    assertNotNull(m.finishedAt());
    Manifest stored = ctx.catalog().require(SERVICE, m.cutId());
    assertEquals(CutState.ABORTED, stored.state());
    assertEquals(m.reason(), stored.reason());

    assertTrue(VerificationFailureTest.snapshotsOf(clusters.primary(), m.cutId()).isEmpty(),
        "HBase snapshots of the cut on the primary");
    assertTrue(VerificationFailureTest.snapshotsOf(clusters.secondary(), m.cutId()).isEmpty(),
        "HBase snapshots of the cut on the secondary");
    assertFalse(pfs.exists(new Path(DIR, ".snapshot/" + CutNames.dirSnapshot(m.cutId()))),
        "HDFS snapshot of the cut on the primary");

    TandemException refused = assertThrows(TandemException.class,
        () -> ctx.restores().restore(SERVICE, m.cutId(), false));
    assertTrue(refused.getMessage().contains("ABORTED"), refused.getMessage());
  }
}
