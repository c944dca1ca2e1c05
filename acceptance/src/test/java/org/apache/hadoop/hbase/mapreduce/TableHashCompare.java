package org.apache.hadoop.hbase.mapreduce;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Counter;
import org.apache.hadoop.mapreduce.CounterGroup;

/**
 * HBase's own HashTable and SyncTable {@code --dryrun}, run as their command lines run them, with
 * SyncTable's counters read back (it keeps them in a package-private field, hence this package).
 * Shares no code with Tandem.
 */
public final class TableHashCompare {
  private TableHashCompare() {
  }

  /**
   * Hashes {@code sourceTable} on the source cluster, then compares {@code targetTable} on the
   * target cluster against those hashes without changing anything.
   *
   * @param sourceZk the source cluster as SyncTable names it: {@code quorum:port:/znode-parent}
   * @param hashDir a fully qualified directory both jobs can reach, absent
   * @return SyncTable's counters, e.g. HASHES_MATCHED, DIFFERENTCELLVALUES, SOURCEMISSINGROWS
   */
  public static Map<String, Long> compare(Configuration sourceConf, String sourceTable, Configuration targetConf,
      String targetTable, String sourceZk, Path hashDir) throws Exception {
    int rc = new HashTable(sourceConf).run(new String[] {"--numhashfiles=1", sourceTable, hashDir.toString()});
    if (rc != 0) {
      throw new AssertionError("HashTable " + sourceTable + " exited with " + rc);
    }
    SyncTable sync = new SyncTable(targetConf);
    rc = sync.run(new String[] {"--sourcezkcluster=" + sourceZk, "--dryrun=true", hashDir.toString(), sourceTable,
        targetTable});
    if (rc != 0) {
      throw new AssertionError("SyncTable --dryrun " + targetTable + " exited with " + rc);
    }
    Map<String, Long> out = new LinkedHashMap<>();
    for (CounterGroup g : sync.counters) {
      if (g.getName().contains("SyncTable")) {
        for (Counter c : g) {
          out.put(c.getName(), c.getValue());
        }
      }
    }
    return out;
  }
}
