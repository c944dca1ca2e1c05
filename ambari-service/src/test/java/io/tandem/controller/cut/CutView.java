package io.tandem.controller.cut;

import java.io.IOException;
import java.util.Set;

/**
 * What one cut holds, data set by data set. The chain checker reads a cut only through this, so
 * the same check runs against the primary's snapshots, the copies shipped to the secondary
 * ({@link SnapshotCutView}) and the live tables and directories a restore made of them
 * ({@link LiveCutView}).
 */
interface CutView {
  /** Row keys (as strings) of {@code table} in this cut whose cells are all there. */
  Set<String> rows(String table) throws IOException;

  /**
   * File names directly inside {@code dir} in this cut whose content is all there. A shorter file
   * is a write the cut caught open (captured at its length at the snapshot), so it counts as not
   * yet written: the chain check then flags any later write of its writer that the cut holds.
   */
  Set<String> files(String dir) throws IOException;

  /**
   * The rows {@link #rows} has read so far that are present but incomplete: without both of the
   * chain workload's cells, or with a wrong one. A put is atomic, so each is a violation.
   */
  Set<String> incomplete();

  /** True if {@code r} is a chain row with both of its cells, the second one naming the row. */
  static boolean whole(org.apache.hadoop.hbase.client.Result r) {
    byte[] w = r.getValue(ChainWorkload.F, ChainWorkload.W);
    return r.containsColumn(ChainWorkload.F, ChainWorkload.V) && w != null
        && java.util.Arrays.equals(w, r.getRow());
  }

  /** True if {@code st} is a chain file of the length its writer wrote (its own name). */
  static boolean whole(org.apache.hadoop.fs.FileStatus st) {
    return st.getLen() == org.apache.hadoop.hbase.util.Bytes.toBytes(st.getPath().getName()).length;
  }
}
