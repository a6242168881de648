package dev.isthmus.protocol.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The deduplication table against a plain model (every request ever added, in order): what it
 * finds is the newest unexpired request with that sender and message ID and carries exactly the
 * answer kept for it; what it has forgotten early is only what its bounds allowed it to forget;
 * and it stays within those bounds while its storage grows.
 */
class DeduplicationTableTest {
    private static final InetSocketAddress[] PEERS = {
        new InetSocketAddress("127.0.0.1", 5683), new InetSocketAddress("127.0.0.1", 5684),
        new InetSocketAddress("127.0.0.2", 5683), new InetSocketAddress("::1", 5683),
        new InetSocketAddress("10.1.2.3", 40000),
    };

    /** One request of the model. */
    private static final class Added {
        final InetSocketAddress peer;
        final int messageId;
        final long expiresAt;
        final long entry;
        /** Its place among everything added. */
        final int index;
        byte[] answer;
        /** Answer bytes written into the table before this one's answer. */
        long answerBytesBefore;
        boolean finished;

        Added(InetSocketAddress peer, int messageId, long expiresAt, long entry, int index) {
            this.index = index;
            this.peer = peer;
            this.messageId = messageId;
            this.expiresAt = expiresAt;
            this.entry = entry;
        }
    }

    @Test
    void agreesWithTheModelAndKeepsWhatItsBoundsPromise() {
        // Each operation is one int: its low bits pick what it does, the rest its arguments.
        qt().withExamples(400).forAll(integers().between(1, 3), lists().of(integers().allPositive())
                .ofSizeBetween(1, 3_000)).checkAssert(this::run);
    }

