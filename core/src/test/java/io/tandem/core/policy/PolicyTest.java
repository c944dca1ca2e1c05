package io.tandem.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.tandem.core.schedule.CronExpression;
import io.tandem.core.schedule.Schedule;

class PolicyTest {

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  private static Policy policy(Instant createdAt, Schedule... schedules) {
    return new Policy("billing", List.of(DataSet.parse("hdfs:/data/billing")), List.of(schedules), TransferMode.PUSH,
        7, 7_200, List.of(), List.of(), createdAt);
  }

  @Nested
  class NextMoment {
    // Anchored at 00:00:20 so the every:1d grid differs from midnight and shows the anchor is used.
    private final Policy p = policy(at("2026-01-01T00:00:20Z"),
        new Schedule.Every(Duration.ofDays(1)),
        new Schedule.Cron(CronExpression.parse("30 12 * * *")),
        new Schedule.Once(at("2026-01-05T06:00:00Z")));

    @Test
    void theEarliestOverAllSchedulesWins() {
      assertEquals(at("2026-01-05T06:00:00Z"), p.nextMoment(at("2026-01-05T01:00:00Z")), "the one-off");
      assertEquals(at("2026-01-05T12:30:00Z"), p.nextMoment(at("2026-01-05T07:00:00Z")), "the cron");
      assertEquals(at("2026-01-06T00:00:20Z"), p.nextMoment(at("2026-01-05T13:00:00Z")), "the interval");
    }

    @Test
    void strictlyAfter() {
      assertEquals(at("2026-01-05T12:30:00Z"), p.nextMoment(at("2026-01-05T06:00:00Z")));
      assertEquals(at("2026-01-06T12:30:00Z"), p.nextMoment(at("2026-01-06T00:00:20Z")));
    }

    @Test
    void beforeTheAnchorTheIntervalFiresAtTheAnchor() {
      assertEquals(at("2026-01-01T00:00:20Z"), p.nextMoment(at("2025-12-31T23:00:00Z")));
    }

    @Test
    void spentOneOffsAreSkipped() {
      Policy twoOnce = policy(at("2026-01-01T00:00:00Z"), new Schedule.Once(at("2026-02-01T00:00:00Z")),
          new Schedule.Once(at("2026-03-01T00:00:00Z")));
      assertEquals(at("2026-02-01T00:00:00Z"), twoOnce.nextMoment(at("2026-01-15T00:00:00Z")));
      assertEquals(at("2026-03-01T00:00:00Z"), twoOnce.nextMoment(at("2026-02-01T00:00:00Z")));
      assertNull(twoOnce.nextMoment(at("2026-03-01T00:00:00Z")));
    }

    @Test
    void scheduleOrderDoesNotMatter() {
      Policy reversed = policy(p.createdAt(), p.schedules().get(2), p.schedules().get(1), p.schedules().get(0));
      for (String after : List.of("2026-01-05T01:00:00Z", "2026-01-05T07:00:00Z", "2026-01-05T13:00:00Z")) {
        assertEquals(p.nextMoment(at(after)), reversed.nextMoment(at(after)), after);
      }
    }
  }

  @Nested
  class Construction {

    @Test
    void listsAreCopiedAndImmutable() {
      java.util.ArrayList<DataSet> sets = new java.util.ArrayList<>(List.of(DataSet.parse("hdfs:/a")));
      Policy p = new Policy("billing", sets, List.of(new Schedule.Every(Duration.ofHours(1))), TransferMode.PUSH, 7,
          7_200, List.of(), List.of(), at("2026-01-01T00:00:00Z"));
      sets.add(DataSet.parse("hdfs:/b"));
      assertEquals(1, p.dataSets().size());
      assertThrows(UnsupportedOperationException.class, () -> p.dataSets().add(DataSet.parse("hdfs:/c")));
    }

    @Test
    void requiredFieldsAreChecked() {
      List<DataSet> sets = List.of(DataSet.parse("hdfs:/a"));
      List<Schedule> schedules = List.of(new Schedule.Every(Duration.ofHours(1)));
      Instant t = at("2026-01-01T00:00:00Z");
      assertThrows(NullPointerException.class,
          () -> new Policy(null, sets, schedules, TransferMode.PUSH, 7, 1, List.of(), List.of(), t));
      assertThrows(NullPointerException.class,
          () -> new Policy("b", sets, schedules, null, 7, 1, List.of(), List.of(), t));
      assertThrows(NullPointerException.class,
          () -> new Policy("b", sets, schedules, TransferMode.PUSH, 7, 1, List.of(), List.of(), null));
    }
  }

