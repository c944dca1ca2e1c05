package io.tandem.controller.ship;

import java.io.IOException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapreduce.Cluster;

import io.tandem.controller.TandemConf;
import io.tandem.core.config.TandemKeys;

/**
 * Builds the Configuration a copy job runs with: the configuration of the cluster that runs it
 * (the primary for push, the secondary for pull) plus Tandem's transfer settings. The job runs
 * on that cluster's YARN ({@code tandem.mapreduce.framework=yarn}) or in this JVM (local).
 */
public final class CopyJobs {
  private CopyJobs() {
  }

  public static Configuration jobConf(Configuration clusterConf, TandemConf tandem) {
    Configuration c = new Configuration(clusterConf);
    String framework = tandem.get(TandemKeys.MAPREDUCE_FRAMEWORK);
    c.set("mapreduce.framework.name", framework);
    if ("local".equals(framework)) {
      // The local runner runs one map at a time unless told otherwise.
      c.setInt("mapreduce.local.map.tasks.maximum", Math.max(1, tandem.getInt(TandemKeys.TRANSFER_MAPPERS)));
    }
    // Block-size independent checksums, so copies verify across clusters with other block sizes.
    c.set("dfs.checksum.combine.mode", "COMPOSITE_CRC");
    return c;
  }

  /**
   * Why no copy job can run with this configuration, or null: Hadoop's message when the runner
   * of mapreduce.framework.name cannot be created ("Cannot initialize Cluster. Please check your
   * configuration for mapreduce.framework.name ..."; the local runner needs
   * hadoop-mapreduce-client-common, YARN hadoop-mapreduce-client-jobclient on the classpath).
   */
  public static String runnerProblem(Configuration jobConf) {
    try {
      new Cluster(jobConf).close();
      return null;
    } catch (IOException | RuntimeException e) {
      return "mapreduce.framework.name=" + jobConf.get("mapreduce.framework.name") + ": " + e.getMessage();
    }
  }
}
