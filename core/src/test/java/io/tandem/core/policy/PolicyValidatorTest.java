package io.tandem.core.policy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.tandem.core.error.PolicyInvalidException;
import io.tandem.core.error.TandemException;
import io.tandem.core.policy.DataSet.Kind;
import io.tandem.core.schedule.CronExpression;
import io.tandem.core.schedule.Schedule;

class PolicyValidatorTest {

  private static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
  private static final PolicyValidator PUSH_BY_DEFAULT = new PolicyValidator(TransferMode.PUSH);

  /** A minimal valid spec: one data set, one schedule, everything else defaulted. */
  private static PolicySpec minimal() {
    return new PolicySpec("billing", List.of("hdfs:/data/billing"), List.of("every:1h"), null, null, null,
        null, null, null);
  }

  private static PolicySpec withService(PolicySpec s, String service) {
    return new PolicySpec(service, s.datasets(), s.schedules(), s.mode(), s.retain(), s.rpoSeconds(), s.users(),
        s.groups(), s.createdAt());
  }

  private static PolicySpec withDatasets(PolicySpec s, List<String> datasets) {
    return new PolicySpec(s.service(), datasets, s.schedules(), s.mode(), s.retain(), s.rpoSeconds(), s.users(),
        s.groups(), s.createdAt());
  }

  private static PolicySpec withSchedules(PolicySpec s, List<String> schedules) {
    return new PolicySpec(s.service(), s.datasets(), schedules, s.mode(), s.retain(), s.rpoSeconds(), s.users(),
        s.groups(), s.createdAt());
  }

  private static PolicySpec withMode(PolicySpec s, String mode) {
    return new PolicySpec(s.service(), s.datasets(), s.schedules(), mode, s.retain(), s.rpoSeconds(), s.users(),
        s.groups(), s.createdAt());
  }

  private static PolicySpec withRetain(PolicySpec s, Integer retain) {
    return new PolicySpec(s.service(), s.datasets(), s.schedules(), s.mode(), retain, s.rpoSeconds(), s.users(),
        s.groups(), s.createdAt());
  }

  private static PolicySpec withRpo(PolicySpec s, Long rpo) {
    return new PolicySpec(s.service(), s.datasets(), s.schedules(), s.mode(), s.retain(), rpo, s.users(),
        s.groups(), s.createdAt());
  }

  private static PolicySpec withPrincipals(PolicySpec s, List<String> users, List<String> groups) {
    return new PolicySpec(s.service(), s.datasets(), s.schedules(), s.mode(), s.retain(), s.rpoSeconds(), users,
        groups, s.createdAt());
  }

  private static PolicySpec withCreatedAt(PolicySpec s, String createdAt) {
    return new PolicySpec(s.service(), s.datasets(), s.schedules(), s.mode(), s.retain(), s.rpoSeconds(), s.users(),
        s.groups(), createdAt);
  }

  private static PolicyInvalidException invalid(PolicySpec spec) {
    return assertThrows(PolicyInvalidException.class, () -> PUSH_BY_DEFAULT.validate(spec, NOW));
  }

  /** The single problem of a spec with exactly one thing wrong. */
  private static String onlyProblem(PolicySpec spec) {
    List<String> problems = invalid(spec).problems();
    assertEquals(1, problems.size(), problems.toString());
    return problems.get(0);
  }

  @Nested
  class GoodPolicy {

    @Test
    void everyFieldIsCarriedOver() {
      PolicySpec spec = new PolicySpec("billing",
          List.of("hdfs:/data/billing/", "hbase:billing:orders", "hbase:billing_audit:*"),
          List.of("cron:0 2 * * *", "every:6h"), "pull", 14, 3_600L,
          List.of("alice", "svc_billing@EXAMPLE.COM"), List.of("billing-admins"), null);

      Policy p = PUSH_BY_DEFAULT.validate(spec, NOW);

      assertEquals("billing", p.service());
      assertEquals(List.of(new DataSet(Kind.HDFS_DIR, null, "/data/billing"),
          new DataSet(Kind.HBASE_TABLE, "billing", "orders"),
          new DataSet(Kind.HBASE_NAMESPACE, "billing_audit", "billing_audit")), p.dataSets());
      assertEquals(List.of(new Schedule.Cron(CronExpression.parse("0 2 * * *")),
          new Schedule.Every(Duration.ofHours(6))), p.schedules());
      assertEquals(TransferMode.PULL, p.mode());
      assertEquals(14, p.retain());
      assertEquals(3_600L, p.rpoSeconds());
      assertEquals(List.of("alice", "svc_billing@EXAMPLE.COM"), p.users());
      assertEquals(List.of("billing-admins"), p.groups());
      assertEquals(NOW, p.createdAt());
    }

