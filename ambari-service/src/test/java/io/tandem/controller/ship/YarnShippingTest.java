package io.tandem.controller.ship;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tandem.controller.ControllerContext;
import io.tandem.controller.ControllerFixture;
import io.tandem.controller.TandemConf;
import io.tandem.core.catalog.CutState;
import io.tandem.core.catalog.Manifest;
import io.tandem.core.config.TandemKeys;
import io.tandem.core.policy.PolicySpec;
import io.tandem.testkit.EmbeddedClusters;
import io.tandem.testkit.MiniYarn;
import io.tandem.testkit.TwoClusters;

/**
 * The production path of R3: copies run as MapReduce jobs on YARN, not in the local runner.
 *
 * <p>One MiniMRYarnCluster (ResourceManager, one NodeManager, JobHistoryServer) serves this
 * class. Its client settings are written as mapred-site.xml and yarn-site.xml into the conf
 * dirs of both clusters, the way an admin's client config reaches the controller, each with
 * its own {@code mapreduce.job.tags} so the ResourceManager tells which cluster's config
 * submitted a job: a push ships with the primary's config, a pull with the secondary's.
 */
@ExtendWith(TwoClusters.class)
class YarnShippingTest {
  private static final Logger LOG = LoggerFactory.getLogger(YarnShippingTest.class);
  private static final String PRIMARY_TAG = "tandem-primary";
  private static final String SECONDARY_TAG = "tandem-secondary";

  private static EmbeddedClusters clusters;
  private static MiniYarn yarnCluster;
  private static YarnClient yarn;
  private static ControllerContext ctx;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    long t0 = System.nanoTime();
    // One YARN serves both clusters here (in production each has its own), so its job history
    // lives at one fully qualified place, on the primary's HDFS.
    yarnCluster = MiniYarn.start(YarnShippingTest.class.getSimpleName(),
        EmbeddedClusters.fsUri(clusters.primary()) + "/tmp/yarn-shipping-test/history");
    LOG.info("MiniMRYarnCluster up in {} ms: rm={} jhs={}", (System.nanoTime() - t0) / 1_000_000,
        yarnCluster.config().get(YarnConfiguration.RM_ADDRESS),
        yarnCluster.config().get("mapreduce.jobhistory.address"));
    yarn = YarnClient.createYarnClient();
    yarn.init(new YarnConfiguration(yarnCluster.config()));
    yarn.start();

