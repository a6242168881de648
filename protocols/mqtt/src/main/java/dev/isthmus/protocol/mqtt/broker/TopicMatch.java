package dev.isthmus.protocol.mqtt.broker;

/**
 * Topic Name and Topic Filter rules of MQTT 5.0 §4.7 (the same in 3.1.1 §4.7) for one filter
 * and one topic given as strings: the reference the tries are tested against, and a cheap check
 * for code that holds a handful of filters (a bridge deciding what to forward).
 *
 * <p>Nothing here allocates. {@link #matches} expects a valid filter and a valid topic name
 * (see {@link #isValidTopicFilter} and {@link #isValidTopicName}) and gives no meaningful answer
 * otherwise. It does not interpret {@code $share/}: pass the filter part of a shared
 * subscription, not the whole string.
 */
public final class TopicMatch {
    /** Longest Topic Name or Topic Filter in UTF-8 bytes: the length of a UTF-8 Encoded String. */
    public static final int MAX_UTF8_LENGTH = 65_535;

    private TopicMatch() {
    }

    /**
     * Whether {@code filter} matches {@code topic}: levels are separated by {@code '/'} and
     * compared exactly (case-sensitive, empty levels included), {@code +} matches exactly one
     * level, {@code #} matches its parent level and any number of levels below ({@code a/#}
     * matches {@code a}, {@code a/}, {@code a/b/c}). A topic starting with {@code '$'} is not
     * matched by a filter whose first level is a wildcard (MQTT-4.7.2-1).
     */
    public static boolean matches(String filter, String topic) {
        int filterLength = filter.length();
        int topicLength = topic.length();
        if (topicLength > 0 && topic.charAt(0) == '$' && filterLength > 0
                && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
            return false;
        }
        int f = 0;
        int t = 0;
        while (true) {
            // f and t are at the start of a level each.
            if (f < filterLength && filter.charAt(f) == '#') {
                return true;
            }
            int filterEnd = levelEnd(filter, f);
            int topicEnd = levelEnd(topic, t);
            boolean plus = filterEnd - f == 1 && filter.charAt(f) == '+';
            if (!plus && (filterEnd - f != topicEnd - t || !filter.regionMatches(f, topic, t, filterEnd - f))) {
                return false;
            }
            if (filterEnd == filterLength) {
                return topicEnd == topicLength;
            }
            if (topicEnd == topicLength) {
                // The topic has no more levels: only a final "/#" still matches (its parent level).
                return filterEnd + 2 == filterLength && filter.charAt(filterEnd + 1) == '#';
            }
            f = filterEnd + 1;
            t = topicEnd + 1;
        }
    }

    /**
     * Whether {@code topic} may name a PUBLISH: at least one character, no wildcard characters,
     * no U+0000, well-formed UTF-16 (no lone surrogate) and at most {@link #MAX_UTF8_LENGTH}
     * bytes in UTF-8.
     */
    public static boolean isValidTopicName(String topic) {
        if (topic.isEmpty() || !isEncodable(topic)) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#') {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code filter} is a valid Topic Filter: at least one character, {@code +} and
     * {@code #} only as whole levels, {@code #} only as the last level, no U+0000, well-formed
     * UTF-16 and at most {@link #MAX_UTF8_LENGTH} bytes in UTF-8. A {@code $share/} prefix gets
     * no special treatment here; {@link TopicTrie} takes it apart before checking the rest.
     */
    public static boolean isValidTopicFilter(String filter) {
        int length = filter.length();
        if (length == 0 || !isEncodable(filter)) {
            return false;
        }
        int levelStart = 0;
        for (int i = 0; i <= length; i++) {
            if (i == length || filter.charAt(i) == '/') {
                levelStart = i + 1;
                continue;
            }
            char c = filter.charAt(i);
            if (c == '+' || c == '#') {
                boolean wholeLevel = i == levelStart && (i + 1 == length || filter.charAt(i + 1) == '/');
                if (!wholeLevel || c == '#' && i + 1 != length) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Index of the '/' ending the level that starts at {@code from}, or the string's length. */
    private static int levelEnd(String s, int from) {
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }

    /** No U+0000, no lone surrogate, and a UTF-8 form of at most {@link #MAX_UTF8_LENGTH} bytes. */
    private static boolean isEncodable(String s) {
        int bytes = 0;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return false;
            } else if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 == length || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
                bytes += 4;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            } else {
                bytes += 3;
            }
        }
        return bytes <= MAX_UTF8_LENGTH;
    }
}
