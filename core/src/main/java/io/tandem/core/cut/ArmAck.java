package io.tandem.core.cut;

import java.util.List;
import java.util.Objects;

/**
 * A RegionServer's answer to an ARMING cut, at {@code {root}/{cutId}/armed/{server}}: these of its
 * regions refuse writes, have no mutation in flight and have flushed, so their files are the cut.
 * A server rewrites its ack (same node, new data) when a region of the cut opens on it later.
 *
 * @param server      the RegionServer ({@code host,port,startcode})
 * @param regions     encoded names of the fenced regions
 * @param armToAckMs  from the moment the server saw the cut to the ack
 * @param drainMs     time spent waiting for in-flight mutations
 * @param flushMs     time spent flushing the fenced regions (in parallel)
 */
public record ArmAck(String server, List<String> regions, long armToAckMs, long drainMs, long flushMs) {
  public ArmAck {
    Objects.requireNonNull(server, "server");
    regions = List.copyOf(Objects.requireNonNull(regions, "regions"));
  }

  public byte[] encode() {
    return Payload.create().put("server", server).putList("region", regions)
        .put("armToAckMs", armToAckMs).put("drainMs", drainMs).put("flushMs", flushMs).bytes();
  }

  public static ArmAck decode(byte[] data) {
    Payload p = Payload.parse(data, "arm ack");
    return new ArmAck(p.get("server"), p.getList("region"), p.getLong("armToAckMs"),
        p.getLong("drainMs", 0), p.getLong("flushMs", 0));
  }
}
