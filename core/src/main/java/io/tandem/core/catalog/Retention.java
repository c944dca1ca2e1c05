package io.tandem.core.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which cuts of one service to delete so that the newest {@code keep} COMPLETE cuts remain.
 * A FAILED or ABORTED cut older than the oldest kept COMPLETE one goes too (its record has
 * served its purpose); newer ones stay so admins can see recent failures. RUNNING cuts are
 * never touched. Pure.
 */
public final class Retention {
  private Retention() {
  }

  public static List<Manifest> toDelete(List<Manifest> cuts, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1, got " + keep);
    }
    List<Manifest> newestFirst = new ArrayList<>(cuts);
    newestFirst.sort(Comparator.comparing(Manifest::moment).thenComparing(Manifest::cutId).reversed());
    // The oldest COMPLETE cut that stays: the keep-th newest, or the oldest one if there are fewer.
    int oldestKept = -1;
    int complete = 0;
    for (int i = 0; i < newestFirst.size() && complete < keep; i++) {
      if (newestFirst.get(i).state() == CutState.COMPLETE) {
        complete++;
        oldestKept = i;
      }
    }
    List<Manifest> delete = new ArrayList<>();
    if (oldestKept < 0) {
      return delete; // no COMPLETE cut yet: every failure is still news to the admin
    }
    for (Manifest m : newestFirst.subList(oldestKept + 1, newestFirst.size())) {
      if (m.state() != CutState.RUNNING) {
        delete.add(m);
      }
    }
    return delete;
  }
}
