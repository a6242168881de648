package dev.isthmus.core.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The written forms of durations and sizes, shared by the YAML file and the command line.
 *
 * <p>Durations are a whole number and a unit: {@code 500ms}, {@code 10s}, {@code 2m},
 * {@code 1h}. A bare number is rejected because it is ambiguous (seconds? milliseconds?).
 * Sizes are bytes, optionally with a binary unit: {@code 1024}, {@code 16k} (16,384),
 * {@code 64m}, {@code 1g}; the unit letter may be upper or lower case. Neither accepts
 * fractions, signs or spaces. A size whose 0 turns something off may also be written
 * {@code off} ({@link #parseSizeOrOff}).
 */
public final class ValueSyntax {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");
    private static final String DURATION_FORMS = "like 500ms, 10s, 2m or 1h";
    private static final String SIZE_FORMS = "bytes, or a whole number with k, m or g (binary: 16k = 16384 bytes)";
    private static final String OFF = "off";

    private ValueSyntax() {
    }

    /** @throws IllegalArgumentException saying what is wrong and which forms are accepted */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("duration '" + text + "' has no unit; write one, " + DURATION_FORMS);
            }
            throw new IllegalArgumentException("'" + text + "' is not a duration; write a whole number and a unit, "
                    + DURATION_FORMS);
        }
        try {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofSeconds(Math.multiplyExact(amount, 60L));
                default -> Duration.ofSeconds(Math.multiplyExact(amount, 3600L));
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("duration '" + text + "' is too large");
        }
    }

    /** @throws IllegalArgumentException saying what is wrong and which forms are accepted */
    public static long parseSize(String text) {
        return parseSize(text, SIZE_FORMS);
    }

    /**
     * A size where 0 turns something off, which may then also be written {@code off}.
     *
     * @throws IllegalArgumentException saying what is wrong and which forms are accepted
     */
    public static long parseSizeOrOff(String text) {
        return text.equalsIgnoreCase(OFF) ? 0 : parseSize(text, SIZE_FORMS + ", or off");
    }

    private static long parseSize(String text, String forms) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write " + forms);
        }
        int shift = switch (m.group(2)) {
            case "k", "K" -> 10;
            case "m", "M" -> 20;
            case "g", "G" -> 30;
            default -> 0;
        };
        try {
            long amount = Long.parseLong(m.group(1));
            if (amount > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return amount << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
    }

    /** {@code off} for 0, else {@link #formatSize}: what {@link #parseSizeOrOff} reads back. */
    public static String formatSizeOrOff(long bytes) {
        return bytes == 0 ? OFF : formatSize(bytes);
    }

    /** The shortest exact form {@link #parseDuration} reads back, e.g. {@code 10s} or {@code 1500ms}. */
    public static String formatDuration(Duration duration) {
        long millis = duration.toMillis();
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    /** The shortest exact form {@link #parseSize} reads back, e.g. {@code 64m} or {@code 1000}. */
    public static String formatSize(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "g";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "m";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }
}
