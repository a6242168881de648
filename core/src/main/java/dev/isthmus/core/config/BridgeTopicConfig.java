package dev.isthmus.core.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One topic entry of an MQTT bridge, as mosquitto's {@code topic pattern [direction [qos
 * [local-prefix remote-prefix]]]}: the pattern is shared between the two brokers, the local
 * side under {@code localPrefix + pattern}, the remote side under {@code remotePrefix + pattern}.
 * Out: the bridge subscribes to the local filter and publishes what matches to the remote broker
 * with the local prefix taken off and the remote one put on; in, the other way round.
 *
 * @param pattern      a topic filter (wildcards allowed), or empty to map exactly the topic
 *                     {@code localPrefix} to {@code remotePrefix} (both must then be given)
 * @param direction    which way messages go; default {@link Direction#OUT}
 * @param qos          the QoS of the subscriptions on both sides, 0..2 (a message travels at the
 *                     lower of its own and this); default 0
 * @param localPrefix  put in front of the pattern locally; no wildcards; default empty
 * @param remotePrefix put in front of the pattern remotely; no wildcards; default empty
 */
public record BridgeTopicConfig(String pattern, Direction direction, int qos, String localPrefix,
                                String remotePrefix) {
    /** Which way a bridge topic carries messages. */
    public enum Direction {
        /** Local to remote. */
        OUT,
        /** Remote to local. */
        IN,
        /** Both ways, without looping (see the bridge). */
        BOTH;

        public boolean out() {
            return this != IN;
        }

        public boolean in() {
            return this != OUT;
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code out}, {@code in} or {@code both}. */
        public static Direction fromName(String name) {
            return switch (name) {
                case "out" -> OUT;
                case "in" -> IN;
                case "both" -> BOTH;
                default -> throw new IllegalArgumentException("expected out, in or both, got '" + name + "'");
            };
        }
    }

    public BridgeTopicConfig {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(localPrefix, "localPrefix");
        Objects.requireNonNull(remotePrefix, "remotePrefix");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS must be 0, 1 or 2: " + qos);
        }
        if (pattern.isEmpty() && (localPrefix.isEmpty() || remotePrefix.isEmpty())) {
            throw new IllegalArgumentException("an empty pattern maps one topic, the local prefix to the remote "
                    + "prefix: give both");
        }
        checkPrefix(localPrefix, "local prefix");
        checkPrefix(remotePrefix, "remote prefix");
        if (!pattern.isEmpty() && !isFilter(pattern)) {
            throw new IllegalArgumentException("'" + pattern + "' is not a topic filter: '+' and '#' stand alone "
                    + "between slashes, '#' only at the end");
        }
        if ((localPrefix + pattern).startsWith("$share/") || (remotePrefix + pattern).startsWith("$share/")) {
            throw new IllegalArgumentException("a bridge topic cannot be a shared subscription ($share/...)");
        }
    }

    /**
     * An entry in mosquitto's words: {@code pattern [out|in|both [qos [local-prefix
     * remote-prefix]]]}, separated by spaces, {@code ""} for an empty value.
     */
    public static BridgeTopicConfig parse(String line) {
        String[] words = line.trim().split("\\s+");
        if (line.isBlank() || words.length > 5 || words.length == 4) {
            throw new IllegalArgumentException("expected 'pattern [out|in|both [qos [local-prefix remote-prefix]]]', "
                    + "got '" + line + "'");
        }
        Direction direction = words.length > 1 ? Direction.fromName(words[1]) : Direction.OUT;
        int qos = 0;
        if (words.length > 2) {
            if (!words[2].matches("[012]")) {
                throw new IllegalArgumentException("QoS must be 0, 1 or 2, got '" + words[2] + "'");
            }
            qos = Integer.parseInt(words[2]);
        }
        return new BridgeTopicConfig(unquoted(words[0]), direction, qos, words.length > 3 ? unquoted(words[3]) : "",
                words.length > 4 ? unquoted(words[4]) : "");
    }

    private static String unquoted(String word) {
        return word.equals("\"\"") ? "" : word;
    }

    /** The filter on the local broker: {@code localPrefix + pattern}. */
    public String localFilter() {
        return localPrefix + pattern;
    }

    /** The filter on the remote broker: {@code remotePrefix + pattern}. */
    public String remoteFilter() {
        return remotePrefix + pattern;
    }

    private static void checkPrefix(String prefix, String what) {
        if (prefix.indexOf('+') >= 0 || prefix.indexOf('#') >= 0 || prefix.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("the " + what + " '" + prefix + "' must be plain topic levels, "
                    + "without wildcards");
        }
    }

    /** MQTT's topic filter rule (5.0 section 4.7): wildcards are whole levels, '#' the last one. */
    private static boolean isFilter(String filter) {
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            boolean wildcard = level.equals("+") || level.equals("#");
            if (!wildcard && (level.indexOf('+') >= 0 || level.indexOf('#') >= 0)) {
                return false;
            }
            if (level.equals("#") && i != levels.length - 1) {
                return false;
            }
        }
        return filter.indexOf('\u0000') < 0;
    }

    /** mosquitto's form, {@code "" } for an empty value. */
    @Override
    public String toString() {
        return quoted(pattern) + " " + direction.configName() + " " + qos + " " + quoted(localPrefix) + " "
                + quoted(remotePrefix);
    }

    private static String quoted(String value) {
        return value.isEmpty() ? "\"\"" : value;
    }
}
