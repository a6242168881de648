package dev.isthmus.protocol.mqtt.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

/**
 * Shared subscriptions: one delivery per group per message, round-robin over the members in
 * joining order, declines passed on to the next member, and members leaving or joining between
 * messages without anyone losing or gaining turns.
 */
class SharedGroupTest {
    private static final SubscriptionOptions QOS1 = SubscriptionOptions.of(1);

    /** Takes offers unless {@link #declines} says no; records "group:member" per delivery. */
    private static final class Deliveries implements TopicTrie.Visitor<String> {
        final List<String> delivered = new ArrayList<>();
        final List<String> offered = new ArrayList<>();
        final List<String> declinedGroups = new ArrayList<>();
        Predicate<String> declines = member -> false;

        @Override
        public void visit(String subscriber, SubscriptionOptions options) {
            delivered.add("plain:" + subscriber);
        }

        @Override
        public boolean offerShared(String member, SubscriptionOptions options, SharedGroup<String> group) {
            offered.add(member);
            if (declines.test(member)) {
                return false;
            }
            delivered.add(group.name() + ':' + member);
            return true;
        }

        @Override
        public void sharedGroupDeclined(SharedGroup<String> group) {
            declinedGroups.add(group.name());
        }
    }

    @Test
    void membersTakeTurnsInJoiningOrder() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (String member : List.of("a", "b", "c")) {
            assertFalse(trie.subscribe("$share/g/sensors/+", member, QOS1));
        }
        Deliveries deliveries = new Deliveries();
        for (int i = 0; i < 7; i++) {
            assertEquals(1, Topics.match(trie, "sensors/t1", deliveries));
        }
        assertEquals(List.of("g:a", "g:b", "g:c", "g:a", "g:b", "g:c", "g:a"), deliveries.delivered);
    }

    @Test
    void roundRobinIsFairOverManyMessagesAndEachGroupGetsEachMessageOnce() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (int i = 0; i < 5; i++) {
            trie.subscribe("$share/five/data/#", "f" + i, QOS1);
        }
        for (int i = 0; i < 3; i++) {
            trie.subscribe("$share/three/data/+/x", "t" + i, QOS1);
        }
        trie.subscribe("data/#", "plain", QOS1);
        assertEquals(9, trie.size());
        assertEquals(2, trie.sharedGroupCount());

        Deliveries deliveries = new Deliveries();
        int messages = 3000;
        for (int i = 0; i < messages; i++) {
            int before = deliveries.delivered.size();
            // Both groups and the plain subscription match: three deliveries, one per group.
            assertEquals(3, Topics.match(trie, "data/d" + (i % 17) + "/x", deliveries));
            List<String> these = deliveries.delivered.subList(before, deliveries.delivered.size());
            assertEquals(3, these.size());
            assertEquals(1, these.stream().filter(d -> d.startsWith("five:")).count());
            assertEquals(1, these.stream().filter(d -> d.startsWith("three:")).count());
        }
        Map<String, Integer> counts = count(deliveries.delivered);
        for (int i = 0; i < 5; i++) {
            assertEquals(messages / 5, counts.get("five:f" + i));
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(messages / 3, counts.get("three:t" + i));
        }
        assertEquals(messages, counts.get("plain:plain"));
    }

    @Test
    void membersLeavingAndJoiningMidwayKeepTheOthersTurns() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (String member : List.of("a", "b", "c", "d")) {
            trie.subscribe("$share/g/t", member, QOS1);
        }
        Deliveries deliveries = new Deliveries();
        publish(trie, deliveries, 2); // a, b: c is next
        assertTrue(trie.unsubscribe("$share/g/t", "a")); // before the cursor: c stays next
        publish(trie, deliveries, 1); // c
        assertTrue(trie.unsubscribe("$share/g/t", "d")); // the next one leaves: b (wrapping) is next
        publish(trie, deliveries, 1); // b
        trie.subscribe("$share/g/t", "e", QOS1); // joins at the end: c, e, b, ...
        publish(trie, deliveries, 4);
        assertTrue(trie.subscribe("$share/g/t", "c", SubscriptionOptions.of(2)), "re-subscribe replaces");
        publish(trie, deliveries, 3); // keeps its place: c is still after b
        assertEquals(List.of("g:a", "g:b", "g:c", "g:b", "g:c", "g:e", "g:b", "g:c", "g:e", "g:b", "g:c"),
                deliveries.delivered);

        // Members leave one by one with messages in between; no message goes to a member that left.
        Deliveries after = new Deliveries();
        List<String> left = new ArrayList<>();
        for (String member : List.of("e", "b", "c")) {
            publish(trie, after, 5);
            assertTrue(trie.unsubscribe("$share/g/t", member));
            left.add(member);
            int before = after.delivered.size();
            publish(trie, after, 5);
            after.delivered.subList(before, after.delivered.size())
                    .forEach(d -> assertFalse(left.contains(d.substring(2)), d));
        }
        assertEquals(0, trie.size());
        assertEquals(0, trie.sharedGroupCount());
        assertEquals(0, trie.nodeCount());
        assertEquals(0, Topics.match(trie, "t", after));
    }

    @Test
    void fairnessHoldsWhileMembersComeAndGo() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (int i = 0; i < 4; i++) {
            trie.subscribe("$share/g/t", "m" + i, QOS1);
        }
        Deliveries deliveries = new Deliveries();
        // Whoever is in the group for a whole round of |group| messages gets exactly one of them.
        for (int round = 0; round < 200; round++) {
            int size = 4 + round % 3;
            if (round % 3 == 0 && round > 0) {
                trie.unsubscribe("$share/g/t", "m" + (round % 7));
            }
            for (int k = 0; countMembers(trie) < size; k++) {
                trie.subscribe("$share/g/t", "m" + (round + k) % 7, QOS1);
            }
            int members = countMembers(trie);
            int before = deliveries.delivered.size();
            publish(trie, deliveries, members);
            Set<String> distinct = Set.copyOf(deliveries.delivered.subList(before, deliveries.delivered.size()));
            assertEquals(members, distinct.size(), "one message each per round of " + members);
        }
    }

    @Test
    void aDecliningMemberPassesTheMessageOnAndKeepsItsTurnLater() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (String member : List.of("a", "b", "c")) {
            trie.subscribe("$share/g/t", member, QOS1);
        }
        Deliveries deliveries = new Deliveries();
        deliveries.declines = "b"::equals;
        publish(trie, deliveries, 4);
        // a, then b declines and c takes it, then a, then c (b declines again).
        assertEquals(List.of("g:a", "g:c", "g:a", "g:c"), deliveries.delivered);
        assertEquals(List.of("a", "b", "c", "a", "b", "c"), deliveries.offered);

        deliveries.declines = member -> false;
        deliveries.delivered.clear();
        publish(trie, deliveries, 3);
        assertEquals(List.of("g:a", "g:b", "g:c"), deliveries.delivered);
    }

    @Test
    void whenEveryMemberDeclinesTheGroupIsReportedOnceAndTheCursorMovesOn() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (String member : List.of("a", "b", "c")) {
            trie.subscribe("$share/g/t", member, QOS1);
        }
        Deliveries deliveries = new Deliveries();
        deliveries.declines = member -> true;
        assertEquals(1, Topics.match(trie, "t", deliveries), "the group matched even though nobody took it");
        assertEquals(List.of("a", "b", "c"), deliveries.offered);
        assertEquals(List.of("g"), deliveries.declinedGroups);
        assertEquals(List.of(), deliveries.delivered);
        deliveries.offered.clear();
        Topics.match(trie, "t", deliveries);
        assertEquals(List.of("b", "c", "a"), deliveries.offered);
    }

    @Test
    void groupsAreKeptApartByNameAndFilterAndTakeNoPartInPlainMatching() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe("$share/g/a/+", "x", QOS1);
        trie.subscribe("$share/g/a/#", "x", QOS1);
        trie.subscribe("$share/h/a/+", "x", QOS1);
        trie.subscribe("a/+", "x", QOS1);
        assertEquals(4, trie.size());
        assertEquals(3, trie.sharedGroupCount());
        Deliveries deliveries = new Deliveries();
        assertEquals(4, Topics.match(trie, "a/b", deliveries));
        assertEquals(List.of("g:x", "g:x", "h:x", "plain:x"), deliveries.delivered.stream().sorted().toList());
        assertFalse(trie.unsubscribe("$share/h/a/#", "x"));
        assertTrue(trie.unsubscribe("$share/h/a/+", "x"));
        assertEquals(2, trie.sharedGroupCount());
    }

    @Test
    void theDefaultVisitorDeliversSharedOffersAsPlainVisits() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe("$share/g/t", "a", QOS1);
        trie.subscribe("$share/g/t", "b", QOS1);
        List<String> seen = new ArrayList<>();
        TopicTrie.Visitor<String> visitor = (subscriber, options) -> seen.add(subscriber);
        for (int i = 0; i < 4; i++) {
            Topics.match(trie, "t", visitor);
        }
        assertEquals(List.of("a", "b", "a", "b"), seen);
    }

    @Test
    void groupIntrospection() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe("$share/workers/jobs/#", "a", QOS1);
        trie.subscribe("$share/workers/jobs/#", "b", SubscriptionOptions.of(2));
        List<SharedGroup<String>> groups = new ArrayList<>();
        Topics.match(trie, "jobs/1", new TopicTrie.Visitor<>() {
            @Override
            public void visit(String subscriber, SubscriptionOptions options) {
            }

            @Override
            public boolean offerShared(String member, SubscriptionOptions options, SharedGroup<String> group) {
                groups.add(group);
                return true;
            }
        });
        SharedGroup<String> group = groups.getFirst();
        assertEquals("workers", group.name());
        assertEquals("jobs/#", group.filter());
        assertEquals(2, group.size());
        assertEquals("b", group.member(1));
        assertEquals(2, group.options(1).maxQos());
        assertEquals(1, group.next());
        assertEquals("$share/workers/jobs/# (2 members)", group.toString());
    }

    private static void publish(TopicTrie<String> trie, Deliveries deliveries, int messages) {
        for (int i = 0; i < messages; i++) {
            Topics.match(trie, "t", deliveries);
        }
    }

    private static int countMembers(TopicTrie<String> trie) {
        return trie.size();
    }

    private static Map<String, Integer> count(List<String> values) {
        Map<String, Integer> counts = new HashMap<>();
        values.forEach(v -> counts.merge(v, 1, Integer::sum));
        return counts;
    }
}