    private void run(int bounds, List<Integer> operations) {
        int maxEntries = bounds == 1 ? 5 : bounds == 2 ? 300 : 2_000;
        int maxAnswerBytes = bounds == 1 ? 1_024 : bounds == 2 ? 8_192 : 64 * 1024;
        int largestAnswer = bounds == 1 ? 104 : 1_104;
        DeduplicationTable<Object> table = new DeduplicationTable<>(maxEntries, maxAnswerBytes);
        List<Added> model = new ArrayList<>();
        Map<String, Added> newest = new HashMap<>();
        long[] answerBytes = {0};
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[2_048]);
        long now = 0;
        for (int operation : operations) {
            InetSocketAddress peer = PEERS[(operation >>> 3) % PEERS.length];
            int messageId = (operation >>> 6) % 16;
            switch (operation & 7) {
                case 0, 1, 2 -> {
                    long found = table.find(peer, messageId, now);
                    if (found < 0) {
                        long lifetime = 10 + (operation >>> 10) % 50;
                        Added added = new Added(peer, messageId, now + lifetime,
                                table.add(peer, messageId, now + lifetime, null), model.size());
                        model.add(added);
                        newest.put(key(peer, messageId), added);
                        assertEquals(-1, table.copyAnswer(added.entry, scratch), "a new entry has no answer");
                    }
                }
                case 3, 4 -> {
                    // Answers the newest request from this sender that has none yet, the way an exchange does.
                    Added open = newest.get(key(peer, messageId));
                    if (open != null && open.answer == null && table.find(peer, messageId, now) == open.entry) {
                        byte[] answer = new byte[4 + (operation >>> 10) % (largestAnswer - 3)];
                        Arrays.fill(answer, (byte) operation);
                        answer[0] = (byte) open.entry;
                        scratch.putBytes(0, answer);
                        table.answer(open.entry, scratch, answer.length);
                        open.answer = answer;
                        open.answerBytesBefore = answerBytes[0];
                        answerBytes[0] += align(16 + answer.length);
                    }
                }
                case 5 -> {
                    Added open = newest.get(key(peer, messageId));
                    if (open != null) {
                        table.finished(open.entry);
                        open.finished = true;
                    }
                }
                case 6 -> {
                    now += (operation >>> 10) % 20;
                    table.expire(now);
                }
                default -> check(table, model, newest, answerBytes[0], now, maxEntries, maxAnswerBytes - align(16 + largestAnswer), scratch);
            }
        }
        check(table, model, newest, answerBytes[0], now, maxEntries, maxAnswerBytes - align(16 + largestAnswer), scratch);
        int[] capacities = table.capacities();
        assertTrue(capacities[0] <= maxEntries, "entries within their bound: " + capacities[0]);
        assertTrue(capacities[1] <= maxAnswerBytes, "answer bytes within their bound: " + capacities[1]);
        assertTrue(table.size() <= maxEntries);
    }

    private static String key(InetSocketAddress peer, int messageId) {
        return peer + "/" + messageId;
    }

    private static int align(int length) {
        return (length + 7) & ~7;
    }

    /**
     * Checks every sender and message ID. {@code keptAnswerBytes}: the answer bytes the table
     * promises to keep, its bound less the padding that may end a lap (less than one record).
     */
    private static void check(DeduplicationTable<Object> table, List<Added> model, Map<String, Added> newestByKey,
                              long answerBytes, long now, int maxEntries,
                              int keptAnswerBytes, UnsafeBuffer scratch) {
        for (int p = 0; p < PEERS.length; p++) {
            for (int messageId = 0; messageId < 16; messageId++) {
                Added newest = newestByKey.get(key(PEERS[p], messageId));
                long found = table.find(PEERS[p], messageId, now);
                if (newest == null || newest.expiresAt - now <= 0) {
                    assertEquals(-1, found, "nothing unexpired to find");
                    continue;
                }
                int youngerOrSame = model.size() - newest.index;
                // What the bounds promise: no more entries since than the table holds, and its
                // answer among the answer bytes it keeps.
                boolean promised = youngerOrSame <= maxEntries
                        && (newest.answer == null || answerBytes - newest.answerBytesBefore <= keptAnswerBytes);
                if (found < 0) {
                    assertTrue(!promised, "forgot a request its bounds promised to keep: " + table);
                    continue;
                }
                assertEquals(newest.entry, found, "the newest request with this sender and message ID");
                int length = table.copyAnswer(found, scratch);
                if (newest.answer == null) {
                    assertEquals(-1, length);
                } else {
                    byte[] kept = new byte[length];
                    scratch.getBytes(0, kept);
                    assertArrayEquals(newest.answer, kept, "the answer kept is the answer given");
                }
                if (newest.finished) {
                    assertNull(table.working(found));
                }
            }
        }
    }

    @Test
    void holdsTheExchangeUntilItFinishes() {
        DeduplicationTable<Object> table = new DeduplicationTable<>(10, 1_024);
        Object exchange = new Object();
        long entry = table.add(PEERS[0], 1, 100, exchange);
        assertSame(exchange, table.working(entry));
        List<Object> working = new ArrayList<>();
        table.forEachWorking(working::add);
        assertEquals(List.of(exchange), working);
        table.finished(entry);
        assertNull(table.working(entry));
        assertEquals(entry, table.find(PEERS[0], 1, 99), "a finished request is still remembered");
        table.expire(100);
        assertEquals(-1, table.find(PEERS[0], 1, 100));
        assertEquals(0, table.size());
        assertEquals(0, table.forgottenEarly(), "expiry is no early forgetting");
    }

    @Test
    void countsWhatItForgetsEarly() {
        DeduplicationTable<Object> table = new DeduplicationTable<>(3, 1_024);
        for (int messageId = 0; messageId < 5; messageId++) {
            table.add(PEERS[0], messageId, 1_000, null);
        }
        assertEquals(2, table.forgottenEarly(), "five into three");
        assertEquals(-1, table.find(PEERS[0], 1, 0));
        assertTrue(table.find(PEERS[0], 2, 0) >= 0);
        // Answers of 500 bytes into a ring of 1 KiB: each one pushes out the one before.
        UnsafeBuffer answer = new UnsafeBuffer(new byte[500]);
        table.answer(table.find(PEERS[0], 2, 0), answer, 500);
        table.answer(table.find(PEERS[0], 3, 0), answer, 500);
        table.answer(table.find(PEERS[0], 4, 0), answer, 500);
        assertEquals(-1, table.find(PEERS[0], 2, 0), "its answer was overwritten, and it with it");
        assertTrue(table.find(PEERS[0], 4, 0) >= 0);
        assertTrue(table.forgottenEarly() >= 3);
    }

    /**
     * The promise the endpoint relies on at tens of thousands of requests a second: once the table
     * has grown to its bounds, remembering a request, finding its duplicate, keeping its answer and
     * copying it out allocate nothing (bytes this thread allocated, under a bound smaller than any object).
     */
    @Test
    void aTableAtItsBoundsAllocatesNothingPerRequest() {
        DeduplicationTable<Object> table = new DeduplicationTable<>(4096, 4096 * 64);
        Object exchange = new Object();
        UnsafeBuffer answer = new UnsafeBuffer(ByteBuffer.allocateDirect(96));
        UnsafeBuffer copy = new UnsafeBuffer(ByteBuffer.allocateDirect(96));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int requests = 200_000;
        long copied = 0;
        for (int round = 0; round < 2; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < requests; i++) {
                InetSocketAddress peer = PEERS[i % PEERS.length];
                int messageId = (i / PEERS.length) & 0xffff;
                long now = (long) round * requests + i;
                table.expire(now);
                long entry = table.find(peer, messageId, now) < 0 ? table.add(peer, messageId, now + 10_000, exchange) : -1;
                table.answer(entry, answer, 20 + i % 60);
                table.finished(entry);
                copied += table.copyAnswer(table.find(peer, messageId, now), copy);
            }
            double perRequest = (threads.getCurrentThreadAllocatedBytes() - before) / (double) requests;
            // The first round grows the table to its bounds and warms up; the second is held to the bound.
            if (round == 1) {
                assertTrue(perRequest < 1, "the table allocated " + perRequest + " bytes per request");
            }
        }
        assertEquals(4096, table.size(), "the table is at its bound of entries");
        assertTrue(copied > 0 && table.forgottenEarly() > 0);
    }
}
