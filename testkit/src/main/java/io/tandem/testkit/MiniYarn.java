package io.tandem.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapreduce.v2.MiniMRYarnCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/**
 * A ResourceManager, one NodeManager and a JobHistoryServer in this JVM, serving both embedded
 * clusters' copy jobs. Containers (AM and tasks) inherit this JVM's classpath
 * ({@code yarn.is.minicluster}), so DistCp's and ExportSnapshot's classes are there; they get
 * this JVM's Java 17 opens and JAVA_HOME.
 *
 * <p>Invariant: {@link #start} returns a running cluster or throws with nothing left running;
 * {@link #close()} stops it and may be called more than once.
 */
public final class MiniYarn implements AutoCloseable {
  private final MiniMRYarnCluster cluster;

  private MiniYarn(MiniMRYarnCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * @param name the cluster's name (its work dir under target/)
   * @param historyDir a fully qualified directory for job history, on an HDFS both clusters'
   *     jobs can write (one JobHistoryServer serves both; a file:/// path would not do, the AM
   *     qualifies it with the job's HDFS authority)
   */
  public static MiniYarn start(String name, String historyDir) {
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
    conf.set("mapreduce.jobhistory.intermediate-done-dir", historyDir + "/intermediate");
    conf.set("mapreduce.jobhistory.done-dir", historyDir + "/done");
    conf.setBoolean("yarn.nodemanager.disk-health-checker.enable", false);
    MiniMRYarnCluster cluster = new MiniMRYarnCluster(name, 1);
    try {
      cluster.init(conf);
      cluster.start();
    } catch (RuntimeException | Error e) {
      cluster.stop();
      throw e;
    }
    return new MiniYarn(cluster);
  }

  /** The running cluster's configuration (ResourceManager and JobHistoryServer addresses). */
  public Configuration config() {
    return cluster.getConfig();
  }

  /**
   * Writes this YARN's client settings into a cluster's conf dir, the way an admin's client
   * config reaches the controller: yarn.* keys as yarn-site.xml, MapReduce keys as
   * mapred-site.xml, with {@code mapreduce.job.tags} = {@code tag} so the ResourceManager tells
   * which cluster's config submitted a job.
   */
  public void writeClientConf(Path confDir, String tag) throws IOException {
    Configuration c = cluster.getConfig();
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
    Files.createDirectories(file.getParent());
    try (OutputStream os = Files.newOutputStream(file)) {
      out.writeXml(os);
    }
  }

  /** The {@code --add-opens}/{@code --add-exports} this JVM runs with (surefire's argLine). */
  static String javaOpens() {
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

  @Override
  public void close() {
    cluster.stop();
  }
}
