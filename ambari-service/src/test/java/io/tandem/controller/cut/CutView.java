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
  /** Row keys (as strings) of {@code table} in this cut. */
  Set<String> rows(String table) throws IOException;

  /** File names directly inside {@code dir} in this cut. */
  Set<String> files(String dir) throws IOException;
}
