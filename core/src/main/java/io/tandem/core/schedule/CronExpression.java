package io.tandem.core.schedule;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A standard 5-field Unix cron expression ({@code minute hour day-of-month month day-of-week}),
 * evaluated in UTC.
 *
 * <p>Each field accepts {@code *}, a number, a range {@code a-b}, a step {@code *}{@code /n} or
 * {@code a-b/n}, and comma-separated lists of those. The month field also accepts {@code JAN}-{@code DEC}
 * and the day-of-week field {@code SUN}-{@code SAT} (both case-insensitive, usable wherever a number
 * is). Day-of-week runs 0-7, where both 0 and 7 mean Sunday.
 *
 * <p>Day matching follows Vixie cron: if the day-of-month or the day-of-week field starts with
 * {@code *} (so {@code *}{@code /2} counts too) the two fields must both match; if both are
 * restricted, a day matches when <em>either</em> does. So {@code 0 0 13 * FRI} fires on every 13th
 * and on every Friday.
 *
 * <p>Instances are immutable and thread-safe. Two expressions are equal when their text is equal
 * (after whitespace normalization), not when they happen to fire at the same times.
 */
public final class CronExpression {

    private static final String FIELD_LIST = "minute hour day-of-month month day-of-week";

    /*
     * The longest each month can be, February counted as 29: used to decide at parse time whether an
     * expression can ever fire, so that nextAfter never has to search for a match that does not exist.
     */
    private static final int[] LONGEST_MONTH = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    /*
     * What separates fields, and what is trimmed around the expression: ASCII whitespace only (Java's
     * \s), spelled out so that Python's re, which reads the same rules from policy-rules.json, agrees.
     */
    static final String WHITESPACE = " \t\n\u000B\f\r";
    private static final java.util.regex.Pattern SEPARATOR = java.util.regex.Pattern.compile("[ \\t\\n\\x0B\\f\\r]+");

    /*
     * Defensive bound for nextAfter. Parse-time validation guarantees a match exists, and the Gregorian
     * calendar (weekdays included) repeats every 400 years, so this is never reached; it only turns a
     * future bug into an exception instead of an endless loop.
     */
    private static final int SEARCH_LIMIT_YEARS = 401;

    /** The five fields, in order, with their bounds and accepted names. */
    private enum Field {
        MINUTE("minute", 0, 59, 0),
        HOUR("hour", 0, 23, 0),
        DAY_OF_MONTH("day-of-month", 1, 31, 0),
        MONTH("month", 1, 12, 1,
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        // 7 is accepted as a second spelling of Sunday and folded onto 0 after parsing.
        DAY_OF_WEEK("day-of-week", 0, 7, 0, "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

        final String label;
        final int min;
        final int max;
        final int firstNameValue;
        final List<String> names;

        Field(String label, int min, int max, int firstNameValue, String... names) {
            this.label = label;
            this.min = min;
            this.max = max;
            this.firstNameValue = firstNameValue;
            this.names = List.of(names);
        }

        String nameHint() {
            String kind = this == MONTH ? "month" : "day";
            return " or " + kind + " name (" + names.get(0) + "-" + names.get(names.size() - 1) + ")";
        }
    }

    private final String expression;
    private final long minutes;
    private final long hours;
    private final long daysOfMonth;
    private final long months;
    private final long daysOfWeek;
    private final boolean dayOfMonthStar;
    private final boolean dayOfWeekStar;

    private CronExpression(String expression, long[] masks, boolean dayOfMonthStar, boolean dayOfWeekStar) {
        this.expression = expression;
        this.minutes = masks[0];
        this.hours = masks[1];
        this.daysOfMonth = masks[2];
        this.months = masks[3];
        this.daysOfWeek = masks[4];
        this.dayOfMonthStar = dayOfMonthStar;
        this.dayOfWeekStar = dayOfWeekStar;
    }

    /**
     * Parses a 5-field cron expression. Runs of whitespace between fields are normalized to one space,
     * and leading and trailing whitespace is ignored.
     *
     * @param expr the expression, e.g. {@code "0 2 * * *"}
     * @return the parsed expression
     * @throws NullPointerException if {@code expr} is null
     * @throws IllegalArgumentException if the expression is malformed or can never fire (for example
     *     {@code 0 0 31 2 *}); the one-line message quotes the expression and names the offending field
     *     and value, e.g. {@code bad cron "0 25 * * *": hour field "25" is out of range 0-23}
     */
    public static CronExpression parse(String expr) {
        Objects.requireNonNull(expr, "expr");
        String stripped = trim(expr);
        String[] parts = stripped.isEmpty() ? new String[0] : SEPARATOR.split(stripped);
        // Quote the normalized text so the message stays on one line even if the input had newlines.
        String text = String.join(" ", parts);
        if (parts.length != 5) {
            throw new IllegalArgumentException("bad cron \"" + text + "\": expected 5 fields ("
                    + FIELD_LIST + "), got " + parts.length);
        }
        Field[] fields = Field.values();
        long[] masks = new long[5];
        for (int i = 0; i < 5; i++) {
            masks[i] = parseField(text, fields[i], parts[i]);
        }
        // Vixie cron decides "unrestricted" by the leading '*', not by which days end up selected.
        boolean domStar = parts[2].startsWith("*");
        boolean dowStar = parts[4].startsWith("*");
        if (!canFire(masks[2], masks[3], domStar, dowStar)) {
            throw new IllegalArgumentException("bad cron \"" + text + "\": never fires: day-of-month field \""
                    + parts[2] + "\" has no day that exists in month field \"" + parts[3] + "\"");
        }
        return new CronExpression(text, masks, domStar, dowStar);
    }

    /** {@code s} without the {@link #WHITESPACE} characters at either end. */
    static String trim(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && WHITESPACE.indexOf(s.charAt(b)) >= 0) {
            b++;
        }
        while (e > b && WHITESPACE.indexOf(s.charAt(e - 1)) >= 0) {
            e--;
        }
        return s.substring(b, e);
    }

