package io.tandem.controller.drill;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What one restore drill did and found, as kept in the catalog
 * ({@code <catalog>/<service>/drills/<drillId>.json}) and answered by {@code GET /api/v1/drills/<service>}.
 *
 * @param cutId      the COMPLETE cut restored (null if the drill failed before choosing one)
 * @param durationMs from start to the end of the clean-up (null while RUNNING)
 * @param reason     one line naming the object that failed; null unless FAILED
 * @param stepsMs    time per step: clone, hashTable, syncTable, dirs, cleanup
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DrillRecord(String drillId, String service, DrillState state, String cutId, String primary,
    String secondary, Instant startedAt, Instant finishedAt, Long durationMs, String reason, Figures figures,
    Map<String, Long> stepsMs, List<TableCheck> tables, List<DirCheck> dirs) {

  @JsonCreator
  public DrillRecord {
    stepsMs = stepsMs == null ? Map.of() : Map.copyOf(stepsMs);
    tables = tables == null ? List.of() : List.copyOf(tables);
    dirs = dirs == null ? List.of() : List.copyOf(dirs);
  }

  /**
   * Totals.
   *
   * @param rows       rows of the tables as the cut's verification counted them
   * @param hashBatches HashTable's row ranges compared by SyncTable, and how many matched
   */
  public record Figures(int tables, long rows, long hashBatches, long hashBatchesMatched, int dirs, long files,
      long bytes) {
  }

  /**
   * One table: restored from the secondary's snapshot into {@code scratchTable}, compared with the
   * primary's snapshot of the cut (cloned under the same scratch name there).
   *
   * @param counters SyncTable --dryrun's counters
   */
  public record TableCheck(String table, String snapshot, String scratchTable, long rows, boolean same,
      Map<String, Long> counters) {
  }

  /** One directory: its replica snapshot restored into {@code scratchPath}, compared file by file with the primary's snapshot. */
  public record DirCheck(String path, String snapshot, String scratchPath, long files, long bytes, boolean same,
      String difference) {
  }
}
