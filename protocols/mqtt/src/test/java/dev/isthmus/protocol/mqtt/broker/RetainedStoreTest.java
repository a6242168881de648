package dev.isthmus.protocol.mqtt.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Retained messages: replace and delete, the buffer and String entry points agreeing, and
 * {@code matching} giving exactly what a scan of every stored topic with the naive matcher
 * gives, with the tree pruned back to the stored topics' prefixes.
 */
class RetainedStoreTest {
    @Test
    void putReplacesAndRemoveDeletes() {
        RetainedStore<String> store = new RetainedStore<>();
        assertNull(store.put("a/b", "m1"));
        assertEquals("m1", store.put("a/b", "m2"));
        assertEquals("m2", store.get("a/b"));
        assertNull(store.get("a"));
        assertNull(store.put("a", "m3"));
        assertEquals(2, store.size());
        assertEquals(2, store.nodeCount());
        assertEquals("m2", store.remove("a/b"));
        assertNull(store.remove("a/b"));
        assertEquals(1, store.nodeCount(), "a/b pruned, a still holds m3");
        assertEquals("m3", store.remove("a"));
        assertEquals(0, store.size());
        assertEquals(0, store.nodeCount());
    }

    @Test
    void bufferAndStringEntryPointsAgree() {
        RetainedStore<String> store = new RetainedStore<>();
        UnsafeBuffer topic = Topics.buffer("capteur/é//t");
        int length = Topics.length("capteur/é//t");
        assertNull(store.put(topic, 3, length, "m1"));
        assertEquals("m1", store.get("capteur/é//t"));
        assertEquals("m1", store.put("capteur/é//t", "m2"));
        assertEquals("m2", store.get(topic, 3, length));
        assertNull(store.get(topic, 3, length - 1));
        assertEquals("m2", store.remove(topic, 3, length));
        assertEquals(0, store.nodeCount());
    }

    @Test
    void invalidTopicsAndFiltersAreRefused() {
        RetainedStore<String> store = new RetainedStore<>();
        assertThrows(IllegalArgumentException.class, () -> store.put("a/+", "m"));
        assertThrows(IllegalArgumentException.class, () -> store.put("", "m"));
        assertThrows(IllegalArgumentException.class, () -> store.matching("a/#/b", m -> { }));
        assertNull(store.get("a/#"));
        assertNull(store.remove("a/#"));
    }

    @Test
    void sharedSubscriptionsTakeNoRetainedMessages() {
        RetainedStore<String> store = new RetainedStore<>();
        store.put("a", "m");
        store.put("$share/g/a", "odd but valid topic");
        assertEquals(0, store.matching("$share/g/a", m -> { }));
        assertEquals(0, store.matching("$share/g/#", m -> { }));
        store.put("$share", "no slash, no share");
        assertEquals(1, store.matching("$share", m -> { }), "\"$share\" alone is an ordinary filter");
    }

    @Test
    void dollarTopicsAreHiddenFromLeadingWildcardsOnly() {
        RetainedStore<String> store = new RetainedStore<>();
        store.put("$SYS/broker/uptime", "uptime");
        store.put("sensors/$meta", "meta");
        store.put("sensors", "root");
        assertEquals(Set.of("meta", "root"), matching(store, "#"));
        assertEquals(Set.of("meta", "root"), matching(store, "sensors/#"));
        assertEquals(Set.of("meta"), matching(store, "+/+"));
        assertEquals(Set.of("uptime"), matching(store, "$SYS/#"));
        assertEquals(Set.of("uptime"), matching(store, "$SYS/+/uptime"));
        assertEquals(Set.of(), matching(store, "+/broker/uptime"));
    }

