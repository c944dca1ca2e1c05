package io.tandem.core.catalog;

import static io.tandem.core.catalog.CutState.ABORTED;
import static io.tandem.core.catalog.CutState.COMPLETE;
import static io.tandem.core.catalog.CutState.FAILED;
import static io.tandem.core.catalog.CutState.RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetentionTest {

  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  /** Cut number {@code hour} of the day, i.e. taken {@code hour} hours after BASE. */
  private static Manifest cut(int hour, CutState state) {
    Instant moment = BASE.plusSeconds(3_600L * hour);
    return new Manifest(CutNames.cutId("billing", moment), "billing", 1, moment, moment, null, state, null, "push",
        "fence", true, 0, null, null, null, null, null, 0, 0, 0);
  }

  /** The hours of the cuts to delete, as a set: the order of the answer is not part of the contract. */
  private static Set<Integer> deletedHours(List<Manifest> cuts, int keep) {
    return Retention.toDelete(cuts, keep).stream()
        .map(m -> (int) ((m.moment().getEpochSecond() - BASE.getEpochSecond()) / 3_600))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<Manifest> shuffled(List<Manifest> cuts, long seed) {
    List<Manifest> copy = new ArrayList<>(cuts);
    Collections.shuffle(copy, new Random(seed));
    return copy;
  }

  @Test
  void keepsTheNewestCompleteCuts() {
    List<Manifest> cuts = List.of(cut(1, COMPLETE), cut(2, COMPLETE), cut(3, COMPLETE), cut(4, COMPLETE),
        cut(5, COMPLETE));
    assertEquals(Set.of(1, 2), deletedHours(cuts, 3));
    assertEquals(Set.of(1, 2, 3, 4), deletedHours(cuts, 1));
    assertEquals(Set.of(), deletedHours(cuts, 5));
  }

  @Test
  void inputOrderDoesNotMatter() {
    List<Manifest> cuts = List.of(cut(1, COMPLETE), cut(2, FAILED), cut(3, COMPLETE), cut(4, RUNNING),
        cut(5, COMPLETE), cut(6, ABORTED), cut(7, COMPLETE));
    Set<Integer> expected = Set.of(1, 2);
    for (long seed = 0; seed < 20; seed++) {
      assertEquals(expected, deletedHours(shuffled(cuts, seed), 3), "seed " + seed);
    }
  }

  @Test
  void runningCutsAreNeverTouched() {
    List<Manifest> cuts = List.of(cut(0, RUNNING), cut(1, COMPLETE), cut(2, COMPLETE), cut(3, RUNNING),
        cut(4, COMPLETE));
    assertEquals(Set.of(1), deletedHours(cuts, 2));
    // Not even when it is the oldest of all and keep is 1.
    assertEquals(Set.of(1, 2), deletedHours(cuts, 1));
  }

  @Test
  void failedAndAbortedOlderThanTheOldestKeptCompleteGo() {
    List<Manifest> cuts = List.of(cut(1, FAILED), cut(2, COMPLETE), cut(3, ABORTED), cut(4, COMPLETE),
        cut(5, COMPLETE));
    // keep 2: kept are 4 and 5; 3 (aborted) and 1 (failed) are older than 4 and go, as does complete 2.
    assertEquals(Set.of(1, 2, 3), deletedHours(cuts, 2));
  }

  @Test
  void failedNewerThanTheOldestKeptCompleteStay() {
    List<Manifest> cuts = List.of(cut(1, COMPLETE), cut(2, COMPLETE), cut(3, FAILED), cut(4, COMPLETE),
        cut(5, ABORTED), cut(6, FAILED));
    // keep 2: kept are 2 and 4; 3, 5 and 6 are newer than 2 and stay so admins see them.
    assertEquals(Set.of(1), deletedHours(cuts, 2));
  }

  @Test
  void fewerCompleteThanKeepDeletesNoComplete() {
    List<Manifest> cuts = List.of(cut(1, COMPLETE), cut(2, FAILED), cut(3, COMPLETE), cut(4, FAILED));
    Set<Integer> deleted = deletedHours(cuts, 7);
    assertTrue(!deleted.contains(1) && !deleted.contains(3), deleted.toString());
    // And the newest failure, newer than every complete cut, stays.
    assertTrue(!deleted.contains(4), deleted.toString());
  }

  @Test
  void failuresOlderThanEveryKeptCompleteGoEvenWithFewerCompleteThanKeep() {
    // The class contract: a failed cut older than the oldest kept COMPLETE one goes. Here cut 3 is the
    // oldest kept one (keep 7 keeps both), so the failures at 1 and 2 have served their purpose.
    List<Manifest> cuts = List.of(cut(1, FAILED), cut(2, ABORTED), cut(3, COMPLETE), cut(4, FAILED),
        cut(5, COMPLETE));
    assertEquals(Set.of(1, 2), deletedHours(cuts, 7));
  }

  @Test
  void withoutAnyCompleteCutNothingIsDeleted() {
    // No complete cut yet: the failures are all an admin has to diagnose with.
    List<Manifest> cuts = List.of(cut(1, FAILED), cut(2, ABORTED), cut(3, RUNNING));
    assertEquals(Set.of(), deletedHours(cuts, 1));
    assertEquals(Set.of(), deletedHours(List.of(), 1));
  }

  @Test
  void everyNonRunningCutIsEitherKeptOrDeletedByTheRule() {
    // Property over random histories, against an independent statement of the rule.
    Random random = new Random(5);
    CutState[] states = CutState.values();
    for (int run = 0; run < 500; run++) {
      List<Manifest> cuts = new ArrayList<>();
      int n = random.nextInt(15);
      for (int h = 0; h < n; h++) {
        cuts.add(cut(h, states[random.nextInt(states.length)]));
      }
      int keep = 1 + random.nextInt(5);
      List<Integer> completeHoursNewestFirst = new ArrayList<>();
      for (int h = n - 1; h >= 0; h--) {
        if (cuts.get(h).state() == COMPLETE) {
          completeHoursNewestFirst.add(h);
        }
      }
      Set<Integer> expected = new TreeSet<>();
      if (!completeHoursNewestFirst.isEmpty()) {
        int oldestKept = completeHoursNewestFirst.get(Math.min(keep, completeHoursNewestFirst.size()) - 1);
        for (Manifest m : cuts) {
          int h = (int) ((m.moment().getEpochSecond() - BASE.getEpochSecond()) / 3_600);
          boolean olderThanKept = h < oldestKept;
          if (m.state() == COMPLETE && olderThanKept) {
            expected.add(h);
          } else if ((m.state() == FAILED || m.state() == ABORTED) && olderThanKept) {
            expected.add(h);
          }
        }
      }
      assertEquals(expected, deletedHours(shuffled(cuts, run), keep), cuts.stream()
          .map(m -> m.state().toString()).collect(Collectors.joining(",")) + " keep " + keep);
    }
  }

  @Test
  void theInputIsNotChanged() {
    List<Manifest> cuts = new ArrayList<>(List.of(cut(2, COMPLETE), cut(1, COMPLETE), cut(3, COMPLETE)));
    List<Manifest> before = List.copyOf(cuts);
    Retention.toDelete(cuts, 1);
    assertEquals(before, cuts);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void keepBelowOneIsRefused(int keep) {
    String msg = assertThrows(IllegalArgumentException.class,
        () -> Retention.toDelete(List.of(cut(1, COMPLETE)), keep)).getMessage();
    assertTrue(msg.contains("keep") && msg.contains(String.valueOf(keep)), msg);
  }
}
