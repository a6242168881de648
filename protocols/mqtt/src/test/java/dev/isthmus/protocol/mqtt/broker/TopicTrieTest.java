package dev.isthmus.protocol.mqtt.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Subscribe, unsubscribe and match of {@link TopicTrie} case by case; the properties are in {@link TopicTriePropertiesTest}. */
class TopicTrieTest {
    private static final SubscriptionOptions QOS0 = SubscriptionOptions.of(0);
    private static final SubscriptionOptions QOS2 = SubscriptionOptions.of(2);

    @Test
    void aResubscribeReplacesTheOptionsAndSaysSo() {
        TopicTrie<String> trie = new TopicTrie<>();
        assertFalse(trie.subscribe("a/+", "s", QOS0));
        assertTrue(trie.subscribe("a/+", "s", QOS2));
        assertFalse(trie.subscribe("a/#", "s", QOS0), "another filter is another subscription");
        assertEquals(2, trie.size());
        assertEquals(QOS2, trie.get("a/+", "s"));
        List<SubscriptionOptions> seen = new ArrayList<>();
        assertEquals(2, Topics.match(trie, "a/b", (subscriber, options) -> seen.add(options)));
        assertTrue(seen.contains(QOS2) && seen.contains(QOS0), "each matching filter is visited: " + seen);
    }