    @Test
    void removeIfSweepsAndPrunes() {
        RetainedStore<Integer> store = new RetainedStore<>();
        for (int i = 0; i < 100; i++) {
            store.put("t/" + (i % 10) + "/" + i, i);
            store.put("t/" + (i % 10), -1);
        }
        assertEquals(110, store.size());
        assertEquals(10, store.removeIf(m -> m < 0));
        assertEquals(100, store.size());
        assertEquals(50, store.removeIf(m -> m % 2 == 0));
        assertEquals(50, store.size());
        assertEquals(50, store.matching("t/#", m -> assertEquals(1, m % 2)));
        assertEquals(50, store.removeIf(m -> true));
        assertEquals(0, store.nodeCount());
    }

    @Test
    void callbacksCannotChangeTheStore() {
        RetainedStore<String> store = new RetainedStore<>();
        store.put("a", "m");
        assertThrows(IllegalStateException.class, () -> store.matching("#", m -> store.remove("a")));
        assertThrows(IllegalStateException.class, () -> store.removeIf(m -> store.put("b", "x") == null));
        assertEquals("m", store.get("a"));
        assertEquals(1, store.nodeCount());
    }

    @Test
    void deepTopicsDoNotOverflowTheStack() {
        RetainedStore<String> store = new RetainedStore<>();
        String deep = "/".repeat(40_000);
        store.put(deep, "deep");
        assertEquals(Set.of("deep"), matching(store, "#"));
        assertEquals(Set.of("deep"), matching(store, "/".repeat(20_000) + "#"));
        assertEquals(1, store.removeIf(m -> true));
        assertEquals(0, store.nodeCount());
    }

    /** A put (message set) or a remove (message null) of one topic. */
    record Op(String topic, String message) {
    }

    @Test
    void matchingEqualsANaiveScanAndPruningKeepsOnlyStoredPrefixes() {
        Gen<List<Op>> ops = TopicGenerators.lists(in -> new Op(TopicGenerators.topic(in),
                TopicGenerators.between(in, 0, 3) == 0 ? null : "m" + TopicGenerators.between(in, 0, 1000)), 0, 60);
        qt().withExamples(1500)
                .forAll(ops, TopicGenerators.lists(TopicGenerators.filters(), 1, 10))
                .checkAssert((sequence, filters) -> {
                    RetainedStore<String> store = new RetainedStore<>();
                    Map<String, String> model = new HashMap<>();
                    for (Op op : sequence) {
                        if (op.message() == null) {
                            assertEquals(model.remove(op.topic()), store.remove(op.topic()));
                        } else {
                            // Messages carry their topic so that the multiset compare is exact.
                            String message = op.topic() + '=' + op.message();
                            assertEquals(model.put(op.topic(), message), store.put(op.topic(), message));
                        }
                        assertEquals(model.size(), store.size());
                        assertEquals(prefixCount(model.keySet()), store.nodeCount());
                    }
                    for (String filter : filters) {
                        List<String> expected = new ArrayList<>();
                        model.forEach((topic, message) -> {
                            if (TopicGenerators.naiveMatches(filter, topic)) {
                                expected.add(message);
                            }
                        });
                        List<String> actual = new ArrayList<>();
                        assertEquals(expected.size(), store.matching(filter, actual::add));
                        expected.sort(null);
                        actual.sort(null);
                        assertEquals(expected, actual, () -> "retained matching " + filter);
                    }
                    for (String topic : model.keySet()) {
                        assertEquals(model.get(topic), store.get(topic));
                    }
                    int expectedRemoved = (int) model.values().stream().filter(m -> m.hashCode() % 2 == 0).count();
                    assertEquals(expectedRemoved, store.removeIf(message -> message.hashCode() % 2 == 0));
                    model.values().removeIf(message -> message.hashCode() % 2 == 0);
                    assertEquals(model.size(), store.size());
                    assertEquals(prefixCount(model.keySet()), store.nodeCount());
                });
    }

    private static int prefixCount(Set<String> topics) {
        Set<String> prefixes = new HashSet<>();
        topics.forEach(topic -> prefixes.addAll(TopicGenerators.prefixes(topic)));
        return prefixes.size();
    }

    private static Set<String> matching(RetainedStore<String> store, String filter) {
        Set<String> messages = new HashSet<>();
        store.matching(filter, messages::add);
        return messages;
    }
}
