package io.tandem.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class CronExpressionTest {

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    private static Instant next(String expr, String after) {
        return CronExpression.parse(expr).nextAfter(at(after));
    }

    /** The first {@code n} fire times after {@code after}, as ISO strings. */
    private static List<String> fires(String expr, String after, int n) {
        CronExpression cron = CronExpression.parse(expr);
        List<String> out = new ArrayList<>();
        Instant t = at(after);
        for (int i = 0; i < n; i++) {
            t = cron.nextAfter(t);
            out.add(t.toString());
        }
        return out;
    }

    private static String parseError(String expr) {
        return assertThrows(IllegalArgumentException.class, () -> CronExpression.parse(expr)).getMessage();
    }

    @Nested
    class Syntax {

        @Test
        void everyMinute() {
            assertEquals(List.of("2026-03-10T10:01:00Z", "2026-03-10T10:02:00Z"),
                    fires("* * * * *", "2026-03-10T10:00:00Z", 2));
        }

        @Test
        void singleNumbers() {
            assertEquals(at("2026-03-10T02:30:00Z"), next("30 2 * * *", "2026-03-10T00:00:00Z"));
            assertEquals(at("2026-03-11T02:30:00Z"), next("30 2 * * *", "2026-03-10T02:30:00Z"));
        }

        @Test
        void ranges() {
            assertEquals(List.of("2026-03-10T16:00:00Z", "2026-03-10T17:00:00Z", "2026-03-11T09:00:00Z"),
                    fires("0 9-17 * * *", "2026-03-10T15:30:00Z", 3));
        }

        @Test
        void lists() {
            assertEquals(List.of("2026-03-10T10:15:00Z", "2026-03-10T10:45:00Z", "2026-03-10T11:15:00Z"),
                    fires("15,45 * * * *", "2026-03-10T10:00:00Z", 3));
        }

        @Test
        void listsMixRangesAndSteps() {
            assertEquals(List.of("2026-03-10T01:00:00Z", "2026-03-10T03:00:00Z", "2026-03-10T05:00:00Z",
                            "2026-03-10T20:00:00Z", "2026-03-10T21:00:00Z", "2026-03-11T01:00:00Z"),
                    fires("0 1-5/2,20-21 * * *", "2026-03-10T00:00:00Z", 6));
        }

        @Test
        void starStep() {
            assertEquals(List.of("2026-03-10T10:15:00Z", "2026-03-10T10:30:00Z", "2026-03-10T10:45:00Z",
                            "2026-03-10T11:00:00Z"),
                    fires("*/15 * * * *", "2026-03-10T10:00:00Z", 4));
            assertEquals(List.of("2026-03-10T18:00:00Z", "2026-03-11T00:00:00Z"),
                    fires("0 */6 * * *", "2026-03-10T12:00:00Z", 2));
        }

        @Test
        void rangeStep() {
            assertEquals(List.of("2026-03-10T10:10:00Z", "2026-03-10T10:30:00Z", "2026-03-10T10:50:00Z",
                            "2026-03-10T11:10:00Z"),
                    fires("10-50/20 * * * *", "2026-03-10T10:00:00Z", 4));
        }

        @Test
        void dayOfMonthStep() {
            assertEquals(List.of("2026-01-21T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"),
                    fires("0 0 1-31/10 * *", "2026-01-20T00:00:00Z", 3));
        }

        @Test
        void monthNamesAreCaseInsensitive() {
            assertEquals(List.of("2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"),
                    fires("0 0 1 JAN,jul *", "2026-02-01T00:00:00Z", 2));
            assertEquals(List.of("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z",
                            "2027-03-01T00:00:00Z"),
                    fires("0 0 1 Mar-may *", "2026-02-01T00:00:00Z", 4));
        }

        @Test
        void monthNumbersEqualNames() {
            assertEquals(fires("0 0 1 3-5 *", "2026-02-01T00:00:00Z", 5),
                    fires("0 0 1 MAR-MAY *", "2026-02-01T00:00:00Z", 5));
        }

        @Test
        void dayNamesAreCaseInsensitive() {
            // 2026-03-13 is a Friday.
            assertEquals(List.of("2026-03-13T00:00:00Z", "2026-03-16T00:00:00Z"),
                    fires("0 0 * * mon-FRI", "2026-03-12T00:00:00Z", 2));
            assertEquals(List.of("2026-03-14T00:00:00Z", "2026-03-15T00:00:00Z", "2026-03-21T00:00:00Z"),
                    fires("0 0 * * SAT,sun", "2026-03-12T00:00:00Z", 3));
        }

        @Test
        void sundayIsZeroAndSeven() {
            // 2026-03-15 is a Sunday.
            List<String> zero = fires("0 0 * * 0", "2026-03-10T00:00:00Z", 3);
            assertEquals(List.of("2026-03-15T00:00:00Z", "2026-03-22T00:00:00Z", "2026-03-29T00:00:00Z"), zero);
            assertEquals(zero, fires("0 0 * * 7", "2026-03-10T00:00:00Z", 3));
            assertEquals(zero, fires("0 0 * * SUN", "2026-03-10T00:00:00Z", 3));
        }

        @Test
        void rangeEndingInSevenIncludesSunday() {
            assertEquals(List.of("2026-03-13T00:00:00Z", "2026-03-14T00:00:00Z", "2026-03-15T00:00:00Z",
                            "2026-03-20T00:00:00Z"),
                    fires("0 0 * * 5-7", "2026-03-12T00:00:00Z", 4));
        }

        @Test
        void fullWeekRangeMatchesEveryDay() {
            assertEquals(fires("0 0 * * *", "2026-03-10T00:00:00Z", 8),
                    fires("0 0 * * 0-7", "2026-03-10T00:00:00Z", 8));
        }

        @Test
        void extraWhitespaceIsAccepted() {
            assertEquals(at("2026-03-10T02:00:00Z"), next("  0\t2  * *\n* ", "2026-03-10T00:00:00Z"));
        }
    }

    @Nested
    class DayOfMonthOrDayOfWeek {

        @Test
        void bothRestrictedMatchesEither() {
            // 2026-01-02 and 09 are Fridays; 2026-01-13 is a Tuesday matched by day-of-month alone.
            assertEquals(List.of("2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z",
                            "2026-01-16T00:00:00Z"),
                    fires("0 0 13 * FRI", "2026-01-01T00:00:00Z", 4));
        }

        @Test
        void onlyDayOfWeekRestrictedMatchesThoseDays() {
            // 2026-01-05 is a Monday.
            assertEquals(List.of("2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"),
                    fires("0 0 * * MON", "2026-01-01T00:00:00Z", 2));
        }

        @Test
        void onlyDayOfMonthRestrictedMatchesThoseDays() {
            assertEquals(List.of("2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"),
                    fires("0 0 13 * *", "2026-01-01T00:00:00Z", 2));
        }

        @Test
        void starStepCountsAsUnrestrictedLikeVixie() {
            // "*/2" starts with '*', so both fields must match: odd days that are Mondays.
            assertEquals(List.of("2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z"),
                    fires("0 0 */2 * MON", "2026-01-01T00:00:00Z", 3));
        }

        @Test
        void explicitFullRangeCountsAsRestricted() {
            // "1-31" does not start with '*': OR with Mondays, so every day fires.
            assertEquals(fires("0 0 * * *", "2026-01-01T00:00:00Z", 10),
                    fires("0 0 1-31 * MON", "2026-01-01T00:00:00Z", 10));
        }

        @Test
        void monthStillRestrictsTheOr() {
            // Day 31 never occurs in February, but the Mondays of February still fire.
            assertEquals(List.of("2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z",
                            "2026-02-23T00:00:00Z", "2027-02-01T00:00:00Z"),
                    fires("0 0 31 2 MON", "2026-01-01T00:00:00Z", 5));
        }
    }

    @Nested
    class Rollover {

        @Test
        void hourRollover() {
            assertEquals(at("2026-03-10T11:05:00Z"), next("5 * * * *", "2026-03-10T10:05:00Z"));
        }

        @Test
        void dayRollover() {
            assertEquals(at("2026-03-11T00:00:00Z"), next("0 0 * * *", "2026-03-10T23:59:00Z"));
        }

        @Test
        void monthRollover() {
            assertEquals(at("2026-02-01T00:00:00Z"), next("0 0 1 * *", "2026-01-31T12:00:00Z"));
        }

        @Test
        void shortMonthsAreSkipped() {
            // April has no 31st.
            assertEquals(List.of("2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"),
                    fires("0 0 31 * *", "2026-04-01T00:00:00Z", 3));
        }

        @Test
        void yearRollover() {
            assertEquals(at("2027-01-01T00:00:00Z"), next("0 0 1 1 *", "2026-06-15T00:00:00Z"));
            assertEquals(at("2027-12-31T23:59:00Z"), next("59 23 31 12 *", "2026-12-31T23:59:00Z"));
            assertEquals(at("2027-01-01T00:00:00Z"), next("* * * * *", "2026-12-31T23:59:30Z"));
        }

        @Test
        void leapDay() {
            assertEquals(at("2028-02-29T00:00:00Z"), next("0 0 29 2 *", "2026-01-01T00:00:00Z"));
            assertEquals(at("2032-02-29T00:00:00Z"), next("0 0 29 2 *", "2028-02-29T00:00:00Z"));
        }

        @Test
        void centuryYearWithoutLeapDay() {
            // 2100 is not a leap year.
            assertEquals(at("2104-02-29T00:00:00Z"), next("0 0 29 2 *", "2096-03-01T00:00:00Z"));
        }

        @Test
        void leapDayOnASundayTakesDecades() {
            // "*/7" (0 and 7, both Sunday) starts with '*', so Feb 29 must also be a Sunday.
            assertEquals(at("2032-02-29T00:00:00Z"), next("0 0 29 2 */7", "2026-01-01T00:00:00Z"));
            assertEquals(at("2060-02-29T00:00:00Z"), next("0 0 29 2 */7", "2032-02-29T00:00:00Z"));
        }
    }

    @Nested
    class NextAfterSemantics {

        @Test
        void strictlyAfterAFireTime() {
            assertEquals(at("2026-03-10T10:15:00Z"), next("*/15 * * * *", "2026-03-10T10:00:00Z"));
        }

        @Test
        void secondsAreTruncated() {
            assertEquals(at("2026-03-10T10:01:00Z"), next("* * * * *", "2026-03-10T10:00:59.999999999Z"));
            assertEquals(at("2026-03-10T10:15:00Z"), next("*/15 * * * *", "2026-03-10T10:00:01Z"));
            // 10:14:30 truncates to 10:14, so 10:15 is still next.
            assertEquals(at("2026-03-10T10:15:00Z"), next("*/15 * * * *", "2026-03-10T10:14:30Z"));
        }

        @Test
        void worksBeforeTheEpoch() {
            assertEquals(at("1969-12-31T23:59:00Z"), next("* * * * *", "1969-12-31T23:58:30Z"));
        }

        @Test
        void isFastForSparseExpressions() {
            CronExpression leap = CronExpression.parse("0 0 29 2 */7");
            CronExpression minutely = CronExpression.parse("59 23 31 12 *");
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                Instant t = at("2000-01-01T00:00:00Z");
                for (int i = 0; i < 1_000; i++) {
                    t = leap.nextAfter(t);
                }
                assertTrue(t.isAfter(at("9000-01-01T00:00:00Z")), t.toString());
                Instant u = at("2000-01-01T00:00:00Z");
                for (int i = 0; i < 1_000; i++) {
                    u = minutely.nextAfter(u);
                }
                assertEquals(at("2999-12-31T23:59:00Z"), u);
            });
        }

        @Test
        void rejectsNull() {
            CronExpression cron = CronExpression.parse("* * * * *");
            assertThrows(NullPointerException.class, () -> cron.nextAfter(null));
            assertThrows(NullPointerException.class, () -> CronExpression.parse(null));
        }
    }

    @Nested
    class Identity {

        @Test
        void toStringIsTheExpression() {
            assertEquals("0 2 * * mon-fri", CronExpression.parse("0 2 * * mon-fri").toString());
        }

        @Test
        void toStringNormalizesWhitespace() {
            assertEquals("0 2 * * *", CronExpression.parse(" 0  2\t* * * ").toString());
        }

        @Test
        void equalityFollowsText() {
            CronExpression a = CronExpression.parse("0 2 * * *");
            assertEquals(a, CronExpression.parse("0 2 * * *"));
            assertEquals(a.hashCode(), CronExpression.parse("0 2 * * *").hashCode());
            assertEquals(a, CronExpression.parse("0  2 * * *"));
            // Same fire times, different text: not equal.
            assertNotEquals(CronExpression.parse("0 0 * * 0"), CronExpression.parse("0 0 * * 7"));
            assertNotEquals(a, "0 2 * * *");
        }
    }

    @Nested
    class Errors {

        @Test
        void wrongFieldCount() {
            assertEquals("bad cron \"0 2 * *\": expected 5 fields (minute hour day-of-month month day-of-week), got 4",
                    parseError("0 2 * *"));
            assertEquals("bad cron \"0 0 2 * * *\": expected 5 fields (minute hour day-of-month month day-of-week), got 6",
                    parseError("0 0 2 * * *"));
            assertEquals("bad cron \"\": expected 5 fields (minute hour day-of-month month day-of-week), got 0",
                    parseError("  "));
        }

        @Test
        void outOfRangePerField() {
            assertEquals("bad cron \"0 25 * * *\": hour field \"25\" is out of range 0-23", parseError("0 25 * * *"));
            assertEquals("bad cron \"60 * * * *\": minute field \"60\" is out of range 0-59", parseError("60 * * * *"));
            assertEquals("bad cron \"0 0 0 * *\": day-of-month field \"0\" is out of range 1-31", parseError("0 0 0 * *"));
            assertEquals("bad cron \"0 0 32 * *\": day-of-month field \"32\" is out of range 1-31", parseError("0 0 32 * *"));
            assertEquals("bad cron \"0 0 * 13 *\": month field \"13\" is out of range 1-12", parseError("0 0 * 13 *"));
            assertEquals("bad cron \"0 0 * 0 *\": month field \"0\" is out of range 1-12", parseError("0 0 * 0 *"));
            assertEquals("bad cron \"0 0 * * 8\": day-of-week field \"8\" is out of range 0-7", parseError("0 0 * * 8"));
            assertEquals("bad cron \"99999999999 * * * *\": minute field \"99999999999\" is out of range 0-59",
                    parseError("99999999999 * * * *"));
        }

        @Test
        void outOfRangeInsideListOrRangeNamesThePart() {
            assertEquals("bad cron \"0 1,25 * * *\": hour field \"1,25\": \"25\" is out of range 0-23",
                    parseError("0 1,25 * * *"));
            assertEquals("bad cron \"0 20-24 * * *\": hour field \"20-24\": \"24\" is out of range 0-23",
                    parseError("0 20-24 * * *"));
        }

        @Test
        void notANumber() {
            assertEquals("bad cron \"x * * * *\": minute field \"x\" is not a number", parseError("x * * * *"));
            assertEquals("bad cron \"0 MON * * *\": hour field \"MON\" is not a number", parseError("0 MON * * *"));
            assertEquals("bad cron \"0 0 * FOO *\": month field \"FOO\" is not a number or month name (JAN-DEC)",
                    parseError("0 0 * FOO *"));
            assertEquals("bad cron \"0 0 * MON *\": month field \"MON\" is not a number or month name (JAN-DEC)",
                    parseError("0 0 * MON *"));
            assertEquals("bad cron \"0 0 * * MONDAY\": day-of-week field \"MONDAY\" is not a number or day name (SUN-SAT)",
                    parseError("0 0 * * MONDAY"));
            assertEquals("bad cron \"0 0 * * JAN\": day-of-week field \"JAN\" is not a number or day name (SUN-SAT)",
                    parseError("0 0 * * JAN"));
            assertEquals("bad cron \"1.5 * * * *\": minute field \"1.5\" is not a number", parseError("1.5 * * * *"));
        }

        @Test
        void malformedRange() {
            assertEquals("bad cron \"-5 * * * *\": minute field \"-5\" is malformed (missing a number)",
                    parseError("-5 * * * *"));
            assertEquals("bad cron \"5- * * * *\": minute field \"5-\" is malformed (missing a number)",
                    parseError("5- * * * *"));
            assertEquals("bad cron \"1-2-3 * * * *\": minute field \"1-2-3\": \"2-3\" is not a number",
                    parseError("1-2-3 * * * *"));
        }

        @Test
        void backwardsRange() {
            assertEquals("bad cron \"0 17-9 * * *\": hour field \"17-9\" is a backwards range (17 > 9)",
                    parseError("0 17-9 * * *"));
            assertEquals("bad cron \"0 0 * * FRI-MON\": day-of-week field \"FRI-MON\" is a backwards range (5 > 1)",
                    parseError("0 0 * * FRI-MON"));
            assertEquals("bad cron \"50-10/5 * * * *\": minute field \"50-10/5\": \"50-10\" is a backwards range (50 > 10)",
                    parseError("50-10/5 * * * *"));
        }

        @Test
        void badStep() {
            assertEquals("bad cron \"*/0 * * * *\": minute field \"*/0\": \"0\" is not a valid step (expected 1-60)",
                    parseError("*/0 * * * *"));
            assertEquals("bad cron \"0 */x * * *\": hour field \"*/x\": \"x\" is not a valid step (expected 1-24)",
                    parseError("0 */x * * *"));
            assertEquals("bad cron \"0 */25 * * *\": hour field \"*/25\": \"25\" is not a valid step (expected 1-24)",
                    parseError("0 */25 * * *"));
            assertEquals("bad cron \"*/ * * * *\": minute field \"*/\": \"\" is not a valid step (expected 1-60)",
                    parseError("*/ * * * *"));
            assertEquals("bad cron \"*/2/3 * * * *\": minute field \"*/2/3\": \"2/3\" is not a valid step (expected 1-60)",
                    parseError("*/2/3 * * * *"));
        }

        @Test
        void stepWithoutRange() {
            assertEquals("bad cron \"5/10 * * * *\": minute field \"5/10\" has a step without a range (write a-b/n or */n)",
                    parseError("5/10 * * * *"));
        }

        @Test
        void emptyListElement() {
            assertEquals("bad cron \"1,,2 * * * *\": minute field \"1,,2\" has an empty list element",
                    parseError("1,,2 * * * *"));
            assertEquals("bad cron \"0 0 * * 1,\": day-of-week field \"1,\" has an empty list element",
                    parseError("0 0 * * 1,"));
        }

        @Test
        void neverFires() {
            assertEquals("bad cron \"0 0 31 2 *\": never fires: day-of-month field \"31\" has no day that exists "
                    + "in month field \"2\"", parseError("0 0 31 2 *"));
            assertTrue(parseError("0 0 30,31 FEB *").contains("never fires"));
            assertTrue(parseError("0 0 31 4,6,9,11 *").contains("never fires"));
            assertTrue(parseError("0 0 31 2 */7").contains("never fires"));
        }

        @Test
        void possibleButRareIsAccepted() {
            CronExpression.parse("0 0 29 2 *");
            CronExpression.parse("0 0 31 1,2 *");
            CronExpression.parse("0 0 31 2 MON");
        }

        @Test
        void macrosAreNotSupported() {
            assertEquals("bad cron \"@daily\": expected 5 fields (minute hour day-of-month month day-of-week), got 1",
                    parseError("@daily"));
        }

        @Test
        void messagesAreOneLine() {
            assertTrue(!parseError("0\n25\n*\n*\n*").contains("\n"));
        }
    }
}