    @Test
    void dataSetsByKind() {
      Policy p = PUSH_BY_DEFAULT.validate(withDatasets(minimal(),
          List.of("hdfs:/a", "hbase:ns:t", "hdfs:/b", "hbase:other:*")), NOW);
      assertEquals(List.of(DataSet.parse("hdfs:/a"), DataSet.parse("hdfs:/b")), p.of(Kind.HDFS_DIR));
      assertEquals(List.of(DataSet.parse("hbase:ns:t")), p.of(Kind.HBASE_TABLE));
      assertEquals(List.of(DataSet.parse("hbase:other:*")), p.of(Kind.HBASE_NAMESPACE));
    }

    @Test
    void siblingDirectoriesWithACommonPrefixAreAccepted() {
      Policy p = PUSH_BY_DEFAULT.validate(withDatasets(minimal(), List.of("hdfs:/data/bill", "hdfs:/data/billing")),
          NOW);
      assertEquals(2, p.dataSets().size());
    }

    @Test
    void longestAndShortestServiceNames() {
      String longest = "a" + "b-_0".repeat(11) + "xyz";
      assertEquals(48, longest.length());
      assertDoesNotThrow(() -> PUSH_BY_DEFAULT.validate(withService(minimal(), longest), NOW));
      assertDoesNotThrow(() -> PUSH_BY_DEFAULT.validate(withService(minimal(), "b"), NOW));
    }

    @Test
    void onceInTheFutureIsAccepted() {
      Policy p = PUSH_BY_DEFAULT.validate(withSchedules(minimal(), List.of("once:2026-06-01T10:00:01Z")), NOW);
      assertEquals(List.of(new Schedule.Once(Instant.parse("2026-06-01T10:00:01Z"))), p.schedules());
    }

    @Test
    void theValidatedListsDoNotFollowLaterChangesToTheSpec() {
      List<String> users = new ArrayList<>(List.of("alice"));
      Policy p = PUSH_BY_DEFAULT.validate(withPrincipals(minimal(), users, null), NOW);
      users.add("mallory");
      assertEquals(List.of("alice"), p.users());
    }
  }

  @Nested
  class Defaults {

    @Test
    void retainIsSeven() {
      assertEquals(7, PUSH_BY_DEFAULT.validate(minimal(), NOW).retain());
    }

    @Test
    void modeComesFromTheConstructor() {
      assertEquals(TransferMode.PUSH, new PolicyValidator(TransferMode.PUSH).validate(minimal(), NOW).mode());
      assertEquals(TransferMode.PULL, new PolicyValidator(TransferMode.PULL).validate(minimal(), NOW).mode());
      assertEquals(TransferMode.PUSH,
          new PolicyValidator(TransferMode.PULL).validate(withMode(minimal(), "PUSH"), NOW).mode());
    }

    @Test
    void aValidatorNeedsADefaultMode() {
      // Refused up front, not later as an NPE from inside validate() on the first spec without a mode.
      String msg = assertThrows(NullPointerException.class, () -> new PolicyValidator(null)).getMessage();
      assertEquals("defaultMode", msg);
    }

    @Test
    void usersAndGroupsAreEmpty() {
      Policy p = PUSH_BY_DEFAULT.validate(minimal(), NOW);
      assertEquals(List.of(), p.users());
      assertEquals(List.of(), p.groups());
    }

    @Test
    void createdAtIsNowUnlessGiven() {
      assertEquals(NOW, PUSH_BY_DEFAULT.validate(minimal(), NOW).createdAt());
      assertEquals(Instant.parse("2025-01-02T03:04:05.678Z"),
          PUSH_BY_DEFAULT.validate(withCreatedAt(minimal(), "2025-01-02T03:04:05.678Z"), NOW).createdAt());
    }

    private long rpoOf(String... schedules) {
      return PUSH_BY_DEFAULT.validate(withSchedules(minimal(), List.of(schedules)), NOW).rpoSeconds();
    }

    @Test
    void rpoIsTwiceTheInterval() {
      assertEquals(7_200, rpoOf("every:1h"));
      assertEquals(1_800, rpoOf("every:15m"));
      assertEquals(172_800, rpoOf("cron:0 2 * * *"));
      assertEquals(600, rpoOf("cron:*/5 * * * *"));
    }

    @Test
    void rpoIsTwiceTheSmallestIntervalOverSeveralSchedules() {
      assertEquals(3_600, rpoOf("cron:0 2 * * *", "every:30m", "every:6h"));
      assertEquals(3_600, rpoOf("every:6h", "every:30m", "cron:0 2 * * *"));
      assertEquals(1_200, rpoOf("every:1h", "cron:*/10 * * * *"));
    }

