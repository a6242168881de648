package dev.isthmus.protocol.mqtt.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The trie against a model kept the obvious way (a map from filter and subscriber to options)
 * and the naive matcher: for generated subscriptions and topics, {@code match} reports exactly
 * the plain subscriptions the model says match, one member of each matching shared group, and
 * nothing else; sequences of subscribes and unsubscribes keep {@code size()}, the return values
 * and the node count (one node per distinct filter prefix, none once empty) in line with it.
 */
class TopicTriePropertiesTest {
    private static final String[] SUBSCRIBERS = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10",
            "s11"};

    /** A subscribe (or an unsubscribe) of one subscriber on one filter. */
    record Op(boolean subscribe, String filter, String subscriber) {
    }

    private static Gen<Op> ops(int subscribers) {
        return in -> new Op(TopicGenerators.between(in, 0, 2) > 0, TopicGenerators.subscriptionFilter(in),
                SUBSCRIBERS[TopicGenerators.between(in, 0, subscribers - 1)]);
    }

    /** The reference: subscriptions by filter (as subscribed, $share/ included) then subscriber. */
    private static final class Model {
        final Map<String, Map<String, SubscriptionOptions>> byFilter = new HashMap<>();
        int size;

        boolean subscribe(String filter, String subscriber, SubscriptionOptions options) {
            boolean replaced = byFilter.computeIfAbsent(filter, f -> new LinkedHashMap<>()).put(subscriber, options) != null;
            if (!replaced) {
                size++;
            }
            return replaced;
        }

        boolean unsubscribe(String filter, String subscriber) {
            Map<String, SubscriptionOptions> subscribers = byFilter.get(filter);
            if (subscribers == null || subscribers.remove(subscriber) == null) {
                return false;
            }
            if (subscribers.isEmpty()) {
                byFilter.remove(filter);
            }
            size--;
            return true;
        }

        int nodes() {
            Set<String> prefixes = new HashSet<>();
            for (String filter : byFilter.keySet()) {
                prefixes.addAll(TopicGenerators.prefixes(TopicGenerators.plainFilter(filter)));
            }
            return prefixes.size();
        }

        int groups() {
            return (int) byFilter.keySet().stream().filter(f -> f.startsWith(TopicTrie.SHARE_PREFIX)).count();
        }
    }

    /** What one match reported: plain visits as "subscriber#id", shared offers by group. */
    private static final class Recorder implements TopicTrie.Visitor<String> {
        final List<String> plain = new ArrayList<>();
        final Map<String, String> shared = new HashMap<>();
        final List<String> duplicateGroups = new ArrayList<>();

        @Override
        public void visit(String subscriber, SubscriptionOptions options) {
            plain.add(subscriber + '#' + options.subscriptionIdentifier());
        }

        @Override
        public boolean offerShared(String member, SubscriptionOptions options, SharedGroup<String> group) {
            String key = TopicTrie.SHARE_PREFIX + group.name() + '/' + group.filter();
            if (shared.put(key, member + '#' + options.subscriptionIdentifier()) != null) {
                duplicateGroups.add(key);
            }
            return true;
        }
    }

    @Test
    void matchReportsExactlyWhatTheNaiveMatcherFinds() {
        qt().withExamples(1500)
                .forAll(TopicGenerators.lists(ops(6), 0, 40), TopicGenerators.lists(TopicGenerators.topics(), 1, 12))
                .checkAssert((ops, topics) -> {
                    TopicTrie<String> trie = new TopicTrie<>();
                    Model model = new Model();
                    apply(ops, trie, model);
                    for (String topic : topics) {
                        checkMatch(trie, model, topic);
                    }
                });
    }

    @Test
    void subscribeAndUnsubscribeKeepSizeNodesAndMatchingInLine() {
        // Few filters and many subscribers: replacements, shared groups and the subscriber
        // index (past eight subscribers on one filter) all get exercised.
        Gen<Op> ops = in -> {
            String filter = TopicGenerators.between(in, 0, 3) == 0 ? TopicGenerators.subscriptionFilter(in)
                    : new String[] {"a/+", "#", "$share/g1/a/#", "a/b", "/"}[TopicGenerators.between(in, 0, 4)];
            return new Op(TopicGenerators.between(in, 0, 1) == 0, filter,
                    SUBSCRIBERS[TopicGenerators.between(in, 0, SUBSCRIBERS.length - 1)]);
        };
        qt().withExamples(800)
                .forAll(TopicGenerators.lists(ops, 0, 150), TopicGenerators.lists(TopicGenerators.topics(), 1, 6))
                .checkAssert((sequence, topics) -> {
                    TopicTrie<String> trie = new TopicTrie<>();
                    Model model = new Model();
                    apply(sequence, trie, model);
                    for (String topic : topics) {
                        checkMatch(trie, model, topic);
                    }
                    // Leave everything, in the order subscribed: the trie must end up bare.
                    for (Map.Entry<String, Map<String, SubscriptionOptions>> entry : List.copyOf(model.byFilter.entrySet())) {
                        for (String subscriber : List.copyOf(entry.getValue().keySet())) {
                            assertTrue(trie.unsubscribe(entry.getKey(), subscriber));
                            model.unsubscribe(entry.getKey(), subscriber);
                            assertEquals(model.nodes(), trie.nodeCount());
                        }
                    }
                    assertEquals(0, trie.size());
                    assertEquals(0, trie.nodeCount());
                    assertEquals(0, trie.sharedGroupCount());
                    for (String topic : topics) {
                        assertEquals(0, Topics.match(trie, topic, new Recorder()));
                    }
                });
    }

    @Test
    void topicMatchAgreesWithTheNaiveMatcher() {
        qt().withExamples(20_000).forAll(TopicGenerators.filters(), TopicGenerators.topics())
                .checkAssert((filter, topic) -> assertEquals(TopicGenerators.naiveMatches(filter, topic),
                        TopicMatch.matches(filter, topic), () -> filter + " vs " + topic));
    }

    /** Applies the ops to both, with a fresh subscription identifier per subscribe to tell replacements apart. */
    private static void apply(List<Op> ops, TopicTrie<String> trie, Model model) {
        int id = 0;
        for (Op op : ops) {
            if (op.subscribe()) {
                id++;
                SubscriptionOptions options = new SubscriptionOptions(id % 3, false, id % 2 == 0, id % 3, id);
                assertEquals(model.subscribe(op.filter(), op.subscriber(), options),
                        trie.subscribe(op.filter(), op.subscriber(), options), () -> "subscribe " + op);
                assertEquals(options, trie.get(op.filter(), op.subscriber()));
            } else {
                assertEquals(model.unsubscribe(op.filter(), op.subscriber()), trie.unsubscribe(op.filter(), op.subscriber()),
                        () -> "unsubscribe " + op);
            }
            assertEquals(model.size, trie.size());
            assertEquals(model.nodes(), trie.nodeCount(), () -> "nodes after " + op);
            assertEquals(model.groups(), trie.sharedGroupCount());
        }
    }

    private static void checkMatch(TopicTrie<String> trie, Model model, String topic) {
        List<String> expectedPlain = new ArrayList<>();
        Map<String, Map<String, SubscriptionOptions>> expectedGroups = new HashMap<>();
        for (Map.Entry<String, Map<String, SubscriptionOptions>> entry : model.byFilter.entrySet()) {
            String filter = entry.getKey();
            if (!TopicGenerators.naiveMatches(TopicGenerators.plainFilter(filter), topic)) {
                continue;
            }
            if (TopicGenerators.shareName(filter) != null) {
                expectedGroups.put(filter, entry.getValue());
            } else {
                entry.getValue().forEach((s, o) -> expectedPlain.add(s + '#' + o.subscriptionIdentifier()));
            }
        }
        Recorder recorder = new Recorder();
        int matched = Topics.match(trie, topic, recorder);

        expectedPlain.sort(null);
        recorder.plain.sort(null);
        assertEquals(expectedPlain, recorder.plain, () -> "plain subscriptions matching " + topic);
        assertEquals(List.of(), recorder.duplicateGroups, "one offer per group when the first is taken");
        assertEquals(expectedGroups.keySet(), recorder.shared.keySet(), () -> "shared groups matching " + topic);
        recorder.shared.forEach((group, delivery) -> {
            Map<String, SubscriptionOptions> members = expectedGroups.get(group);
            String member = delivery.substring(0, delivery.indexOf('#'));
            SubscriptionOptions options = members.get(member);
            assertNotNull(options, () -> member + " is not in " + group);
            assertEquals(member + '#' + options.subscriptionIdentifier(), delivery);
        });
        assertEquals(expectedPlain.size() + expectedGroups.size(), matched);

        // The same topic at the very end of its buffer, where levels cannot be read a word past the limit.
        Recorder tight = new Recorder();
        assertEquals(matched, trie.match(Topics.tightBuffer(topic), 0, Topics.length(topic), tight));
        tight.plain.sort(null);
        assertEquals(expectedPlain, tight.plain);
        assertEquals(expectedGroups.keySet(), tight.shared.keySet());
    }
}
