package io.tandem.controller.backup;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import io.tandem.controller.ship.CopyProgress;

/**
 * The live state of one running cut, for status endpoints and the CLI: which phase it is in
 * and, while copying, the progress of the current copy. Updated by the cut's thread, read by
 * anyone.
 */
public final class CutProgress {
  /** Phases a cut goes through, in order. */
  public enum Phase { PLANNING, SNAPSHOTTING, SHIPPING, VERIFYING, CLEANING }

  private final String service;
  private final String cutId;
  private final Instant startedAt;
  private volatile Phase phase = Phase.PLANNING;
  private final AtomicReference<CopyProgress> copy = new AtomicReference<>();

  CutProgress(String service, String cutId, Instant startedAt) {
    this.service = service;
    this.cutId = cutId;
    this.startedAt = startedAt;
  }

  public String service() {
    return service;
  }

  public String cutId() {
    return cutId;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public Phase phase() {
    return phase;
  }

  void phase(Phase p) {
    phase = p;
  }

  public CopyProgress copy() {
    return copy.get();
  }

  void copy(CopyProgress p) {
    copy.set(p);
  }
}