  @Nested
  class SpecRoundTrip {
    private final Instant created = at("2026-03-10T08:15:30.250Z");
    private final PolicyValidator validator = new PolicyValidator(TransferMode.PUSH);

    private Policy stored() {
      PolicySpec spec = new PolicySpec("billing",
          List.of("hdfs:/data/billing/", "hbase:billing:orders", "hbase:billing_audit:*"),
          List.of("every:90m", "cron:0 2 * * 1-5", "once:2026-03-11T00:00:00Z"), "pull", 3, null,
          List.of("alice"), List.of("billing-admins"), null);
      return validator.validate(spec, created);
    }

    @Test
    void toSpecIsTheAdminsForm() {
      PolicySpec spec = stored().toSpec();
      assertEquals(new PolicySpec("billing",
          List.of("hdfs:/data/billing", "hbase:billing:orders", "hbase:billing_audit:*"),
          List.of("every:90m", "cron:0 2 * * 1-5", "once:2026-03-11T00:00:00Z"), "pull", 3, 10_800L,
          List.of("alice"), List.of("billing-admins"), "2026-03-10T08:15:30.250Z"), spec);
    }

    @Test
    void validatingTheSpecAgainGivesAnEqualPolicyLongAfter() {
      Policy original = stored();
      // A year later the one-off is long past and "now" differs: the stored policy must still load, unchanged.
      Instant muchLater = at("2027-03-10T00:00:00Z");
      Policy reloaded = validator.validate(original.toSpec(), muchLater);
      assertEquals(original, reloaded);
      assertEquals(created, reloaded.createdAt());
    }

    @Test
    void intervalAnchorsSurvive() {
      Policy original = stored();
      Policy reloaded = new PolicyValidator(TransferMode.PULL).validate(original.toSpec(), at("2026-09-01T00:00:00Z"));
      Instant after = at("2026-09-01T00:00:00Z");
      assertEquals(original.nextMoment(after), reloaded.nextMoment(after));
      // 90-minute grid from 08:15:30.250 on 2026-03-10 (a whole number of 90-minute steps later).
      Instant expected = created.plus(Duration.ofMinutes(90).multipliedBy(
          Duration.between(created, after).dividedBy(Duration.ofMinutes(90)) + 1));
      assertEquals(expected, reloaded.nextMoment(after));
    }

    @Test
    void theSpecSurvivesJson() throws JsonProcessingException {
      ObjectMapper mapper = new ObjectMapper();
      PolicySpec spec = stored().toSpec();
      String json = mapper.writeValueAsString(spec);
      assertEquals(spec, mapper.readValue(json, PolicySpec.class));
      assertEquals(stored(), validator.validate(mapper.readValue(json, PolicySpec.class), at("2030-01-01T00:00:00Z")));
    }

    @Test
    void absentFieldsAreLeftOutOfTheJsonAndReadBackAsNull() throws JsonProcessingException {
      ObjectMapper mapper = new ObjectMapper();
      PolicySpec sparse = new PolicySpec("billing", List.of("hdfs:/a"), List.of("every:1h"), null, null, null, null,
          null, null);
      String json = mapper.writeValueAsString(sparse);
      assertEquals(mapper.readTree("{\"service\":\"billing\",\"datasets\":[\"hdfs:/a\"],\"schedules\":[\"every:1h\"]}"),
          mapper.readTree(json));
      assertEquals(sparse, mapper.readValue(json, PolicySpec.class));
    }

    @Test
    void unknownJsonFieldsAreRefusedNamingThem() {
      ObjectMapper mapper = new ObjectMapper();
      Exception e = assertThrows(JsonProcessingException.class, () -> mapper.readValue(
          "{\"service\":\"billing\",\"dataset\":[\"hdfs:/a\"],\"schedules\":[\"every:1h\"]}", PolicySpec.class));
      assertTrue(e.getMessage().contains("\"dataset\""), e.getMessage());
    }
  }
}
