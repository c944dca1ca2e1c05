package io.tandem.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ScheduleTest {

    private static final String USAGE =
            "expected once:<ISO instant>, every:<n>[s|m|h|d] or cron:<5-field expression>";

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    private static String parseError(String text) {
        return assertThrows(IllegalArgumentException.class, () -> Schedule.parse(text)).getMessage();
    }

    @Nested
    class Parsing {

        @Test
        void once() {
            Schedule s = Schedule.parse("once:2026-12-01T02:00:00Z");
            assertEquals(new Schedule.Once(at("2026-12-01T02:00:00Z")), s);
        }

        @Test
        void everyInEachUnit() {
            assertEquals(new Schedule.Every(Duration.ofSeconds(90)), Schedule.parse("every:90s"));
            assertEquals(new Schedule.Every(Duration.ofMinutes(15)), Schedule.parse("every:15m"));
            assertEquals(new Schedule.Every(Duration.ofHours(6)), Schedule.parse("every:6h"));
            assertEquals(new Schedule.Every(Duration.ofDays(7)), Schedule.parse("every:7d"));
        }

        @Test
        void everyAcceptsExactlyTheMinimum() {
            assertEquals(new Schedule.Every(Duration.ofMinutes(1)), Schedule.parse("every:60s"));
            assertEquals(new Schedule.Every(Duration.ofMinutes(1)), Schedule.parse("every:1m"));
        }

        @Test
        void cron() {
            Schedule s = Schedule.parse("cron:0 2 * * *");
            assertEquals(new Schedule.Cron(CronExpression.parse("0 2 * * *")), s);
        }

        @Test
        void surroundingWhitespaceIsIgnored() {
            assertEquals(Schedule.parse("every:15m"), Schedule.parse("  every: 15m \n"));
            assertEquals(Schedule.parse("cron:0 2 * * *"), Schedule.parse(" cron: 0 2 * * * "));
        }

        @Test
        void nullIsRejected() {
            assertThrows(NullPointerException.class, () -> Schedule.parse(null));
        }
    }

    @Nested
    class Errors {

        @Test
        void unknownForm() {
            assertEquals("bad schedule \"xyz\": " + USAGE, parseError("xyz"));
            assertEquals("bad schedule \"\": " + USAGE, parseError(""));
            assertEquals("bad schedule \"daily:02:00\": " + USAGE, parseError("daily:02:00"));
            assertEquals("bad schedule \"EVERY:15m\": " + USAGE, parseError("EVERY:15m"));
            assertEquals("bad schedule \"0 2 * * *\": " + USAGE, parseError("0 2 * * *"));
        }

        @Test
        void onceWithBadInstant() {
            assertEquals("bad schedule \"once:tomorrow\": \"tomorrow\" is not an ISO-8601 instant "
                    + "(e.g. 2026-12-01T02:00:00Z)", parseError("once:tomorrow"));
            assertTrue(parseError("once:2026-12-01").contains("\"2026-12-01\" is not an ISO-8601 instant"));
            assertTrue(parseError("once:").contains("is not an ISO-8601 instant"));
        }

        @Test
        void everyMalformed() {
            String expected = "expected every:<n>[s|m|h|d] with a whole number n, e.g. every:15m";
            for (String bad : List.of("every:", "every:15", "every:m", "every:1.5h", "every:-5m", "every:15w",
                    "every:15M", "every:15 m", "every:PT15M")) {
                assertEquals("bad schedule \"" + bad + "\": " + expected, parseError(bad), bad);
            }
        }

        @Test
        void everyBelowMinimumNamesTheMinimum() {
            assertEquals("bad schedule \"every:30s\": interval 30s is below the minimum of 1 minute (every:1m)",
                    parseError("every:30s"));
            assertTrue(parseError("every:59s").contains("minimum of 1 minute"));
            assertTrue(parseError("every:0m").contains("minimum of 1 minute"));
        }

        @Test
        void everyTooLarge() {
            assertEquals("bad schedule \"every:99999999999999999999d\": interval 99999999999999999999d is too large",
                    parseError("every:99999999999999999999d"));
            assertTrue(parseError("every:9223372036854775807d").contains("too large"));
            // Past the 366-day bound, and where interval arithmetic would overflow a Duration.
            for (String text : List.of("every:367d", "every:31622401s", "every:527041m", "every:8785h",
                    "every:4611686018427387904s", "every:32000000000000000s")) {
                assertTrue(parseError(text).contains("too large"), text);
            }
            assertEquals(Duration.ofDays(366), ((Schedule.Every) Schedule.parse("every:366d")).interval());
            assertThrows(IllegalArgumentException.class, () -> new Schedule.Every(Duration.ofDays(367)));
        }

        @Test
        void cronErrorsComeFromCronExpression() {
            assertEquals("bad cron \"0 25 * * *\": hour field \"25\" is out of range 0-23",
                    parseError("cron:0 25 * * *"));
            assertTrue(parseError("cron:0 2 * *").contains("expected 5 fields"));
            assertTrue(parseError("cron:0 0 31 2 *").contains("never fires"));
        }

        @Test
        void recordsValidateDirectConstruction() {
            assertThrows(NullPointerException.class, () -> new Schedule.Once(null));
            assertThrows(NullPointerException.class, () -> new Schedule.Every(null));
            assertThrows(NullPointerException.class, () -> new Schedule.Cron(null));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Schedule.Every(Duration.ofSeconds(59)))
                    .getMessage().contains("minimum of 1 minute"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Schedule.Every(Duration.ofMillis(90_500)))
                    .getMessage().contains("whole number of seconds"));
        }
    }

    @Nested
    class Text {

        @Test
        void canonicalForms() {
            assertEquals("once:2026-12-01T02:00:00Z", Schedule.parse("once:2026-12-01T02:00:00Z").text());
            assertEquals("every:15m", Schedule.parse("every:15m").text());
            assertEquals("every:90s", Schedule.parse("every:90s").text());
            assertEquals("every:6h", Schedule.parse("every:6h").text());
            assertEquals("every:2d", Schedule.parse("every:2d").text());
            assertEquals("cron:0 2 * * *", Schedule.parse("cron:0 2 * * *").text());
        }

        @Test
        void everyUsesTheLargestExactUnit() {
            assertEquals("every:1m", Schedule.parse("every:60s").text());
            assertEquals("every:1h", Schedule.parse("every:60m").text());
            assertEquals("every:1d", Schedule.parse("every:24h").text());
            assertEquals("every:90m", Schedule.parse("every:90m").text());
            assertEquals("every:36h", Schedule.parse("every:36h").text());
        }

        @Test
        void cronTextNormalizesWhitespaceButKeepsCase() {
            assertEquals("cron:0 2 * * mon-fri", Schedule.parse("cron:0  2 * *\tmon-fri").text());
        }

        @Test
        void roundTrips() {
            for (String text : List.of("once:2026-12-01T02:00:00Z", "once:2026-12-01T02:00:00.250Z",
                    "once:1999-01-01T00:00:00Z", "every:1m", "every:61s", "every:15m", "every:90m", "every:6h",
                    "every:36h", "every:7d", "every:60s", "every:120m", "cron:0 2 * * *",
                    "cron:*/15 9-17 * JAN-jun MON-FRI", "cron:0 0 13 * FRI")) {
                Schedule s = Schedule.parse(text);
                Schedule again = Schedule.parse(s.text());
                assertEquals(s, again, text);
                assertEquals(s.text(), again.text(), text);
            }
        }

        @Test
        void directlyConstructedSchedulesRoundTrip() {
            for (Schedule s : List.of(new Schedule.Once(Instant.ofEpochSecond(1_800_000_000L, 123)),
                    new Schedule.Every(Duration.ofSeconds(3_601)),
                    new Schedule.Every(Duration.ofDays(366)),
                    new Schedule.Cron(CronExpression.parse("5 4 * * sun")))) {
                assertEquals(s, Schedule.parse(s.text()), s.text());
            }
        }
    }

    @Nested
    class OnceNextAfter {

        private final Schedule once = Schedule.parse("once:2026-12-01T02:00:00Z");
        private final Instant anchor = at("2026-01-01T00:00:00Z");

        @Test
        void inTheFutureFires() {
            assertEquals(Optional.of(at("2026-12-01T02:00:00Z")), once.nextAfter(at("2026-11-30T00:00:00Z"), anchor));
        }

        @Test
        void inThePastNeverFires() {
            assertEquals(Optional.empty(), once.nextAfter(at("2026-12-01T02:00:01Z"), anchor));
        }

        @Test
        void atExactlyTheInstantHasAlreadyFired() {
            assertEquals(Optional.empty(), once.nextAfter(at("2026-12-01T02:00:00Z"), anchor));
        }

        @Test
        void hasNoTypicalInterval() {
            assertEquals(Optional.empty(), once.typicalInterval());
        }
    }

    @Nested
    class EveryNextAfter {

        private final Schedule every15 = Schedule.parse("every:15m");
        private final Instant anchor = at("2026-03-10T10:00:00Z");

        @Test
        void beforeTheAnchorFiresAtTheAnchor() {
            assertEquals(Optional.of(anchor), every15.nextAfter(at("2026-03-09T00:00:00Z"), anchor));
            assertEquals(Optional.of(anchor), every15.nextAfter(at("2026-03-10T09:59:59.999Z"), anchor));
        }

        @Test
        void atTheAnchorFiresOneIntervalLater() {
            assertEquals(Optional.of(at("2026-03-10T10:15:00Z")), every15.nextAfter(anchor, anchor));
        }

        @Test
        void betweenGridPointsFiresAtTheNext() {
            assertEquals(Optional.of(at("2026-03-10T10:30:00Z")), every15.nextAfter(at("2026-03-10T10:20:00Z"), anchor));
        }

        @Test
        void onAGridPointFiresAtTheFollowingOne() {
            assertEquals(Optional.of(at("2026-03-10T10:45:00Z")), every15.nextAfter(at("2026-03-10T10:30:00Z"), anchor));
        }

        @Test
        void staysOnTheAnchorGridLongAfterwards() {
            Instant anchorOffGrid = at("2026-03-10T10:07:13Z");
            Optional<Instant> next = every15.nextAfter(at("2031-07-04T18:00:00Z"), anchorOffGrid);
            assertEquals(Optional.of(at("2031-07-04T18:07:13Z")), next);
            long sinceAnchor = Duration.between(anchorOffGrid, next.orElseThrow()).getSeconds();
            assertEquals(0, sinceAnchor % (15 * 60));
        }

        @Test
        void subSecondPositionsAreHandled() {
            Instant anchorWithNanos = at("2026-03-10T10:00:00.5Z");
            assertEquals(Optional.of(at("2026-03-10T10:15:00.5Z")),
                    every15.nextAfter(at("2026-03-10T10:00:00.6Z"), anchorWithNanos));
            assertEquals(Optional.of(at("2026-03-10T10:15:00.5Z")),
                    every15.nextAfter(at("2026-03-10T10:15:00.4Z"), anchorWithNanos));
        }

        @Test
        void dailyInterval() {
            Schedule daily = Schedule.parse("every:1d");
            assertEquals(Optional.of(at("2026-03-13T10:00:00Z")), daily.nextAfter(at("2026-03-12T10:00:00Z"), anchor));
        }

        @Test
        void typicalIntervalIsTheInterval() {
            assertEquals(Optional.of(Duration.ofMinutes(15)), every15.typicalInterval());
        }

        @Test
        void rejectsNullArguments() {
            assertThrows(NullPointerException.class, () -> every15.nextAfter(null, anchor));
            assertThrows(NullPointerException.class, () -> every15.nextAfter(anchor, null));
        }
    }

    @Nested
    class CronNextAfter {

        @Test
        void delegatesToTheExpressionAndIgnoresTheAnchor() {
            Schedule s = Schedule.parse("cron:0 2 * * *");
            assertInstanceOf(Schedule.Cron.class, s);
            assertEquals(Optional.of(at("2026-03-11T02:00:00Z")),
                    s.nextAfter(at("2026-03-10T02:00:00Z"), at("2020-01-01T00:00:00Z")));
            assertEquals(Optional.of(at("2026-03-11T02:00:00Z")),
                    s.nextAfter(at("2026-03-10T02:00:00Z"), at("2030-01-01T00:00:00Z")));
        }

        @Test
        void typicalIntervalIsTheGapBetweenTwoFires() {
            assertEquals(Optional.of(Duration.ofDays(1)), Schedule.parse("cron:0 2 * * *").typicalInterval());
            assertEquals(Optional.of(Duration.ofMinutes(15)), Schedule.parse("cron:*/15 * * * *").typicalInterval());
            assertEquals(Optional.of(Duration.ofHours(1)), Schedule.parse("cron:30 * * * *").typicalInterval());
            assertEquals(Optional.of(Duration.ofDays(7)), Schedule.parse("cron:0 3 * * SUN").typicalInterval());
        }
    }
}