    @Test
    void rpoOfOneOffsOnlyIsOneDay() {
      assertEquals(86_400, rpoOf("once:2026-07-01T00:00:00Z"));
      assertEquals(86_400, rpoOf("once:2026-07-01T00:00:00Z", "once:2026-08-01T00:00:00Z"));
    }

    @Test
    void oneOffsDoNotShortenThePeriodicRpo() {
      assertEquals(14_400, rpoOf("once:2026-06-01T10:01:00Z", "every:2h"));
    }

    @Test
    void anExplicitRpoWins() {
      assertEquals(60, PUSH_BY_DEFAULT.validate(withRpo(minimal(), 60L), NOW).rpoSeconds());
    }
  }

  @Nested
  class Problems {

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "Billing", "1billing", "-billing", "_billing", "bill ing", "bill.ing",
        "bill:ing", "billing/x", "bïlling", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvw"})
    void badServiceName(String service) {
      String problem = onlyProblem(withService(minimal(), service));
      assertTrue(problem.contains("service name \"" + service + "\""), problem);
    }

    @Test
    void missingServiceName() {
      PolicyInvalidException e = invalid(withService(minimal(), null));
      assertEquals(1, e.problems().size());
      assertTrue(e.problems().get(0).startsWith("service name"), e.problems().get(0));
      assertTrue(e.getMessage().startsWith("policy <unnamed> is invalid: "), e.getMessage());
    }

    @Test
    void noDataSets() {
      assertTrue(onlyProblem(withDatasets(minimal(), null)).startsWith("no data sets"));
      assertTrue(onlyProblem(withDatasets(minimal(), List.of())).startsWith("no data sets"));
    }

    @Test
    void badDataSetIsNamed() {
      String problem = onlyProblem(withDatasets(minimal(), List.of("hdfs:/data/ok", "hbase:billing")));
      assertTrue(problem.contains("\"hbase:billing\""), problem);
    }

    @Test
    void nullDataSetIsAProblemNotACrash() {
      String problem = onlyProblem(withDatasets(minimal(), Arrays.asList("hdfs:/data/ok", null)));
      assertTrue(problem.contains("empty data set"), problem);
    }

    @Test
    void everyBadDataSetIsReported() {
      List<String> problems = invalid(withDatasets(minimal(), List.of("hbase:a", "hdfs:rel", "nfs:/x"))).problems();
      assertEquals(3, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("\"hbase:a\""));
      assertTrue(problems.get(1).contains("\"hdfs:rel\""));
      assertTrue(problems.get(2).contains("\"nfs:/x\""));
    }

    @Test
    void nestedDirectoriesOverlap() {
      String problem = onlyProblem(withDatasets(minimal(), List.of("hdfs:/data", "hdfs:/data/billing")));
      assertTrue(problem.contains("hdfs:/data ") && problem.contains("hdfs:/data/billing"), problem);
      assertTrue(problem.contains("overlap"), problem);
    }

    @Test
    void theSameDataSetTwiceOverlaps() {
      String problem = onlyProblem(withDatasets(minimal(), List.of("hbase:billing:orders", "hbase:billing:orders")));
      assertTrue(problem.contains("overlap"), problem);
      // Spelled differently, still the same directory.
      assertTrue(onlyProblem(withDatasets(minimal(), List.of("hdfs:/data/b", "hdfs:/data/b/"))).contains("overlap"));
    }

    @Test
    void tableInsideAListedNamespaceOverlaps() {
      String problem = onlyProblem(withDatasets(minimal(), List.of("hbase:billing:orders", "hbase:billing:*")));
      assertTrue(problem.contains("hbase:billing:orders") && problem.contains("hbase:billing:*"), problem);
    }

    @Test
    void eachOverlappingPairIsReported() {
      List<String> problems = invalid(withDatasets(minimal(),
          List.of("hdfs:/data", "hdfs:/data/a", "hdfs:/data/b"))).problems();
      assertEquals(2, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("hdfs:/data/a"));
      assertTrue(problems.get(1).contains("hdfs:/data/b"));
    }

    @Test
    void noSchedule() {
      assertTrue(onlyProblem(withSchedules(minimal(), null)).startsWith("no schedule"));
      assertTrue(onlyProblem(withSchedules(minimal(), List.of())).startsWith("no schedule"));
    }

