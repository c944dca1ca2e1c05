package io.tandem.controller.ship;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.mapreduce.v2.MiniMRYarnCluster;
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
  private static MiniMRYarnCluster yarnCluster;
  private static YarnClient yarn;
  private static ControllerContext ctx;

  @BeforeAll
  static void setUp(EmbeddedClusters c) throws Exception {
    clusters = c;
    long t0 = System.nanoTime();
    yarnCluster = startYarn();
    LOG.info("MiniMRYarnCluster up in {} ms: rm={} jhs={}", (System.nanoTime() - t0) / 1_000_000,
        yarnCluster.getConfig().get(YarnConfiguration.RM_ADDRESS),
        yarnCluster.getConfig().get("mapreduce.jobhistory.address"));
    yarn = YarnClient.createYarnClient();
    yarn.init(new YarnConfiguration(yarnCluster.getConfig()));
    yarn.start();

    TandemConf conf = ControllerFixture.conf(c, "/yarnship");
    writeMapReduceClientConf(Path.of(conf.get(TandemKeys.PRIMARY_CONF_DIR)), PRIMARY_TAG);
    writeMapReduceClientConf(Path.of(conf.get(TandemKeys.SECONDARY_CONF_DIR)), SECONDARY_TAG);
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
          yarnCluster.stop();
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

  /**
   * A ResourceManager, one NodeManager and a JobHistoryServer in this JVM. Containers (AM and
   * tasks) inherit this JVM's classpath ({@code yarn.is.minicluster}), so DistCp's and
   * ExportSnapshot's classes are there; they need this JVM's Java 17 opens and JAVA_HOME.
   */
  private static MiniMRYarnCluster startYarn() throws IOException {
    Configuration conf = new YarnConfiguration();
    conf.setBoolean(YarnConfiguration.IS_MINI_YARN_CLUSTER, true);
    // Room for an AM and two maps at once, small heaps (the data is tiny).
    conf.setInt(YarnConfiguration.NM_PMEM_MB, 4096);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
    conf.setInt("yarn.app.mapreduce.am.resource.mb", 512);
    conf.setInt("mapreduce.map.memory.mb", 512);
    conf.setInt("mapreduce.reduce.memory.mb", 512);
    // Java 17 opens as for this JVM; container logs at WARN to stderr, which YARN quotes in an
    // application's diagnostics, so a failed AM or task explains itself in the test output.
    // Short-lived JVMs on a small test machine: C1 only and serial GC start markedly faster.
    String opts = javaOpens() + " -Djava.net.preferIPv4Stack=true -Dlog4j.configuration=log4j-test.properties"
        + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
    conf.set("yarn.app.mapreduce.am.command-opts", "-Xmx400m " + opts);
    conf.set("mapreduce.map.java.opts", "-Xmx400m " + opts);
    conf.set("mapreduce.reduce.java.opts", "-Xmx400m " + opts);
    // One AM attempt: a broken launch fails the copy at once instead of retrying.
    conf.setInt("mapreduce.am.max-attempts", 1);
    conf.setInt(YarnConfiguration.RM_AM_MAX_ATTEMPTS, 1);
    // Launch scripts run "$JAVA_HOME/bin/java"; on a real node hadoop-env.sh sets it, here the
    // NodeManager forces this JVM's home into every container.
    conf.set(YarnConfiguration.NM_ADMIN_USER_ENV, "JAVA_HOME=" + System.getProperty("java.home"));
    // One YARN serves both clusters here (in production each has its own), so its job history
    // lives at one fully qualified place, on the primary's HDFS: pushes (primary HDFS as default
    // FS) and pulls (secondary HDFS) both write it where the one JobHistoryServer reads it.
    // (A file:/// path would not do: the AM qualifies it with the job's HDFS authority.)
    String history = EmbeddedClusters.fsUri(clusters.primary()) + "/tmp/yarn-shipping-test/history";
    conf.set("mapreduce.jobhistory.intermediate-done-dir", history + "/intermediate");
    conf.set("mapreduce.jobhistory.done-dir", history + "/done");
    conf.setBoolean("yarn.nodemanager.disk-health-checker.enable", false);
    MiniMRYarnCluster cluster = new MiniMRYarnCluster(YarnShippingTest.class.getSimpleName(), 1);
    try {
      cluster.init(conf);
      cluster.start();
    } catch (RuntimeException | Error e) {
      cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** The {@code --add-opens}/{@code --add-exports} this JVM runs with (surefire's argLine). */
  private static String javaOpens() {
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("--add-opens") || a.equals("--add-exports")) && i + 1 < args.size()) {
        out.add(a + "=" + args.get(++i));
      } else if (a.startsWith("--add-opens=") || a.startsWith("--add-exports=")
          || a.startsWith("-Dio.netty.tryReflectionSetAccessible")) {
        out.add(a);
      }
    }
    if (out.stream().noneMatch(a -> a.contains("java.base/java.lang="))) {
      out.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
    }
    return String.join(" ", out);
  }

  /**
   * Writes the YARN cluster's client settings into a cluster's conf dir: yarn.* keys as
   * yarn-site.xml, MapReduce keys as mapred-site.xml, plus a job tag naming the conf dir.
   */
  private static void writeMapReduceClientConf(Path confDir, String tag) throws IOException {
    Configuration c = yarnCluster.getConfig();
    Predicate<String> yarnKeys = k -> k.startsWith("yarn.") && !k.startsWith("yarn.app.mapreduce.");
    Predicate<String> mrKeys = k -> k.startsWith("mapreduce.") || k.startsWith("mapred.")
        || k.startsWith("yarn.app.mapreduce.");
    writeSite(c, confDir.resolve("yarn-site.xml"), yarnKeys, Map.of());
    // Staging on the submitting cluster's own HDFS, as in production (the mini cluster put it
    // under its local work dir).
    writeSite(c, confDir.resolve("mapred-site.xml"), mrKeys, Map.of(
        "yarn.app.mapreduce.am.staging-dir", "/tmp/hadoop-yarn/staging",
        "mapreduce.job.tags", tag,
        // ExportSnapshot waits with Job.waitForCompletion, which polls every 5 s by default.
        "mapreduce.client.completion.pollinterval", "500"));
  }

  private static void writeSite(Configuration from, Path file, Predicate<String> keys, Map<String, String> extra)
      throws IOException {
    Configuration out = new Configuration(false);
    Set<String> names = new HashSet<>();
    for (Map.Entry<String, String> e : from) {
      names.add(e.getKey());
    }
    for (String k : names) {
      if (keys.test(k) && from.get(k) != null) {
        out.set(k, from.get(k));
      }
    }
    extra.forEach(out::set);
    try (OutputStream os = Files.newOutputStream(file)) {
      out.writeXml(os);
    }
  }

  private static byte[] read(FileSystem fs, String path) throws IOException {
    try (FSDataInputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return in.readAllBytes();
    }
  }
}