    @Test
    void unsubscribeRemovesOnlyThatSubscriptionAndPrunes() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe("a/b/c/d", "s", QOS0);
        trie.subscribe("a/b", "t", QOS0);
        assertEquals(4, trie.nodeCount());
        assertFalse(trie.unsubscribe("a/b/c/d", "t"));
        assertFalse(trie.unsubscribe("a/b/c", "s"));
        assertFalse(trie.unsubscribe("x", "s"));
        assertFalse(trie.unsubscribe("a/+", "s"));
        assertTrue(trie.unsubscribe("a/b/c/d", "s"));
        assertFalse(trie.unsubscribe("a/b/c/d", "s"));
        assertEquals(2, trie.nodeCount(), "c and d are gone, a/b still holds t");
        assertTrue(trie.unsubscribe("a/b", "t"));
        assertEquals(0, trie.nodeCount());
        assertTrue(trie.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/#/b", "a+", "$share/g", "$share//a", "$share/g/", "$share/g+/a", "$share/#/a",
            "$share/g/a#", "a\u0000"})
    void invalidFiltersAreRefused(String filter) {
        TopicTrie<String> trie = new TopicTrie<>();
        assertThrows(IllegalArgumentException.class, () -> trie.subscribe(filter, "s", QOS0));
        assertFalse(trie.unsubscribe(filter, "s"));
        assertNull(trie.get(filter, "s"));
        assertEquals(0, trie.nodeCount());
    }

    @Test
    void noLocalIsRefusedOnASharedSubscription() {
        TopicTrie<String> trie = new TopicTrie<>();
        SubscriptionOptions noLocal = new SubscriptionOptions(1, true, false, SubscriptionOptions.SEND_RETAINED, 0);
        assertThrows(IllegalArgumentException.class, () -> trie.subscribe("$share/g/a", "s", noLocal));
        assertFalse(trie.subscribe("a", "s", noLocal));
    }

    @Test
    void shareWithoutTheSlashIsAnOrdinaryFilter() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe("$share", "s", QOS0);
        trie.subscribe("$shared/g/a", "s", QOS0);
        assertEquals(0, trie.sharedGroupCount());
        List<String> seen = new ArrayList<>();
        Topics.match(trie, "$share", (subscriber, options) -> seen.add(subscriber));
        Topics.match(trie, "$shared/g/a", (subscriber, options) -> seen.add(subscriber));
        assertEquals(List.of("s", "s"), seen);
    }

    @Test
    void theVisitorCannotChangeOrReenterTheTrie() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe("a", "s", QOS0);
        assertThrows(IllegalStateException.class,
                () -> Topics.match(trie, "a", (subscriber, options) -> trie.unsubscribe("a", subscriber)));
        assertThrows(IllegalStateException.class,
                () -> Topics.match(trie, "a", (subscriber, options) -> trie.subscribe("b", subscriber, QOS0)));
        assertThrows(IllegalStateException.class,
                () -> Topics.match(trie, "a", (subscriber, options) -> Topics.match(trie, "a", (s, o) -> { })));
        assertEquals(1, trie.size());
        assertEquals(1, Topics.match(trie, "a", (subscriber, options) -> { }), "usable again afterwards");
    }

    @Test
    void manySubscribersOnOneFilterComeAndGoInAnyOrder() {
        TopicTrie<Integer> trie = new TopicTrie<>();
        List<Integer> subscribers = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            subscribers.add(i);
            assertFalse(trie.subscribe("broadcast/#", i, QOS0));
        }
        assertTrue(trie.subscribe("broadcast/#", 4321, QOS2));
        Collections.shuffle(subscribers, new Random(7));
        int[] seen = new int[1];
        for (int i = 0; i < subscribers.size(); i++) {
            assertTrue(trie.unsubscribe("broadcast/#", subscribers.get(i)));
            if (i % 997 == 0) {
                seen[0] = 0;
                assertEquals(subscribers.size() - i - 1, Topics.match(trie, "broadcast/x", (s, o) -> seen[0]++));
                assertEquals(subscribers.size() - i - 1, seen[0]);
                if (i + 1 < subscribers.size()) {
                    Integer next = subscribers.get(i + 1);
                    assertEquals(next == 4321 ? QOS2 : QOS0, trie.get("broadcast/#", next));
                }
            }
        }
        assertEquals(0, trie.nodeCount());
    }

    @Test
    void manyChildrenOnOneNodeGrowAndShrinkTheTable() {
        TopicTrie<String> trie = new TopicTrie<>();
        int children = 3000;
        for (int i = 0; i < children; i++) {
            trie.subscribe("devices/d" + i + "/state", "s", QOS0);
        }
        assertEquals(1 + 2 * children, trie.nodeCount());
        Random random = new Random(11);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < children; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        for (int k = 0; k < children; k++) {
            int removed = order.get(k);
            assertTrue(trie.unsubscribe("devices/d" + removed + "/state", "s"));
            // Every remaining child is still found after backward-shift deletions and shrinks.
            if (k % 250 == 0) {
                for (int j = k + 1; j < children; j++) {
                    int[] seen = {0};
                    Topics.match(trie, "devices/d" + order.get(j) + "/state", (s, o) -> seen[0]++);
                    assertEquals(1, seen[0]);
                }
                int[] none = {0};
                Topics.match(trie, "devices/d" + removed + "/state", (s, o) -> none[0]++);
                assertEquals(0, none[0]);
            }
        }
        assertEquals(0, trie.nodeCount());
    }

    @Test
    void deepFiltersAndTopicsDoNotOverflowTheStack() {
        TopicTrie<String> trie = new TopicTrie<>();
        int levels = 30_000;
        String deep = "/".repeat(levels - 1);
        trie.subscribe(deep, "exact", QOS0);
        trie.subscribe("+/".repeat(levels - 1) + "+", "plus", QOS0);
        trie.subscribe("/".repeat(levels / 2) + "#", "multi", QOS0);
        List<String> seen = new ArrayList<>();
        assertEquals(3, Topics.match(trie, deep, (subscriber, options) -> seen.add(subscriber)));
        assertEquals(List.of("exact", "multi", "plus"), seen.stream().sorted().toList());
        assertTrue(trie.unsubscribe(deep, "exact"));
        assertTrue(trie.unsubscribe("+/".repeat(levels - 1) + "+", "plus"));
        assertTrue(trie.unsubscribe("/".repeat(levels / 2) + "#", "multi"));
        assertEquals(0, trie.nodeCount());
    }

    @Test
    void levelsAreComparedAsBytesNotJustByHash() {
        // "Aa" and "BB" have the same String hash; the trie hashes bytes, but whatever the hash,
        // equal-length levels that differ must not be confused.
        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe("Aa", "aa", QOS0);
        trie.subscribe("BB", "bb", QOS0);
        List<String> seen = new ArrayList<>();
        Topics.match(trie, "BB", (subscriber, options) -> seen.add(subscriber));
        Topics.match(trie, "Ab", (subscriber, options) -> seen.add(subscriber));
        assertEquals(List.of("bb"), seen);
    }

    @Test
    void subscriptionOptionsRoundTripTheWireByte() {
        for (int wire = 0; wire < 256; wire++) {
            int qos = wire & 3;
            int retainHandling = wire >>> 4 & 3;
            if ((wire & 0xC0) != 0 || qos == 3 || retainHandling == 3) {
                int refused = wire;
                assertThrows(IllegalArgumentException.class, () -> SubscriptionOptions.fromWire(refused, 0));
                continue;
            }
            SubscriptionOptions options = SubscriptionOptions.fromWire(wire, 42);
            assertEquals(wire, options.toWire());
            assertEquals(42, options.subscriptionIdentifier());
            assertEquals(qos, options.maxQos());
        }
        assertEquals(SubscriptionOptions.of(1), SubscriptionOptions.fromWire(1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new SubscriptionOptions(0, false, false, 0, SubscriptionOptions.MAX_SUBSCRIPTION_IDENTIFIER + 1));
    }
}
