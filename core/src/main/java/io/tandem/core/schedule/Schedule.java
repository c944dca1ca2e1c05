package io.tandem.core.schedule;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * When a backup policy fires: once at an instant, at a fixed interval from the policy's creation, or
 * on a cron expression. All times are UTC.
 *
 * <p>The text form, produced by {@link #text()} and read by {@link #parse(String)}, is one of
 * {@code once:2026-12-01T02:00:00Z}, {@code every:15m} (units {@code s}, {@code m}, {@code h},
 * {@code d}) or {@code cron:0 2 * * *}.
 */
public sealed interface Schedule permits Schedule.Once, Schedule.Every, Schedule.Cron {

    /**
     * The instants Tandem accepts ({@code once:} schedules, a policy's {@code createdAt}): ISO-8601 in
     * the one spelling {@link Instant#toString()} writes, seconds required, an optional fraction of up to
     * 9 digits, {@code Z} or an offset of at most 18:00. Stricter than {@link Instant#parse} alone (which
     * also takes {@code 24:00}, lower-case {@code t}/{@code z} and second-precision offsets), so that the
     * Ambari service advisor, which reads this pattern from policy-rules.json, decides the same. The
     * date must also exist (checked by {@link Instant#parse}).
     */
    Pattern ISO_INSTANT = Pattern.compile("[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            + "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-7]):[0-5][0-9]|[+-]18:00)");

    /** Seconds per unit of an {@code every:} interval. */
    Map<Character, Long> EVERY_UNIT_SECONDS = Map.of('s', 1L, 'm', 60L, 'h', 3_600L, 'd', 86_400L);

    /**
     * Parses an instant of the form {@link #ISO_INSTANT} describes.
     *
     * @throws java.time.DateTimeException if the text has another form or names a date that does not exist
     */
    static Instant parseInstant(String text) {
        if (text == null || !ISO_INSTANT.matcher(text).matches()) {
            throw new DateTimeException("\"" + text + "\" is not an ISO-8601 instant like 2026-12-01T02:00:00Z");
        }
        return Instant.parse(text);
    }

    /**
     * Parses the text form of a schedule. Surrounding whitespace is ignored; the prefixes and units are
     * lower-case.
     *
     * @param text e.g. {@code "every:15m"}
     * @return the schedule
     * @throws NullPointerException if {@code text} is null
     * @throws IllegalArgumentException if the text is not one of the three forms, the instant is not
     *     ISO-8601, the interval is malformed, shorter than one minute or longer than 366 days, or the cron expression is
     *     invalid (that message comes from {@link CronExpression#parse(String)})
     */
    static Schedule parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = CronExpression.trim(text);
        if (s.startsWith("once:")) {
            return parseOnce(s, CronExpression.trim(s.substring("once:".length())));
        }
        if (s.startsWith("every:")) {
            return parseEvery(s, CronExpression.trim(s.substring("every:".length())));
        }
        if (s.startsWith("cron:")) {
            return new Cron(CronExpression.parse(s.substring("cron:".length())));
        }
        throw new IllegalArgumentException("bad schedule \"" + s
                + "\": expected once:<ISO instant>, every:<n>[s|m|h|d] or cron:<5-field expression>");
    }

    /**
     * Returns the canonical text form; {@code Schedule.parse(s.text()).equals(s)} always holds.
     *
     * @return e.g. {@code "every:15m"}
     */
    String text();

    /**
     * Returns the first fire time strictly after {@code after}.
     *
     * @param after the instant to search after, typically now or the last fire time
     * @param anchor when the policy was created; only {@link Every} uses it, as the origin of its grid
     * @return the next fire time, or empty if the schedule will not fire again
     * @throws NullPointerException if either argument is null
     * @throws DateTimeException if the next fire time would lie beyond {@link Instant#MAX}
     */
    Optional<Instant> nextAfter(Instant after, Instant anchor);

    /**
     * Returns the usual gap between fire times, from which a default recovery point objective is derived.
     *
     * @return the interval, or empty for a schedule that fires only once
     */
    Optional<Duration> typicalInterval();

    private static Once parseOnce(String text, String body) {
        try {
            return new Once(parseInstant(body));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("bad schedule \"" + text + "\": \"" + body
                    + "\" is not an ISO-8601 instant (e.g. 2026-12-01T02:00:00Z)", e);
        }
    }

    private static Every parseEvery(String text, String body) {
        char unit = body.isEmpty() ? ' ' : body.charAt(body.length() - 1);
        String digits = body.isEmpty() ? "" : body.substring(0, body.length() - 1);
        long unitSeconds = EVERY_UNIT_SECONDS.getOrDefault(unit, 0L);
        if (unitSeconds == 0 || digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad schedule \"" + text
                    + "\": expected every:<n>[s|m|h|d] with a whole number n, e.g. every:15m");
        }
        Duration interval;
        try {
            interval = Duration.ofSeconds(Math.multiplyExact(Long.parseLong(digits), unitSeconds));
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("bad schedule \"" + text + "\": interval " + body + " is too large", e);
        }
        if (interval.compareTo(Every.MAXIMUM_INTERVAL) > 0) {
            throw new IllegalArgumentException("bad schedule \"" + text + "\": interval " + body
                    + " is too large: at most every:366d (use once: for a one-off)");
        }
        if (interval.compareTo(Every.MINIMUM_INTERVAL) < 0) {
            throw new IllegalArgumentException("bad schedule \"" + text + "\": interval " + body
                    + " is below the minimum of 1 minute (every:1m)");
        }
        return new Every(interval);
    }

    /**
     * Fires exactly once, at {@code at}.
     *
     * @param at the fire time
     */
    record Once(Instant at) implements Schedule {

        /** @throws NullPointerException if {@code at} is null */
        public Once {
            Objects.requireNonNull(at, "at");
        }

        @Override
        public String text() {
            return "once:" + at;
        }

        /** Returns {@code at} if it is strictly after {@code after}; a past one-off never fires. */
        @Override
        public Optional<Instant> nextAfter(Instant after, Instant anchor) {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(anchor, "anchor");
            return at.isAfter(after) ? Optional.of(at) : Optional.empty();
        }

        @Override
        public Optional<Duration> typicalInterval() {
            return Optional.empty();
        }
    }

    /**
     * Fires at {@code anchor + k * interval} for k = 0, 1, 2, ..., where the anchor is the policy's
     * creation time. Anchoring to a fixed origin rather than to the last run keeps fire times from
     * drifting when a run starts late.
     *
     * @param interval the gap between fire times; a whole number of seconds, at least one minute
     */
    record Every(Duration interval) implements Schedule {

        /** The shortest accepted interval, matching the one-minute resolution of cron schedules. */
        public static final Duration MINIMUM_INTERVAL = Duration.ofMinutes(1);

        /**
         * The longest accepted interval, 366 days: a longer one is a one-off ({@code once:}), and the
         * bound keeps every sum of an anchor and a few intervals far from {@link Instant#MAX}.
         */
        public static final Duration MAXIMUM_INTERVAL = Duration.ofDays(366);

        /**
         * @throws NullPointerException if {@code interval} is null
         * @throws IllegalArgumentException if {@code interval} is shorter than {@link #MINIMUM_INTERVAL}
         *     or has a fractional second (which the text form could not express)
         */
        public Every {
            Objects.requireNonNull(interval, "interval");
            if (interval.getNano() != 0) {
                throw new IllegalArgumentException("every-interval " + interval + " must be a whole number of seconds");
            }
            if (interval.compareTo(MINIMUM_INTERVAL) < 0) {
                throw new IllegalArgumentException("every-interval " + interval + " is below the minimum of 1 minute");
            }
            if (interval.compareTo(MAXIMUM_INTERVAL) > 0) {
                throw new IllegalArgumentException("every-interval " + interval + " is too large: at most 366 days");
            }
        }

        /** Uses the largest unit that divides the interval exactly, so {@code every:60m} reads back as {@code every:1h}. */
        @Override
        public String text() {
            long seconds = interval.getSeconds();
            if (seconds % 86_400 == 0) {
                return "every:" + seconds / 86_400 + "d";
            }
            if (seconds % 3_600 == 0) {
                return "every:" + seconds / 3_600 + "h";
            }
            if (seconds % 60 == 0) {
                return "every:" + seconds / 60 + "m";
            }
            return "every:" + seconds + "s";
        }

        /** Returns the first {@code anchor + k * interval} (k &ge; 0) strictly after {@code after}. */
        @Override
        public Optional<Instant> nextAfter(Instant after, Instant anchor) {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(anchor, "anchor");
            if (after.isBefore(anchor)) {
                return Optional.of(anchor);
            }
            try {
                // The elapsed time is non-negative here, so truncating division is floor division.
                long k = Duration.between(anchor, after).dividedBy(interval) + 1;
                return Optional.of(anchor.plus(interval.multipliedBy(k)));
            } catch (ArithmeticException e) {
                // Only reachable with intervals of billions of years; report it like any other overflow.
                throw new DateTimeException("every-interval " + interval + " from " + anchor
                        + " passes Instant.MAX", e);
            }
        }

        @Override
        public Optional<Duration> typicalInterval() {
            return Optional.of(interval);
        }
    }

    /**
     * Fires whenever {@code cron} matches, in UTC.
     *
     * @param cron the expression
     */
    record Cron(CronExpression cron) implements Schedule {

        /*
         * Fixed so that a policy's derived RPO does not change with the day it is computed: a Monday,
         * and the first of a month and of a year.
         */
        private static final Instant TYPICAL_INTERVAL_REFERENCE = Instant.parse("2001-01-01T00:00:00Z");

        /** @throws NullPointerException if {@code cron} is null */
        public Cron {
            Objects.requireNonNull(cron, "cron");
        }

        @Override
        public String text() {
            return "cron:" + cron;
        }

        /** Returns {@code cron.nextAfter(after)}; the anchor plays no part. */
        @Override
        public Optional<Instant> nextAfter(Instant after, Instant anchor) {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(anchor, "anchor");
            return Optional.of(cron.nextAfter(after));
        }

        /**
         * Returns the gap between the first two fire times after 2001-01-01T00:00:00Z. Expressions with
         * uneven gaps (weekdays only, several hours a day) therefore report one of their gaps, not the
         * largest.
         */
        @Override
        public Optional<Duration> typicalInterval() {
            Instant first = cron.nextAfter(TYPICAL_INTERVAL_REFERENCE);
            return Optional.of(Duration.between(first, cron.nextAfter(first)));
        }
    }
}
