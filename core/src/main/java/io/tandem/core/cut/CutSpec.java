package io.tandem.core.cut;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the controller publishes at {@code {root}/{cutId}}: the data sets of one cut and its
 * time limits.
 *
 * @param cutId         the cut's id (see {@link CutProtocol#checkId})
 * @param tables        HBase tables whose regions are fenced, as {@code ns:qualifier} or {@code qualifier}
 * @param dirSnapshots  HDFS directory (absolute path) to the snapshot name it gets
 * @param leaseMs       how long a participant may hold anything for this cut, from the moment it
 *                      sees it; after that it drops fence and flush hold by itself
 * @param armDeadlineMs wall-clock time (controller's clock, ms since epoch) by which every
 *                      RegionServer must have acked; a participant that cannot ack by then gives up
 * @param createdAtMs   wall-clock time the controller published the cut
 * @param clockSlackMs  the clock skew the controller accepted; a participant that first sees a
 *                      cut later than {@code createdAtMs + leaseMs + clockSlackMs} treats it as expired
 */
public record CutSpec(String cutId, List<String> tables, Map<String, String> dirSnapshots,
    long leaseMs, long armDeadlineMs, long createdAtMs, long clockSlackMs) {

  public CutSpec {
    CutProtocol.checkId(cutId, "cutId");
    tables = List.copyOf(Objects.requireNonNull(tables, "tables"));
    dirSnapshots = Map.copyOf(new TreeMap<>(Objects.requireNonNull(dirSnapshots, "dirSnapshots")));
    for (String t : tables) {
      if (t.isBlank()) {
        throw new IllegalArgumentException("cut " + cutId + ": blank table name");
      }
    }
    for (Map.Entry<String, String> e : dirSnapshots.entrySet()) {
      if (!e.getKey().startsWith("/")) {
        throw new IllegalArgumentException("cut " + cutId + ": directory '" + e.getKey() + "' is not absolute");
      }
      CutProtocol.checkId(e.getValue(), "snapshot name of " + e.getKey());
    }
    if (leaseMs <= 0) {
      throw new IllegalArgumentException("cut " + cutId + ": leaseMs must be > 0, got " + leaseMs);
    }
    if (clockSlackMs < 0) {
      throw new IllegalArgumentException("cut " + cutId + ": clockSlackMs must be >= 0, got " + clockSlackMs);
    }
  }

  /** True if {@code table} (as {@code ns:q}, or {@code q} for the default namespace) is fenced. */
  public boolean coversTable(String table) {
    String t = table.startsWith("default:") ? table.substring("default:".length()) : table;
    for (String mine : tables) {
      String m = mine.startsWith("default:") ? mine.substring("default:".length()) : mine;
      if (m.equals(t)) {
        return true;
      }
    }
    return false;
  }

  /** True if a participant seeing this cut for the first time at {@code nowMs} should not hold anything. */
  public boolean staleAt(long nowMs) {
    return nowMs > createdAtMs + leaseMs + clockSlackMs;
  }

  public byte[] encode() {
    return Payload.create()
        .put("cutId", cutId)
        .putList("table", tables)
        .putMap("dir", dirSnapshots)
        .put("leaseMs", leaseMs)
        .put("armDeadlineMs", armDeadlineMs)
        .put("createdAtMs", createdAtMs)
        .put("clockSlackMs", clockSlackMs)
        .bytes();
  }

  /** @throws IllegalArgumentException if {@code data} is not a cut spec */
  public static CutSpec decode(byte[] data) {
    Payload p = Payload.parse(data, "cut spec");
    return new CutSpec(p.get("cutId"), p.getList("table"), p.getMap("dir"), p.getLong("leaseMs"),
        p.getLong("armDeadlineMs"), p.getLong("createdAtMs"), p.getLong("clockSlackMs", 0));
  }
}