    TandemConf conf = ControllerFixture.conf(c, "/yarnship");
    yarnCluster.writeClientConf(Path.of(conf.get(TandemKeys.PRIMARY_CONF_DIR)), PRIMARY_TAG);
    yarnCluster.writeClientConf(Path.of(conf.get(TandemKeys.SECONDARY_CONF_DIR)), SECONDARY_TAG);
    conf.set(TandemKeys.MAPREDUCE_FRAMEWORK, "yarn");
    ctx = ControllerContext.open(conf);
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      if (ctx != null) {
        ctx.close();
      }
    } finally {
      try {
        if (yarn != null) {
          yarn.stop();
        }
      } finally {
        if (yarnCluster != null) {
          yarnCluster.close();
        }
      }
    }
  }

  @Test
  @Timeout(value = 420, unit = TimeUnit.SECONDS)
  void pushShipsWithYarnJobsSubmittedByThePrimary() throws Exception {
    Fixture f = load("yarnpush", "push");
    Set<ApplicationId> before = appIds();
    Manifest m = ctx.backups().run(f.service, Instant.now(), null);
    assertComplete(m, f);
    List<ApplicationReport> jobs = finishedSince(before);
    assertCopiesRanOnYarn(jobs, PRIMARY_TAG);

    // Restore the cut on the secondary (its DistCp runs on YARN too, with the secondary's config)
    // and read back one row and one file.
    before = appIds();
    ctx.restores().restore(f.service, m.cutId(), false);
    List<ApplicationReport> restoreJobs = finishedSince(before);
    assertEquals(1, restoreJobs.size(), () -> "one restore DistCp: " + describe(restoreJobs));
    assertSucceededWithTag(restoreJobs.get(0), "distcp", SECONDARY_TAG);

    try (Table t = clusters.secondary().getConnection().getTable(f.table)) {
      Result r = t.get(new Get(Bytes.toBytes("r7")));
      assertEquals("v7-" + f.service, Bytes.toString(r.getValue(Bytes.toBytes("f"), Bytes.toBytes("q"))));
    }
    assertArrayEquals(read(clusters.primary().getTestFileSystem(), f.file),
        read(clusters.secondary().getTestFileSystem(), f.file), "restored file matches the primary's");
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void pullShipsWithYarnJobsSubmittedByTheSecondary() throws Exception {
    Fixture f = load("yarnpull", "pull");
    Set<ApplicationId> before = appIds();
    Manifest m = ctx.backups().run(f.service, Instant.now(), null);
    assertComplete(m, f);
    List<ApplicationReport> jobs = finishedSince(before);
    assertCopiesRanOnYarn(jobs, SECONDARY_TAG);
    // The replica on the secondary holds the file as the primary has it.
    String replica = m.dirs().get(0).replicaPath() + "/.snapshot/" + m.dirs().get(0).snapshot()
        + f.file.substring(f.dir.length());
    assertArrayEquals(read(clusters.primary().getTestFileSystem(), f.file),
        read(clusters.secondary().getTestFileSystem(), replica), "replica file matches the primary's");
  }

  // ---- fixture ----

  private record Fixture(String service, TableName table, String dir, String file) {
  }

  /** One table (20 rows) and one directory (two small files), and a policy over both. */
  private static Fixture load(String service, String mode) throws Exception {
    TableName table = ControllerFixture.table(clusters.primary(), service, "t");
    ControllerFixture.rows(clusters.primary(), table, 0, 20, service);
    FileSystem pfs = clusters.primary().getTestFileSystem();
    String dir = "/data/" + service + "/in";
    ControllerFixture.file(pfs, dir + "/a", 4_096, 1);
    ControllerFixture.file(pfs, dir + "/b", 1_000, 2);
    ctx.policies().create(new PolicySpec(service, List.of("hbase:" + service + ":*", "hdfs:" + dir),
        List.of("every:1h"), mode, 3, null, null, null, null));
    return new Fixture(service, table, dir, dir + "/a");
  }

  private static void assertComplete(Manifest m, Fixture f) {
    assertEquals(CutState.COMPLETE, m.state(), () -> "cut of " + f.service + ": " + m.reason());
    assertEquals(1, m.tables().size());
    assertEquals(20, m.tables().get(0).rows());
    assertNotNull(m.tables().get(0).contentHash());
    assertEquals(1, m.dirs().size());
    assertEquals(2, m.dirs().get(0).files());
    assertNotNull(m.dirs().get(0).checksumDigest());
    assertTrue(m.bytesCopied() > 5_000, () -> "data crossed: " + m.bytesCopied());
  }

  // ---- YARN ----

  /** One ExportSnapshot and one DistCp job, both MAPREDUCE applications that succeeded, tagged by the runner's config. */
  private static void assertCopiesRanOnYarn(List<ApplicationReport> jobs, String tag) {
    assertEquals(2, jobs.size(), () -> "one ExportSnapshot and one DistCp job: " + describe(jobs));
    ApplicationReport export = jobs.stream().filter(a -> a.getName().startsWith("ExportSnapshot-")).findFirst()
        .orElseThrow(() -> new AssertionError("no ExportSnapshot application on YARN: " + describe(jobs)));
    ApplicationReport distcp = jobs.stream().filter(a -> a.getName().startsWith("distcp")).findFirst()
        .orElseThrow(() -> new AssertionError("no DistCp application on YARN: " + describe(jobs)));
    assertSucceededWithTag(export, "ExportSnapshot-", tag);
    assertSucceededWithTag(distcp, "distcp", tag);
    LOG.info("copies ran on YARN: {}", describe(jobs));
  }

  private static void assertSucceededWithTag(ApplicationReport a, String namePrefix, String tag) {
    assertTrue(a.getName().startsWith(namePrefix), () -> "application name: " + describe(List.of(a)));
    assertEquals("MAPREDUCE", a.getApplicationType());
    assertEquals(YarnApplicationState.FINISHED, a.getYarnApplicationState(), () -> describe(List.of(a)));
    assertEquals(FinalApplicationStatus.SUCCEEDED, a.getFinalApplicationStatus(), () -> describe(List.of(a)));
    assertTrue(a.getApplicationTags().contains(tag),
        () -> "submitted with the " + tag + " config: " + describe(List.of(a)));
    assertFalse(a.getApplicationTags().contains(tag.equals(PRIMARY_TAG) ? SECONDARY_TAG : PRIMARY_TAG));
  }

  private static Set<ApplicationId> appIds() throws Exception {
    return yarn.getApplications().stream().map(ApplicationReport::getApplicationId).collect(Collectors.toSet());
  }

  /** MAPREDUCE applications submitted since {@code before}, once all of them reached a final state. */
  private static List<ApplicationReport> finishedSince(Set<ApplicationId> before) throws Exception {
    Set<YarnApplicationState> ended = EnumSet.of(YarnApplicationState.FINISHED, YarnApplicationState.FAILED,
        YarnApplicationState.KILLED);
    try {
      ControllerFixture.await("MapReduce applications to end", Duration.ofSeconds(30),
          () -> submittedSince(before).stream().allMatch(a -> ended.contains(a.getYarnApplicationState())));
    } catch (AssertionError timedOut) {
      // The callers' assertions name the application that did not end.
    }
    List<ApplicationReport> fresh = submittedSince(before);
    fresh.sort((x, y) -> x.getApplicationId().compareTo(y.getApplicationId()));
    return fresh;
  }

  private static List<ApplicationReport> submittedSince(Set<ApplicationId> before) {
    try {
      List<ApplicationReport> fresh = new ArrayList<>();
      for (ApplicationReport a : yarn.getApplications(Set.of("MAPREDUCE"))) {
        if (!before.contains(a.getApplicationId())) {
          fresh.add(a);
        }
      }
      return fresh;
    } catch (Exception e) {
      throw new IllegalStateException("could not list YARN applications: " + e, e);
    }
  }

  private static String describe(List<ApplicationReport> apps) {
    return apps.stream().map(a -> a.getApplicationId() + " '" + a.getName() + "' type=" + a.getApplicationType()
        + " tags=" + a.getApplicationTags() + " " + a.getYarnApplicationState() + "/" + a.getFinalApplicationStatus()
        + " " + (a.getFinishTime() - a.getStartTime()) + "ms").collect(Collectors.joining("; ", "[", "]"));
  }

  private static byte[] read(FileSystem fs, String path) throws IOException {
    try (FSDataInputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return in.readAllBytes();
    }
  }
}
