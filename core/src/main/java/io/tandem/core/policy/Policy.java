package io.tandem.core.policy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.tandem.core.schedule.Schedule;

/**
 * A validated backup policy of one business service: its data sets across components, its
 * moments, how its cuts are shipped, how many are kept, and the users and groups the service
 * declares as its own. Only {@link PolicyValidator} makes these from admin input.
 *
 * @param createdAt anchor of interval schedules, and the instant the policy was first stored
 */
public record Policy(String service, List<DataSet> dataSets, List<Schedule> schedules,
    TransferMode mode, int retain, long rpoSeconds, List<String> users, List<String> groups,
    Instant createdAt) {

  public Policy {
    Objects.requireNonNull(service, "service");
    dataSets = List.copyOf(dataSets);
    schedules = List.copyOf(schedules);
    Objects.requireNonNull(mode, "mode");
    users = List.copyOf(users);
    groups = List.copyOf(groups);
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public List<DataSet> of(DataSet.Kind kind) {
    return dataSets.stream().filter(d -> d.kind() == kind).toList();
  }

  /** The earliest moment strictly after {@code after}, over all schedules; null if none. */
  public Instant nextMoment(Instant after) {
    Instant best = null;
    for (Schedule s : schedules) {
      Instant n = s.nextAfter(after, createdAt).orElse(null);
      if (n != null && (best == null || n.isBefore(best))) {
        best = n;
      }
    }
    return best;
  }

  /** Back to the admin's form: what is stored and shown. */
  public PolicySpec toSpec() {
    return new PolicySpec(service, dataSets.stream().map(DataSet::toString).toList(),
        schedules.stream().map(Schedule::text).toList(), mode.text(), retain, rpoSeconds,
        users, groups, createdAt.toString());
  }
}
