package io.tandem.core.policy;

import java.time.Duration;
import java.time.Instant;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import io.tandem.core.error.PolicyInvalidException;
import io.tandem.core.error.TandemException;
import io.tandem.core.schedule.Schedule;

/**
 * Checks a {@link PolicySpec} on its own (syntax, values, data sets that overlap each other)
 * and against the other stored policies (no data set in two services). Checks that need the
 * live primary (does the table exist) live at the controller's edge, see
 * {@code PolicyService}. Pure: no I/O.
 */
public final class PolicyValidator {
  /** Service names become parts of snapshot names, paths and ZooKeeper nodes: keep them tame. */
  public static final Pattern SERVICE_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,47}");
  /** Users and groups a policy declares (short names, or Kerberos-style with @ and .). */
  public static final Pattern PRINCIPAL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}");

  public static final int DEFAULT_RETAIN = 7;
  /** RPO when a policy has neither an explicit one nor a periodic schedule: one day. */
  public static final long DEFAULT_RPO_SECONDS = 86_400;

  /** The largest rpoSeconds: twice the longest {@code every:} interval. */
  public static final long MAX_RPO_SECONDS = Schedule.Every.MAXIMUM_INTERVAL.multipliedBy(2).toSeconds();

  private final TransferMode defaultMode;
  private final ReservedPaths reserved;

  /** Refuses the {@link ReservedPaths#DEFAULT} paths only. @throws NullPointerException if {@code defaultMode} is null */
  public PolicyValidator(TransferMode defaultMode) {
    this(defaultMode, ReservedPaths.DEFAULT);
  }

  /**
   * @param reserved HDFS paths no data set may be at, under or above (the controller adds HBase's root dirs
   *        and its own catalog and replica dirs)
   * @throws NullPointerException if an argument is null
   */
  public PolicyValidator(TransferMode defaultMode, ReservedPaths reserved) {
    this.defaultMode = Objects.requireNonNull(defaultMode, "defaultMode");
    this.reserved = Objects.requireNonNull(reserved, "reserved");
  }

  /**
   * @return {@code service}, for a name a policy could have (in a URL, a CLI argument)
   * @throws TandemException (INVALID) naming the name and the pattern otherwise
   */
  public static String requireServiceName(String service) {
    if (service == null || !SERVICE_NAME.matcher(service).matches()) {
      throw TandemException.invalid("service name \"" + service + "\" is not valid: it must match " + SERVICE_NAME.pattern());
    }
    return service;
  }

  /**
   * @param now the present, to refuse one-off moments in the past and to anchor new policies
   * @throws PolicyInvalidException listing every problem found
   */
  public Policy validate(PolicySpec spec, Instant now) {
    if (spec == null) {
      throw new PolicyInvalidException(null, List.of("empty policy"));
    }
    List<String> problems = new ArrayList<>();
    String service = spec.service();
    if (service == null || !SERVICE_NAME.matcher(service).matches()) {
      problems.add("service name \"" + service + "\" must match " + SERVICE_NAME.pattern());
    }

    List<DataSet> dataSets = new ArrayList<>();
    if (spec.datasets() == null || spec.datasets().isEmpty()) {
      problems.add("no data sets: name at least one hdfs:/path, hbase:namespace:table or hbase:namespace:*");
    } else {
      for (String d : spec.datasets()) {
        try {
          DataSet ds = DataSet.parse(d);
          java.util.Optional<String> refused = reserved.refusal(ds);
          if (refused.isPresent()) {
            problems.add(refused.get());
            continue;
          }
          for (DataSet seen : dataSets) {
            if (seen.overlaps(ds)) {
              problems.add("data sets " + seen + " and " + ds + " overlap (nested directories or a table inside a listed namespace): keep one");
            }
          }
          dataSets.add(ds);
        } catch (IllegalArgumentException e) {
          problems.add(e.getMessage());
        }
      }
    }

    Instant createdAt = now;
    if (spec.createdAt() != null) {
      try {
        createdAt = Schedule.parseInstant(spec.createdAt());
      } catch (DateTimeException e) {
        problems.add("createdAt \"" + spec.createdAt() + "\" is not an ISO-8601 instant");
      }
    }

    List<Schedule> schedules = new ArrayList<>();
    if (spec.schedules() == null || spec.schedules().isEmpty()) {
      problems.add("no schedule: give at least one of once:<ISO instant>, every:<n>[s|m|h|d], cron:<5-field expression>");
    } else {
      for (String s : spec.schedules()) {
        if (s == null) {
          problems.add("empty schedule: give once:<ISO instant>, every:<n>[s|m|h|d] or cron:<5-field expression>");
          continue;
        }
        try {
          Schedule sc = Schedule.parse(s);
          if (sc instanceof Schedule.Once once && !once.at().isAfter(now) && spec.createdAt() == null) {
            problems.add("schedule \"" + s + "\" is in the past (now is " + now + ")");
          }
          schedules.add(sc);
        } catch (IllegalArgumentException e) {
          problems.add(e.getMessage());
        }
      }
    }

    TransferMode mode = defaultMode;
    if (spec.mode() != null) {
      try {
        mode = TransferMode.parse(spec.mode());
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }

    int retain = spec.retain() == null ? DEFAULT_RETAIN : spec.retain();
    if (retain < 1) {
      problems.add("retain must be at least 1 (the newest cut is the base of the next incremental copy), got " + retain);
    }

    long rpo;
    if (spec.rpoSeconds() != null) {
      rpo = spec.rpoSeconds();
      if (rpo <= 0) {
        problems.add("rpoSeconds must be positive, got " + rpo);
      } else if (rpo > MAX_RPO_SECONDS) {
        problems.add("rpoSeconds " + rpo + " is too large: at most " + MAX_RPO_SECONDS + " (732 days)");
      }
    } else {
      rpo = schedules.stream().flatMap(s -> s.typicalInterval().stream())
          .min(Duration::compareTo).map(d -> d.multipliedBy(2).toSeconds()).orElse(DEFAULT_RPO_SECONDS);
    }

    List<String> users = names("user", spec.users(), problems);
    List<String> groups = names("group", spec.groups(), problems);

    if (!problems.isEmpty()) {
      throw new PolicyInvalidException(service, problems);
    }
    return new Policy(service, dataSets, schedules, mode, retain, rpo, users, groups, createdAt);
  }

  private static List<String> names(String what, List<String> given, List<String> problems) {
    if (given == null) {
      return List.of();
    }
    for (String n : given) {
      if (n == null || !PRINCIPAL_NAME.matcher(n).matches()) {
        problems.add(what + " name \"" + n + "\" is not valid");
      }
    }
    return given;
  }

  /**
   * @throws TandemException (CONFLICT) naming both services and data sets if {@code policy}
   *         shares data with another service's policy
   */
  public static void checkNoOverlap(Policy policy, Collection<Policy> others) {
    for (Policy other : others) {
      if (other.service().equals(policy.service())) {
        continue;
      }
      for (DataSet mine : policy.dataSets()) {
        for (DataSet theirs : other.dataSets()) {
          if (mine.overlaps(theirs)) {
            throw TandemException.conflict("data set " + mine + " of service " + policy.service()
                + " overlaps " + theirs + " of service " + other.service()
                + ": a data set belongs to one service only");
          }
        }
      }
    }
  }
}
