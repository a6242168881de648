package dev.isthmus.protocol.mqtt;

import java.util.List;
import java.util.Objects;

/**
 * Allow and deny lists of topic filters for one direction of a client's traffic (its PUBLISH
 * topics, or its SUBSCRIBE filters), with mosquitto's ACL {@code pattern} substitutions:
 * {@code %c} stands for the client id and {@code %u} for the user name.
 *
 * <p>A topic or filter passes when no deny pattern applies to it and either the allow list is
 * empty or an allow pattern covers it. For a PUBLISH topic, "applies" and "covers" both mean
 * the pattern matches the topic, as a subscription would (wildcards at the first level do not
 * match topics starting with {@code $}). For a SUBSCRIBE filter, an allow pattern covers it
 * when every topic the filter matches is matched by the pattern ({@code devices/%c/#} covers
 * {@code devices/d1/+/state}, not {@code devices/+/state}), and a deny pattern applies when
 * the two share any topic (deny {@code secret/#} refuses a subscription to {@code #} too,
 * since the proxy cannot hold back the broker's deliveries). A shared subscription
 * {@code $share/GROUP/FILTER} is judged by its FILTER.
 *
 * <p>A pattern whose substitution has no value (a client without a user name for {@code %u})
 * or whose value holds {@code +} or {@code #} (which would turn it into a wildcard) never
 * allows anything, and denies everything it could.
 */
public final class TopicRules {
    public static final TopicRules NONE = new TopicRules(List.of(), List.of());

    private final List<String> allow;
    private final List<String> deny;
    private final String[][] allowLevels;
    private final String[][] denyLevels;
    private final boolean substitutes;

