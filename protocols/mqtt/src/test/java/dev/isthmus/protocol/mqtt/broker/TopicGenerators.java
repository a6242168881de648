package dev.isthmus.protocol.mqtt.broker;

import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;

import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * Topics and filters over small alphabets, so that generated filters often match generated
 * topics: levels from a handful of words (including the empty level and a non-ASCII one),
 * first levels that start with '$', and wildcards; plus a naive matcher to check against.
 */
final class TopicGenerators {
    /**
     * Level words; "" makes empty levels, "é" a two-byte UTF-8 level, the longer ones cross the
     * eight-byte words the trie reads levels in (and differ only in their last byte).
     */
    static final String[] WORDS = {"", "a", "b", "ab", "é", "a b", "abcdefgh", "abcdefgi", "abcdefghi",
            "ééééé", "abcdefghijklmnopq"};
    /** First levels hidden from leading wildcards. */
    static final String[] DOLLAR_WORDS = {"$SYS", "$s"};
    static final String[] SHARE_NAMES = {"g1", "g2"};

    private TopicGenerators() {
    }

    static int between(RandomnessSource in, int min, int max) {
        return integers().between(min, max).generate(in);
    }

    static String pick(RandomnessSource in, String[] words) {
        return words[between(in, 0, words.length - 1)];
    }

    /** 1 to 4 levels; one topic in eight starts with a '$' level. */
    static String topic(RandomnessSource in) {
        int levels = between(in, 1, 4);
        StringBuilder topic = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            if (i > 0) {
                topic.append('/');
            }
            topic.append(i == 0 && between(in, 0, 7) == 0 ? pick(in, DOLLAR_WORDS) : pick(in, WORDS));
        }
        String s = topic.toString();
        // A topic must have at least one character: the single empty level becomes "/".
        return s.isEmpty() ? "/" : s;
    }

    /** 1 to 4 levels with '+' at any level and '#' as the last one now and then. */
    static String filter(RandomnessSource in) {
        int levels = between(in, 1, 4);
        StringBuilder filter = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            if (i > 0) {
                filter.append('/');
            }
            int kind = between(in, 0, 9);
            if (i == levels - 1 && kind < 2) {
                filter.append('#');
            } else if (kind < 5) {
                filter.append('+');
            } else if (i == 0 && kind == 5) {
                filter.append(pick(in, DOLLAR_WORDS));
            } else {
                filter.append(pick(in, WORDS));
            }
        }
        String s = filter.toString();
        return s.isEmpty() ? "/" : s;
    }

    /** A plain filter, or one time in five a shared one. */
    static String subscriptionFilter(RandomnessSource in) {
        String filter = filter(in);
        return between(in, 0, 4) == 0 ? TopicTrie.SHARE_PREFIX + pick(in, SHARE_NAMES) + '/' + filter : filter;
    }

    static Gen<String> topics() {
        return TopicGenerators::topic;
    }

    static Gen<String> filters() {
        return TopicGenerators::filter;
    }

    static <T> Gen<List<T>> lists(Gen<T> element, int min, int max) {
        return in -> {
            int n = between(in, min, max);
            List<T> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(element.generate(in));
            }
            return list;
        };
    }

    /**
     * The spec's rules written the obvious way: split into levels and compare. Does not take
     * {@code $share/} apart.
     */
    static boolean naiveMatches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        if (topic.startsWith("$") && (f[0].equals("+") || f[0].equals("#"))) {
            return false;
        }
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || !f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /** The filter part of a subscription filter: without {@code $share/{name}/}. */
    static String plainFilter(String filter) {
        if (!filter.startsWith(TopicTrie.SHARE_PREFIX)) {
            return filter;
        }
        int slash = filter.indexOf('/', TopicTrie.SHARE_PREFIX.length());
        return filter.substring(slash + 1);
    }

    /** The ShareName of a shared filter, or null. */
    static String shareName(String filter) {
        if (!filter.startsWith(TopicTrie.SHARE_PREFIX)) {
            return null;
        }
        int slash = filter.indexOf('/', TopicTrie.SHARE_PREFIX.length());
        return filter.substring(TopicTrie.SHARE_PREFIX.length(), slash);
    }

    /** Every level prefix of a filter or topic ("a/b/c": "a", "a/b", "a/b/c"): the nodes it needs. */
    static List<String> prefixes(String levels) {
        List<String> prefixes = new ArrayList<>();
        int from = 0;
        while (true) {
            int slash = levels.indexOf('/', from);
            if (slash < 0) {
                prefixes.add(levels);
                return prefixes;
            }
            prefixes.add(levels.substring(0, slash));
            from = slash + 1;
        }
    }
}
