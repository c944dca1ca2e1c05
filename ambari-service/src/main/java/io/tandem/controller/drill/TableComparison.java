package io.tandem.controller.drill;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hbase.mapreduce.HashTable;
import org.apache.hadoop.hbase.mapreduce.SyncTable;
import org.apache.hadoop.mapreduce.Counter;
import org.apache.hadoop.mapreduce.CounterGroup;
import org.apache.hadoop.mapreduce.Counters;

/**
 * Compares two tables on two clusters with HBase's own MapReduce tools, as their command lines
 * run them: {@code HashTable} hashes the source table in row ranges, then {@code SyncTable
 * --dryrun} hashes the target table over the same ranges, rescans only the ranges whose hashes
 * differ on both sides, and counts what differs without changing anything. Both jobs run on the
 * job runner of the configuration given (local, or the cluster's YARN), so the cost grows with
 * the table like any scan job, and the controller only reads counters.
 */
final class TableComparison {
  /** SyncTable counters that mean the tables differ. */
  static final List<String> DIFFERENCES = List.of("HASHES_NOT_MATCHED", "ROWSWITHDIFFS", "SOURCEMISSINGROWS",
      "SOURCEMISSINGCELLS", "TARGETMISSINGROWS", "TARGETMISSINGCELLS", "DIFFERENTCELLVALUES");

  /** SyncTable's counters, and how long each job took. */
  record Result(Map<String, Long> counters, long hashMs, long syncMs) {
    long counter(String name) {
      return counters.getOrDefault(name, 0L);
    }

    boolean same() {
      return DIFFERENCES.stream().allMatch(c -> counter(c) == 0);
    }

    /** The differences in words, e.g. "2 rows differ (DIFFERENTCELLVALUES=2)". */
    String difference() {
      StringBuilder sb = new StringBuilder();
      for (String c : DIFFERENCES.subList(2, DIFFERENCES.size())) {
        if (counter(c) > 0) {
          sb.append(sb.length() == 0 ? "" : ", ").append(c).append('=').append(counter(c));
        }
      }
      return counter("ROWSWITHDIFFS") + " rows differ, " + counter("HASHES_NOT_MATCHED") + " of "
          + counter("BATCHES") + " hash ranges did not match (" + sb + ")";
    }
  }

  private TableComparison() {
  }

  /**
   * @param hashJobConf  configuration of the source cluster with the job runner set
   * @param syncJobConf  configuration of the target cluster with the job runner set
   * @param sourceZk     the source cluster as SyncTable names it ({@code quorum:port:/znode-parent})
   * @param hashDir      fully qualified, absent, reachable by both jobs
   * @throws IOException if a job fails
   */
  static Result compare(Configuration hashJobConf, String sourceTable, Configuration syncJobConf, String targetTable,
      String sourceZk, Path hashDir) throws IOException {
    long t0 = System.nanoTime();
    int rc;
    try {
      rc = new HashTable(hashJobConf).run(new String[] {sourceTable, hashDir.toString()});
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("HashTable of " + sourceTable + " failed: " + e.getMessage(), e);
    }
    if (rc != 0) {
      throw new IOException("HashTable of " + sourceTable + " failed (exit " + rc + "); see the controller log");
    }
    long t1 = System.nanoTime();
    SyncTable sync = new SyncTable(syncJobConf);
    try {
      rc = sync.run(new String[] {"--sourcezkcluster=" + sourceZk, "--dryrun=true", hashDir.toString(), sourceTable,
          targetTable});
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("SyncTable --dryrun of " + targetTable + " failed: " + e.getMessage(), e);
    }
    if (rc != 0) {
      throw new IOException("SyncTable --dryrun of " + targetTable + " failed (exit " + rc + "); see the controller log");
    }
    long t2 = System.nanoTime();
    Map<String, Long> out = new LinkedHashMap<>();
    for (CounterGroup g : counters(sync)) {
      if (g.getName().contains("SyncTable")) {
        for (Counter c : g) {
          out.put(c.getName(), c.getValue());
        }
      }
    }
    return new Result(out, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  /**
   * The finished job's counters: SyncTable keeps them in a package-private field after {@code run}
   * (its command line prints them from there); its job is built from options only {@code run} parses.
   */
  private static Counters counters(SyncTable sync) throws IOException {
    try {
      Field f = SyncTable.class.getDeclaredField("counters");
      f.setAccessible(true);
      Counters c = (Counters) f.get(sync);
      if (c == null) {
        throw new IOException("SyncTable finished without counters");
      }
      return c;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IOException("cannot read SyncTable's counters from this HBase version (" + e + ")", e);
    }
  }
}
