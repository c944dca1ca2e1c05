package io.tandem.controller.cut;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one cut must capture on the primary: every HBase table and HDFS directory of one
 * service (namespaces already expanded to their tables), and the snapshot name each gets.
 *
 * @param cutId        unique id of the cut, safe as part of a snapshot name
 * @param service      the business service
 * @param moment       the scheduled moment T of the cut
 * @param epoch        the identity epoch the cut is taken under
 * @param tableSnapshots HBase table ("ns:qualifier") to snapshot name
 * @param dirSnapshots HDFS directory (absolute path) to snapshot name
 */
public record CutPlan(String cutId, String service, Instant moment, long epoch,
    Map<String, String> tableSnapshots, Map<String, String> dirSnapshots) {
  public CutPlan {
    Objects.requireNonNull(cutId, "cutId");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(moment, "moment");
    tableSnapshots = Map.copyOf(tableSnapshots);
    dirSnapshots = Map.copyOf(dirSnapshots);
  }

  public List<String> tables() {
    return tableSnapshots.keySet().stream().sorted().toList();
  }

  public List<String> dirs() {
    return dirSnapshots.keySet().stream().sorted().toList();
  }
}
