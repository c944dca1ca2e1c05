package io.tandem.controller.ship;

import org.apache.hadoop.conf.Configuration;

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
}
