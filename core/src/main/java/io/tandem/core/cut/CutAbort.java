package io.tandem.core.cut;

import java.util.Objects;

/**
 * A participant's note at {@code {root}/{cutId}/aborted/{participant}} that it stopped holding the
 * cut before {@code done}. Any such note makes the cut fail: it is never reported consistent.
 *
 * @param participant who gave up (RegionServer name, "namenode")
 * @param reason      for the admin, e.g. "lease of 30000 ms expired before done"
 * @param atMs        participant's wall clock when it gave up
 */
public record CutAbort(String participant, String reason, long atMs) {
  public CutAbort {
    Objects.requireNonNull(participant, "participant");
    Objects.requireNonNull(reason, "reason");
  }

  public byte[] encode() {
    return Payload.create().put("participant", participant).put("reason", reason).put("atMs", atMs).bytes();
  }

  public static CutAbort decode(byte[] data) {
    Payload p = Payload.parse(data, "cut abort");
    return new CutAbort(p.get("participant"), p.get("reason"), p.getLong("atMs", 0));
  }
}
