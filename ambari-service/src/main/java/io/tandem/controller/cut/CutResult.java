package io.tandem.controller.cut;

import java.time.Instant;
import java.util.Map;

/**
 * What a {@link CutTaker} reports once every snapshot of a {@link CutPlan} exists on the
 * primary.
 *
 * @param takenAt       the instant the cut point was fixed (writes held or ordered)
 * @param consistent    true only if all data sets show one instant (a fenced cut); a naive
 *                      sequence of snapshots reports false
 * @param fenceWindowMs how long application writes were held (armed to released); 0 if none
 * @param ackLatencyMs  per participant (RegionServer or NameNode), arm-to-ack latency
 * @param snapshotMs    how long taking all snapshots took, fence included
 * @param method        short name of the method, e.g. "sequential" or "fenced"
 */
public record CutResult(Instant takenAt, boolean consistent, long fenceWindowMs,
    Map<String, Long> ackLatencyMs, long snapshotMs, String method) {
  public CutResult {
    ackLatencyMs = Map.copyOf(ackLatencyMs);
  }
}