    private TopicRules(List<String> allow, List<String> deny) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        this.allowLevels = levels(this.allow);
        this.denyLevels = levels(this.deny);
        boolean any = false;
        for (String pattern : this.allow) {
            any |= pattern.contains("%c") || pattern.contains("%u");
        }
        for (String pattern : this.deny) {
            any |= pattern.contains("%c") || pattern.contains("%u");
        }
        this.substitutes = any;
    }

    /**
     * @throws IllegalArgumentException naming a pattern that is not a valid topic filter
     */
    public static TopicRules of(List<String> allow, List<String> deny) {
        for (String pattern : allow) {
            check(pattern);
        }
        for (String pattern : deny) {
            check(pattern);
        }
        return allow.isEmpty() && deny.isEmpty() ? NONE : new TopicRules(allow, deny);
    }

    /** Checks that {@code pattern} is a topic filter once substituted ('#' last, wildcards alone in their level). */
    public static void check(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("an empty topic pattern");
        }
        String[] levels = pattern.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#")) {
                if (i != levels.length - 1) {
                    throw new IllegalArgumentException("'" + pattern + "': # must be the last level");
                }
            } else if (!level.equals("+") && (level.indexOf('#') >= 0 || level.indexOf('+') >= 0)) {
                throw new IllegalArgumentException("'" + pattern + "': a wildcard must fill its whole level");
            }
        }
        if (pattern.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("'" + pattern + "': U+0000 in a topic pattern");
        }
    }

    public boolean isEmpty() {
        return allow.isEmpty() && deny.isEmpty();
    }

    public List<String> allow() {
        return allow;
    }

    public List<String> deny() {
        return deny;
    }

    /** The rules with {@code clientId} and {@code userName} (null: none) substituted, for one connection. */
    public Bound bind(String clientId, String userName) {
        if (!substitutes) {
            return new Bound(allowLevels, denyLevels);
        }
        return new Bound(substituted(allow, clientId, userName), substituted(deny, clientId, userName));
    }

    private static String[][] levels(List<String> patterns) {
        String[][] levels = new String[patterns.size()][];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = patterns.get(i).split("/", -1);
        }
        return levels;
    }

    /** Null entries stand for patterns that cannot be applied to this client. */
    private static String[][] substituted(List<String> patterns, String clientId, String userName) {
        String[][] levels = new String[patterns.size()][];
        for (int i = 0; i < levels.length; i++) {
            String pattern = patterns.get(i);
            boolean usable = true;
            if (pattern.contains("%c")) {
                usable = clientId != null && !clientId.isEmpty() && substitutable(clientId);
                pattern = usable ? pattern.replace("%c", clientId) : pattern;
            }
            if (usable && pattern.contains("%u")) {
                usable = userName != null && !userName.isEmpty() && substitutable(userName);
                pattern = usable ? pattern.replace("%u", userName) : pattern;
            }
            levels[i] = usable ? pattern.split("/", -1) : null;
        }
        return levels;
    }

    private static boolean substitutable(String value) {
        return value.indexOf('+') < 0 && value.indexOf('#') < 0;
    }

    @Override
    public String toString() {
        return "allow " + allow + ", deny " + deny;
    }

    /** The rules of one connection, substitutions made. */
    public static final class Bound {
        private final String[][] allow;
        private final String[][] deny;

        Bound(String[][] allow, String[][] deny) {
            this.allow = allow;
            this.deny = deny;
        }

        /** Whether a client may publish to {@code topic} (a topic name, no wildcards). */
        public boolean allowsTopic(String topic) {
            String[] levels = topic.split("/", -1);
            for (String[] pattern : deny) {
                if (pattern == null || matches(pattern, levels)) {
                    return false;
                }
            }
            if (allow.length == 0) {
                return true;
            }
            for (String[] pattern : allow) {
                if (pattern != null && matches(pattern, levels)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether a client may subscribe to {@code filter} (wildcards allowed, {@code $share/} stripped). */
        public boolean allowsFilter(String filter) {
            String[] levels = stripShare(filter).split("/", -1);
            for (String[] pattern : deny) {
                if (pattern == null || overlaps(pattern, levels)) {
                    return false;
                }
            }
            if (allow.length == 0) {
                return true;
            }
            for (String[] pattern : allow) {
                if (pattern != null && covers(pattern, levels)) {
                    return true;
                }
            }
            return false;
        }
    }

    static String stripShare(String filter) {
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', "$share/".length());
            if (slash > 0) {
                return filter.substring(slash + 1);
            }
        }
        return filter;
    }

    /** MQTT matching of a topic name against a filter. */
    static boolean matches(String[] filter, String[] topic) {
        if (topic.length > 0 && topic[0].startsWith("$") && (filter[0].equals("+") || filter[0].equals("#"))) {
            return false;
        }
        int i = 0;
        for (; i < filter.length; i++) {
            String level = filter[i];
            if (level.equals("#")) {
                return true;
            }
            if (i >= topic.length) {
                return false;
            }
            if (!level.equals("+") && !level.equals(topic[i])) {
                return false;
            }
        }
        return i == topic.length;
    }

    /** Whether every topic that {@code filter} matches is matched by {@code pattern}. */
    static boolean covers(String[] pattern, String[] filter) {
        if (filter[0].startsWith("$") && (pattern[0].equals("+") || pattern[0].equals("#"))) {
            return false;
        }
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.equals("#")) {
                return true;
            }
            if (i >= filter.length) {
                return false;
            }
            String f = filter[i];
            if (f.equals("#")) {
                return false;
            }
            if (!p.equals("+") && !p.equals(f)) {
                return false;
            }
        }
        return pattern.length == filter.length;
    }

    /** Whether some topic is matched by both {@code pattern} and {@code filter}. */
    static boolean overlaps(String[] pattern, String[] filter) {
        int n = Math.max(pattern.length, filter.length);
        for (int i = 0; i < n; i++) {
            String p = i < pattern.length ? pattern[i] : null;
            String f = i < filter.length ? filter[i] : null;
            if ("#".equals(p) || "#".equals(f)) {
                return true;
            }
            if (p == null || f == null) {
                return false;
            }
            if (!p.equals("+") && !f.equals("+") && !p.equals(f)) {
                return false;
            }
        }
        return true;
    }
}
