package dev.isthmus.protocol.mqtt.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Holds the publish path's promise: matching a topic against a warmed trie, and replacing or
 * reading a stored retained message, allocate nothing. Measured as the bytes this thread
 * allocates ({@code com.sun.management.ThreadMXBean}) over many operations, under a bound per
 * operation smaller than any object, as {@code LoopAllocationTest} does for the proxy loop.
 */
class MatchAllocationTest {
    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 200_000;
    /** Bytes per operation allowed: less than the smallest object, so any per-operation allocation fails. */
    private static final double BOUND = 1;

    private static final String[] TOPICS = {
            "site3/building2/floor1/device7/temperature",
            "site3/building2/floor1/device7",
            "$SYS/broker/clients/connected",
            "alerts//fire",
            "nobody/listens/here",
            "site9/building9/floor9/device99/humidity",
    };

    /** Counts without keeping anything, and declines every other shared offer to exercise the passing on. */
    private static final class CountingVisitor implements TopicTrie.Visitor<Integer> {
        long visits;
        long offers;

        @Override
        public void visit(Integer subscriber, SubscriptionOptions options) {
            visits += subscriber + options.maxQos();
        }

        @Override
        public boolean offerShared(Integer member, SubscriptionOptions options, SharedGroup<Integer> group) {
            offers++;
            return (offers & 1) == 0;
        }
    }

    @Test
    void matchingAWarmedTrieAllocatesNothing() {
        TopicTrie<Integer> trie = new TopicTrie<>();
        int subscriber = 0;
        for (int site = 0; site < 10; site++) {
            for (int device = 0; device < 100; device++) {
                String base = "site" + site + "/building" + device % 10 + "/floor" + device % 5 + "/device" + device;
                trie.subscribe(base + "/temperature", subscriber++, SubscriptionOptions.of(device % 3));
                trie.subscribe(base + "/#", subscriber++, SubscriptionOptions.of(1));
            }
            trie.subscribe("site" + site + "/+/+/+/temperature", subscriber++, SubscriptionOptions.of(0));
            trie.subscribe("$share/workers/site" + site + "/#", site % 4, SubscriptionOptions.of(1));
        }
        for (int i = 0; i < 20; i++) {
            trie.subscribe("+/building2/#", subscriber++, SubscriptionOptions.of(2));
            trie.subscribe("alerts/+/fire", subscriber++, SubscriptionOptions.of(2));
        }
        trie.subscribe("#", subscriber++, SubscriptionOptions.of(0));
        trie.subscribe("$SYS/#", subscriber, SubscriptionOptions.of(0));

        UnsafeBuffer[] topics = new UnsafeBuffer[TOPICS.length];
        int[] lengths = new int[TOPICS.length];
        ByteBuffer[] memory = new ByteBuffer[TOPICS.length];
        for (int i = 0; i < TOPICS.length; i++) {
            byte[] bytes = TOPICS[i].getBytes(StandardCharsets.UTF_8);
            memory[i] = ByteBuffer.allocateDirect(bytes.length + 16);
            topics[i] = new UnsafeBuffer(BufferUtil.address(memory[i]), memory[i].capacity());
            topics[i].putBytes(8, bytes);
            lengths[i] = bytes.length;
        }
        CountingVisitor visitor = new CountingVisitor();
        long matched = 0;
        for (int i = 0; i < WARM_UP; i++) {
            int t = i % TOPICS.length;
            matched += trie.match(topics[t], 8, lengths[t], visitor);
        }
        assertTrue(matched > WARM_UP, "the topics match something");

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < MEASURED; i++) {
            int t = i % TOPICS.length;
            matched += trie.match(topics[t], 8, lengths[t], visitor);
        }
        long after = threads.getCurrentThreadAllocatedBytes();
        double perMatch = (after - before) / (double) MEASURED;
        assertTrue(perMatch < BOUND, "matching allocated " + perMatch + " bytes per topic");
        assertTrue(visitor.visits > 0 && visitor.offers > 0);
    }

    @Test
    void replacingAndReadingRetainedMessagesAllocatesNothing() {
        RetainedStore<String> store = new RetainedStore<>();
        String[] messages = {"on", "off"};
        UnsafeBuffer[] topics = new UnsafeBuffer[TOPICS.length];
        int[] lengths = new int[TOPICS.length];
        for (int i = 0; i < TOPICS.length; i++) {
            topics[i] = Topics.buffer(TOPICS[i]);
            lengths[i] = Topics.length(TOPICS[i]);
            store.put(TOPICS[i], messages[0]);
        }
        long found = 0;
        for (int round = 0; round < 2; round++) {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < WARM_UP; i++) {
                int t = i % TOPICS.length;
                store.put(topics[t], 3, lengths[t], messages[i & 1]);
                found += store.get(topics[t], 3, lengths[t]).length();
            }
            long after = threads.getCurrentThreadAllocatedBytes();
            double perOperation = (after - before) / (2.0 * WARM_UP);
            // The first round warms up; only the second is held to the bound.
            if (round == 1) {
                assertTrue(perOperation < BOUND, "retained put/get allocated " + perOperation + " bytes per operation");
            }
        }
        assertTrue(found > 0);
        assertEquals(TOPICS.length, store.size());
    }

    @Test
    void topicMatchOverStringsAllocatesNothing() {
        String[] filters = {"site3/+/floor1/#", "#", "+/+/+/+/temperature", "$SYS/#", "alerts/+/fire", "nobody"};
        long hits = 0;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 2; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < WARM_UP; i++) {
                hits += TopicMatch.matches(filters[i % filters.length], TOPICS[i / filters.length % TOPICS.length]) ? 1 : 0;
            }
            long after = threads.getCurrentThreadAllocatedBytes();
            if (round == 1) {
                double perMatch = (after - before) / (double) WARM_UP;
                assertTrue(perMatch < BOUND, "TopicMatch allocated " + perMatch + " bytes per call");
            }
        }
        assertTrue(hits > 0);
    }
}