    @Test
    void badCronNamesTheField() {
      String problem = onlyProblem(withSchedules(minimal(), List.of("cron:0 25 * * *")));
      assertTrue(problem.contains("hour field"), problem);
      assertTrue(problem.contains("\"25\""), problem);
      String dow = onlyProblem(withSchedules(minimal(), List.of("cron:0 2 * * FUNDAY")));
      assertTrue(dow.contains("day-of-week field"), dow);
    }

    @Test
    void badScheduleForm() {
      String problem = onlyProblem(withSchedules(minimal(), List.of("every:1h", "daily:02:00")));
      assertTrue(problem.contains("\"daily:02:00\""), problem);
      assertTrue(onlyProblem(withSchedules(minimal(), List.of("every:10s"))).contains("every:10s"));
      assertTrue(onlyProblem(withSchedules(minimal(), List.of("once:tomorrow"))).contains("tomorrow"));
    }

    @Test
    void nullScheduleIsAProblemNotACrash() {
      PolicySpec spec = withSchedules(minimal(), Arrays.asList("every:1h", null));
      PolicyInvalidException e = invalid(spec);
      assertEquals(1, e.problems().size(), e.problems().toString());
      assertTrue(e.problems().get(0).contains("schedule"), e.problems().get(0));
    }

    @Test
    void onceInThePast() {
      String problem = onlyProblem(withSchedules(minimal(), List.of("once:2026-05-31T10:00:00Z")));
      assertTrue(problem.contains("\"once:2026-05-31T10:00:00Z\"") && problem.contains("past"), problem);
      assertTrue(problem.contains(NOW.toString()), problem);
    }

    @Test
    void onceExactlyNowIsAlreadyPast() {
      assertTrue(onlyProblem(withSchedules(minimal(), List.of("once:" + NOW))).contains("past"));
    }

    @Test
    void aStoredPolicyKeepsItsPastOneOff() {
      // Re-validating a stored policy (createdAt set) must not fail once its moment has gone by.
      PolicySpec stored = withCreatedAt(withSchedules(minimal(), List.of("once:2026-05-31T10:00:00Z")),
          "2026-05-01T00:00:00Z");
      assertDoesNotThrow(() -> PUSH_BY_DEFAULT.validate(stored, NOW));
    }