    /**
     * The syntax rules of {@link #parse}, as data for policy-rules.json (see
     * {@code io.tandem.core.policy.PolicyRules}): the separator, each field's label, bounds and names
     * (a name stands for first_name_value + its index), the longest each month can be (index 1-12),
     * and that a day-of-week of 7 is Sunday.
     */
    public static java.util.Map<String, Object> rules() {
        java.util.List<java.util.Map<String, Object>> fields = new java.util.ArrayList<>();
        for (Field f : Field.values()) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("label", f.label);
            m.put("min", f.min);
            m.put("max", f.max);
            m.put("first_name_value", f.firstNameValue);
            m.put("names", f.names);
            fields.add(m);
        }
        java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("trim", WHITESPACE);
        r.put("separator", SEPARATOR.pattern());
        r.put("fields", fields);
        r.put("max_digits", 9);
        r.put("longest_month", java.util.Arrays.stream(LONGEST_MONTH).boxed().toList());
        r.put("day_of_week_seven_is_sunday", true);
        r.put("star_means_unrestricted_day", "a day-of-month or day-of-week field starting with * ANDs the two day fields; else they are ORed");
        return r;
    }

    /**
     * Returns the first minute matching this expression strictly after {@code t}. Seconds and smaller
     * units of {@code t} are truncated first, so the result is always a whole UTC minute later than the
     * minute containing {@code t}.
     *
     * @param t the instant to search after
     * @return the next fire time, never null (parse rejects expressions that never fire)
     * @throws NullPointerException if {@code t} is null
     * @throws java.time.DateTimeException if the next fire time would lie beyond {@link Instant#MAX}
     */
    public Instant nextAfter(Instant t) {
        Objects.requireNonNull(t, "t");
        LocalDateTime start = LocalDateTime.ofInstant(t.truncatedTo(ChronoUnit.MINUTES), ZoneOffset.UTC)
                .plusMinutes(1);
        LocalDate date = start.toLocalDate();
        int hour = start.getHour();
        int minute = start.getMinute();
        int yearLimit = date.getYear() + SEARCH_LIMIT_YEARS;

        // Each step either returns or moves forward by a whole month, day, hour or to the next set minute,
        // so the cost is bounded by calendar structure, not by the number of minutes skipped.
        while (date.getYear() <= yearLimit) {
            int month = date.getMonthValue();
            if (!has(months, month)) {
                int nextMonth = nextSetBit(months, month + 1);
                date = nextMonth <= 12
                        ? LocalDate.of(date.getYear(), nextMonth, 1)
                        : LocalDate.of(date.getYear() + 1, nextSetBit(months, 1), 1);
                hour = 0;
                minute = 0;
                continue;
            }
            if (!dayMatches(date)) {
                date = date.plusDays(1);
                hour = 0;
                minute = 0;
                continue;
            }
            int nextHour = nextSetBit(hours, hour);
            if (nextHour > 23) {
                date = date.plusDays(1);
                hour = 0;
                minute = 0;
                continue;
            }
            if (nextHour != hour) {
                hour = nextHour;
                minute = 0;
            }
            int nextMinute = nextSetBit(minutes, minute);
            if (nextMinute > 59) {
                // hour may become 24; the hour check above then rolls over to the next day.
                hour++;
                minute = 0;
                continue;
            }
            return date.atTime(hour, nextMinute).toInstant(ZoneOffset.UTC);
        }
        throw new IllegalStateException("cron \"" + expression + "\" found no fire time within "
                + SEARCH_LIMIT_YEARS + " years after " + t);
    }

    /** Returns the expression text as parsed, with whitespace between fields normalized to one space. */
    @Override
    public String toString() {
        return expression;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CronExpression other && expression.equals(other.expression);
    }

    @Override
    public int hashCode() {
        return expression.hashCode();
    }

