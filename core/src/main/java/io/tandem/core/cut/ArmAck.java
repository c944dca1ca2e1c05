package io.tandem.core.cut;

import java.util.List;
import java.util.Objects;

/**
 * A RegionServer's answer to an ARMING cut, at {@code {root}/{cutId}/armed/{server}}: these of its
 * regions refuse writes, have no mutation in flight, and each has taken the memstore snapshot of a
 * flush, so that flush will write exactly the cut. The server writes the ack twice: first with
 * {@code flushed=false} as soon as every memstore snapshot is taken (writes may be released then),
 * and again with {@code flushed=true} once those flushes are committed to files (the table
 * snapshots may be taken then). It also rewrites it when a region of the cut opens on it later.
 *
 * @param server      the RegionServer ({@code host,port,startcode})
 * @param regions     encoded names of the fenced regions
 * @param armToAckMs  from the moment the server saw the cut to the ack
 * @param drainMs     time spent waiting for in-flight mutations
 * @param flushMs     time until the flushes' memstore snapshots were taken, or, once
 *                    {@code flushed}, until the flushes were committed (in parallel)
 * @param flushed     true once every fenced region's flush is committed to its files
 */
public record ArmAck(String server, List<String> regions, long armToAckMs, long drainMs, long flushMs,
    boolean flushed) {
  public ArmAck {
    Objects.requireNonNull(server, "server");
    regions = List.copyOf(Objects.requireNonNull(regions, "regions"));
  }

  public byte[] encode() {
    return Payload.create().put("server", server).putList("region", regions)
        .put("armToAckMs", armToAckMs).put("drainMs", drainMs).put("flushMs", flushMs)
        .put("flushed", Boolean.toString(flushed)).bytes();
  }

  public static ArmAck decode(byte[] data) {
    Payload p = Payload.parse(data, "arm ack");
    return new ArmAck(p.get("server"), p.getList("region"), p.getLong("armToAckMs"),
        p.getLong("drainMs", 0), p.getLong("flushMs", 0), Boolean.parseBoolean(p.get("flushed", "true")));
  }
}