    @Test
    void badCreatedAt() {
      String problem = onlyProblem(withCreatedAt(minimal(), "yesterday"));
      assertTrue(problem.contains("createdAt \"yesterday\""), problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"copy", "", "push-pull"})
    void unknownMode(String mode) {
      String problem = onlyProblem(withMode(minimal(), mode));
      assertTrue(problem.contains("\"" + mode + "\"") && problem.contains("push or pull"), problem);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void retainBelowOne(int retain) {
      String problem = onlyProblem(withRetain(minimal(), retain));
      assertTrue(problem.startsWith("retain must be at least 1") && problem.endsWith("got " + retain), problem);
    }

    @Test
    void retainOfOneIsEnough() {
      assertEquals(1, PUSH_BY_DEFAULT.validate(withRetain(minimal(), 1), NOW).retain());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -86_400})
    void rpoNotPositive(long rpo) {
      String problem = onlyProblem(withRpo(minimal(), rpo));
      assertTrue(problem.startsWith("rpoSeconds must be positive") && problem.endsWith("got " + rpo), problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bob smith", "-bob", ".bob", "bob/x", "bob:x", "bob\n"})
    void badUserName(String user) {
      String problem = onlyProblem(withPrincipals(minimal(), List.of("alice", user), null));
      assertTrue(problem.startsWith("user name \"" + user + "\""), problem);
    }

    @Test
    void badGroupName() {
      String problem = onlyProblem(withPrincipals(minimal(), null, List.of("admins", "bad group")));
      assertTrue(problem.startsWith("group name \"bad group\""), problem);
      String tooLong = "g".repeat(65);
      assertTrue(onlyProblem(withPrincipals(minimal(), null, List.of(tooLong))).contains(tooLong));
    }

    @Test
    void nullPrincipalIsAProblemNotACrash() {
      assertTrue(onlyProblem(withPrincipals(minimal(), Arrays.asList("alice", null), null))
          .startsWith("user name \"null\""));
    }

    @Test
    void acceptedPrincipalNames() {
      Policy p = PUSH_BY_DEFAULT.validate(withPrincipals(minimal(),
          List.of("alice", "_svc", "hbase_host-1.example.com@EX", "a.b-c@REALM.ORG"),
          List.of("g".repeat(64), "0group")), NOW);
      assertEquals(4, p.users().size());
      assertEquals(2, p.groups().size());
    }

    @Test
    void nullSpec() {
      PolicyInvalidException e = assertThrows(PolicyInvalidException.class,
          () -> PUSH_BY_DEFAULT.validate(null, NOW));
      assertEquals(List.of("empty policy"), e.problems());
    }

    @Test
    void everyProblemIsReportedTogether() {
      PolicySpec spec = new PolicySpec("Billing!", List.of("hdfs:/data", "hdfs:/data/x", "hbase:bad"),
          List.of("cron:61 * * * *", "once:2020-01-01T00:00:00Z"), "teleport", 0, -5L, List.of("no body"),
          List.of("ok", "bad group"), "not-a-time");
      PolicyInvalidException e = invalid(spec);
      List<String> problems = e.problems();
      String[] expectedStarts = {
          "service name \"Billing!\"",
          "data sets hdfs:/data and hdfs:/data/x overlap",
          "bad data set \"hbase:bad\"",
          "createdAt \"not-a-time\"",
          "bad cron \"61 * * * *\": minute field",
          // with an explicit createdAt the past check is off: a stored policy may hold a spent one-off
          "unknown transfer mode \"teleport\"",
          "retain must be at least 1",
          "rpoSeconds must be positive",
          "user name \"no body\"",
          "group name \"bad group\"",
      };
      assertEquals(expectedStarts.length, problems.size(), problems.toString());
      for (int i = 0; i < expectedStarts.length; i++) {
        assertTrue(problems.get(i).startsWith(expectedStarts[i]), i + ": " + problems.get(i));
      }
      assertEquals("policy Billing! is invalid: " + String.join("; ", problems), e.getMessage());
      assertFalse(e.getMessage().contains("\n"));
      assertEquals(TandemException.Kind.INVALID, e.kind());
    }

    @Test
    void theMessageStaysOnOneLineWhateverTheAdminTyped() {
      PolicySpec spec = new PolicySpec("bill\ning", List.of("hdfs:/data/a\nb"), List.of("every:1h\nevery:2h"),
          "pu\rsh", null, null, List.of("x\ny"), null, null);
      PolicyInvalidException e = invalid(spec);
      assertEquals(5, e.problems().size(), e.problems().toString());
      assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
    }
  }

  @Nested
  class AcrossServices {
    private final Policy billing = PUSH_BY_DEFAULT.validate(new PolicySpec("billing",
        List.of("hdfs:/data/billing", "hbase:billing:*"), List.of("every:1h"), null, null, null, null, null, null),
        NOW);

    private Policy policy(String service, String... dataSets) {
      return PUSH_BY_DEFAULT.validate(new PolicySpec(service, List.of(dataSets), List.of("every:1h"), null, null,
          null, null, null, null), NOW);
    }

    @Test
    void disjointServicesPass() {
      assertDoesNotThrow(() -> PolicyValidator.checkNoOverlap(policy("reports", "hdfs:/data/bill",
          "hdfs:/data/billing-archive", "hbase:reports:*", "hbase:billing2:orders"), List.of(billing)));
      assertDoesNotThrow(() -> PolicyValidator.checkNoOverlap(billing, List.of()));
    }

    @Test
    void sharedDirectoryIsAConflictNamingBothServicesAndDataSets() {
      Policy reports = policy("reports", "hdfs:/data/reports", "hdfs:/data/billing/monthly");
      TandemException e = assertThrows(TandemException.class,
          () -> PolicyValidator.checkNoOverlap(reports, List.of(billing)));
      assertEquals(TandemException.Kind.CONFLICT, e.kind());
      String msg = e.getMessage();
      assertTrue(msg.contains("hdfs:/data/billing/monthly of service reports"), msg);
      assertTrue(msg.contains("hdfs:/data/billing of service billing"), msg);
    }

    @Test
    void tableInAnotherServicesNamespaceIsAConflict() {
      Policy audit = policy("audit", "hbase:billing:audit_log");
      TandemException e = assertThrows(TandemException.class,
          () -> PolicyValidator.checkNoOverlap(audit, List.of(policy("other", "hdfs:/other"), billing)));
      assertEquals(TandemException.Kind.CONFLICT, e.kind());
      assertTrue(e.getMessage().contains("hbase:billing:audit_log") && e.getMessage().contains("hbase:billing:*"),
          e.getMessage());
      assertTrue(e.getMessage().contains("service audit") && e.getMessage().contains("service billing"));
    }

    @Test
    void theSameServiceIsIgnored() {
      // An update of billing's own policy is compared with the others, not with its stored self.
      Policy billingUpdated = policy("billing", "hdfs:/data/billing", "hdfs:/data/billing-extra");
      assertDoesNotThrow(() -> PolicyValidator.checkNoOverlap(billingUpdated, List.of(billing)));
    }
  }
}