    private boolean dayMatches(LocalDate date) {
        boolean dom = has(daysOfMonth, date.getDayOfMonth());
        // java.time numbers Monday=1..Sunday=7; cron numbers Sunday=0..Saturday=6.
        boolean dow = has(daysOfWeek, date.getDayOfWeek().getValue() % 7);
        return dayOfMonthStar || dayOfWeekStar ? dom && dow : dom || dow;
    }

    /*
     * With OR semantics any listed weekday occurs in every month (all months have at least 28 days).
     * With AND semantics a (month, day) pair must exist; every such date falls on every weekday over the
     * years, so the day-of-week field cannot make it impossible.
     */
    private static boolean canFire(long dom, long months, boolean domStar, boolean dowStar) {
        if (!domStar && !dowStar) {
            return true;
        }
        for (int m = 1; m <= 12; m++) {
            if (has(months, m) && nextSetBit(dom, 1) <= LONGEST_MONTH[m]) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(long mask, int value) {
        return (mask & (1L << value)) != 0;
    }

    /** Smallest set bit at or above {@code from} (from &lt; 64), or 64 if none. */
    private static int nextSetBit(long mask, int from) {
        return Long.numberOfTrailingZeros(mask & (-1L << from));
    }

    private static long parseField(String expr, Field field, String fieldText) {
        long mask = 0;
        for (String element : fieldText.split(",", -1)) {
            if (element.isEmpty()) {
                throw bad(expr, field, fieldText, fieldText, "has an empty list element");
            }
            mask |= parseElement(expr, field, fieldText, element);
        }
        if (field == Field.DAY_OF_WEEK && has(mask, 7)) {
            mask = (mask & ~(1L << 7)) | 1L;
        }
        return mask;
    }

    private static long parseElement(String expr, Field field, String fieldText, String element) {
        int slash = element.indexOf('/');
        String range = slash < 0 ? element : element.substring(0, slash);
        int step = 1;
        if (slash >= 0) {
            step = parseStep(expr, field, fieldText, element.substring(slash + 1));
        }
        int lo;
        int hi;
        if (range.equals("*")) {
            lo = field.min;
            hi = field.max;
        } else {
            int dash = range.indexOf('-');
            if (dash < 0) {
                if (slash >= 0) {
                    // Vixie cron rejects "5/10"; other dialects read it differently, so refuse to guess.
                    throw bad(expr, field, fieldText, element, "has a step without a range (write a-b/n or */n)");
                }
                lo = value(expr, field, fieldText, element, range);
                hi = lo;
            } else {
                lo = value(expr, field, fieldText, element, range.substring(0, dash));
                hi = value(expr, field, fieldText, element, range.substring(dash + 1));
                if (lo > hi) {
                    throw bad(expr, field, fieldText, range, "is a backwards range (" + lo + " > " + hi + ")");
                }
            }
        }
        long mask = 0;
        for (int v = lo; v <= hi; v += step) {
            mask |= 1L << v;
        }
        return mask;
    }

    private static int parseStep(String expr, Field field, String fieldText, String stepText) {
        int span = field.max - field.min + 1;
        if (isDigits(stepText) && stepText.length() <= 9) {
            int step = Integer.parseInt(stepText);
            if (step >= 1 && step <= span) {
                return step;
            }
        }
        throw bad(expr, field, fieldText, stepText, "is not a valid step (expected 1-" + span + ")");
    }

    private static int value(String expr, Field field, String fieldText, String element, String text) {
        if (text.isEmpty()) {
            throw bad(expr, field, fieldText, element, "is malformed (missing a number)");
        }
        int named = field.names.indexOf(text.toUpperCase(Locale.ROOT));
        if (named >= 0) {
            return field.firstNameValue + named;
        }
        if (!isDigits(text)) {
            String hint = field.names.isEmpty() ? "" : field.nameHint();
            throw bad(expr, field, fieldText, text, "is not a number" + hint);
        }
        // Longer digit strings would overflow int and are out of range for every field anyway.
        int v = text.length() <= 9 ? Integer.parseInt(text) : Integer.MAX_VALUE;
        if (v < field.min || v > field.max) {
            throw bad(expr, field, fieldText, text, "is out of range " + field.min + "-" + field.max);
        }
        return v;
    }

    // ASCII only: Integer.parseInt would also take digits from other scripts, which no crontab means.
    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /*
     * When the offending part is the whole field the message reads `hour field "25" is out of range`;
     * otherwise it quotes the field and then the part, `hour field "1,25": "25" is out of range`.
     */
    private static IllegalArgumentException bad(String expr, Field field, String fieldText, String part,
                                                String problem) {
        String subject = part.equals(fieldText)
                ? field.label + " field \"" + fieldText + "\" "
                : field.label + " field \"" + fieldText + "\": \"" + part + "\" ";
        return new IllegalArgumentException("bad cron \"" + expr + "\": " + subject + problem);
    }
}
