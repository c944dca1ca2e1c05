package io.tandem.controller.cut;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import io.tandem.core.cut.CutAbort;

/**
 * A cut its write fence aborted: a participant of the fence (a RegionServer) wrote an abort
 * note for it ({@link io.tandem.core.cut.CutProtocol#ABORTED}), e.g. its lease ran out, a fenced
 * region moved or closed, or the lease was above the participant's {@code tandem.fence.lease.max.ms}.
 * Like any failed cut it left no snapshot; the catalog records it ABORTED rather than FAILED, so the
 * admin looks at the fence (the participants named here) rather than at the data sets.
 */
public final class CutAbortedException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String cutId;
  private final transient List<CutAbort> aborts;

  /**
   * @param cutId   the aborted cut
   * @param cluster the primary cluster it ran on
   * @param aborts  the participants' notes, at least one
   */
  public CutAbortedException(String cutId, String cluster, List<CutAbort> aborts) {
    super(message(cutId, cluster, aborts));
    this.cutId = cutId;
    this.aborts = List.copyOf(aborts);
  }

  private static String message(String cutId, String cluster, List<CutAbort> aborts) {
    Objects.requireNonNull(cutId, "cutId");
    Objects.requireNonNull(cluster, "cluster");
    if (aborts == null || aborts.isEmpty()) {
      throw new IllegalArgumentException("an aborted cut needs at least one participant's abort note: " + aborts);
    }
    return "cut " + cutId + " was aborted by its write fence on primary cluster " + cluster + ": "
        + aborts.stream().map(a -> a.participant() + ": " + a.reason()).collect(Collectors.joining("; "));
  }

  public String cutId() {
    return cutId;
  }

  /** Who aborted the cut and why, one note per participant. */
  public List<CutAbort> aborts() {
    return aborts;
  }
}
