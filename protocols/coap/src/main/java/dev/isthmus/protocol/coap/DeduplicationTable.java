package dev.isthmus.protocol.coap;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The requests an endpoint has seen, by sender and message ID (RFC 7252 4.5), until their
 * lifetime ends; with, for each, the exchange still working on it and the bytes that answered
 * it, which a duplicate gets again.
 *
 * <p>Nothing is allocated per request: entries live in parallel arrays in arrival order (a
 * ring, oldest first) with a chained hash index, and answers in one off-heap byte ring. At tens
 * of thousands of requests a second, each remembered for EXCHANGE_LIFETIME (247 s), an object
 * per request is a steady stream into the old generation and full collections under load.
 *
 * <p>Bounded twice, and both bounds grow the storage by doubling only as far as load needs:
 * past {@code maxEntries} the oldest entry is forgotten early; past {@code maxAnswerBytes} the
 * ring overwrites the oldest answers and their entries are forgotten with them. Either way the
 * caller is told ({@link #forgottenEarly()}), and a duplicate of a forgotten request counts as
 * new. Entries are expired in arrival order, so an entry with a shorter lifetime (NON) behind a
 * longer one is kept a little longer than it must be, never less.
 *
 * @param <T> the endpoint's exchange, held while it has not answered
 */
final class DeduplicationTable<T> {
    private static final int INITIAL_ENTRIES = 256;
    private static final int INITIAL_ANSWER_BYTES = 16 * 1024;
    /** An answer record: its length, then the sequence of its entry, then the bytes; records are 8-byte aligned. */
    private static final int RECORD_HEADER = 16;

    private final int maxEntries;
    private final int maxAnswerBytes;

    /** Entry {@code (head + i) % capacity} is the i-th oldest; its sequence is {@code firstSequence + i}. */
    private InetSocketAddress[] peers;
    private int[] messageIds;
    private long[] expiresAt;
    /** Position of the entry's answer record in the answer ring, or -1. */
    private long[] answerAt;
    private Object[] working;
    /** Hash chains: bucket -> entry index + 1, entry -> next entry index + 1 (0 ends a chain). */
    private int[] chainNext;
    private int[] buckets;
    private int head;
    private int size;
    private long firstSequence;
    private long forgottenEarly;

    /** The answer ring; positions grow forever and map to {@code position % capacity}. */
    private UnsafeBuffer answers;
    private long answersWritten;
    private long oldestAnswer;

    DeduplicationTable(int maxEntries, int maxAnswerBytes) {
        if (maxEntries < 1 || maxAnswerBytes < 64) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + ", maxAnswerBytes " + maxAnswerBytes);
        }
        this.maxEntries = maxEntries;
        // A power of two: the ring doubles as it grows, and a record that fits a lap of the smaller
        // ring then fits a lap of the larger one.
        this.maxAnswerBytes = Integer.highestOneBit(maxAnswerBytes - 1) << 1;
        allocateEntries(Math.min(INITIAL_ENTRIES, maxEntries));
        answers = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.min(INITIAL_ANSWER_BYTES, this.maxAnswerBytes)));
    }

    /** The entry of a request from {@code peer} with {@code messageId} that has not expired at {@code now}, or -1. */
    long find(InetSocketAddress peer, int messageId, long now) {
        for (int i = buckets[bucket(peer, messageId)] - 1; i >= 0; i = chainNext[i] - 1) {
            if (messageIds[i] == messageId && peer.equals(peers[i])) {
                return expiresAt[i] - now > 0 ? sequenceOf(i) : -1;
            }
        }
        return -1;
    }

    /** Remembers a new request until {@code expiresAt}, with {@code exchange} working on it; returns its entry. */
    long add(InetSocketAddress peer, int messageId, long expiresAt, T exchange) {
        if (size == peers.length) {
            if (peers.length < maxEntries) {
                growEntries();
            } else {
                if (peers[head] != null) {
                    forgottenEarly++;
                }
                removeHead();
            }
        }
        int i = (head + size) % peers.length;
        size++;
        peers[i] = peer;
        messageIds[i] = messageId;
        this.expiresAt[i] = expiresAt;
        answerAt[i] = -1;
        working[i] = exchange;
        int b = bucket(peer, messageId);
        chainNext[i] = buckets[b];
        buckets[b] = i + 1;
        return sequenceOf(i);
    }

    /** Forgets the entries that expired by {@code now}, oldest first. */
    void expire(long now) {
        while (size > 0 && expiresAt[head] - now <= 0) {
            removeHead();
        }
    }

    /** The exchange still working on {@code entry}, or null (answered, or the entry is gone). */
    @SuppressWarnings("unchecked")
    T working(long entry) {
        int i = indexOf(entry);
        return i < 0 ? null : (T) working[i];
    }

    /** The exchange of {@code entry} has finished: a duplicate now only gets the answer kept, if any. */
    void finished(long entry) {
        int i = indexOf(entry);
        if (i >= 0) {
            working[i] = null;
        }
    }

    /** Keeps {@code length} bytes at 0 in {@code from} as what answers duplicates of {@code entry}. */
    void answer(long entry, DirectBuffer from, int length) {
        int record = align(RECORD_HEADER + length);
        int kept = indexOf(entry);
        if (kept < 0) {
            return;
        }
        if (record > maxAnswerBytes) {
            // Too large to keep: a duplicate would find nothing to send, so it counts as new.
            forget(kept);
            return;
        }
        int capacity = answers.capacity();
        while (answersWritten + record - oldestAnswer > capacity && capacity < maxAnswerBytes) {
            growAnswers();
            capacity = answers.capacity();
        }
        int offset = (int) (answersWritten % capacity);
        if (offset + record > capacity) {
            // A record is contiguous: the rest of this lap is padding, marked by a negative length.
            makeRoom(answersWritten + (capacity - offset));
            answers.putInt(offset, -(capacity - offset));
            answersWritten += capacity - offset;
            offset = 0;
        }
        makeRoom(answersWritten + record);
        // Making room may have forgotten this very entry (an answer larger than what was left).
        int i = indexOf(entry);
        if (i < 0) {
            return;
        }
        answers.putInt(offset, length);
        answers.putLong(offset + 8, entry);
        answers.putBytes(offset + RECORD_HEADER, from, 0, length);
        answerAt[i] = answersWritten;
        answersWritten += record;
    }

    /** Copies the answer kept for {@code entry} to 0 in {@code into}; returns its length, or -1 when none is kept. */
    int copyAnswer(long entry, MutableDirectBuffer into) {
        int i = indexOf(entry);
        if (i < 0 || answerAt[i] < 0) {
            return -1;
        }
        int offset = (int) (answerAt[i] % answers.capacity());
        int length = answers.getInt(offset);
        into.putBytes(0, answers, offset + RECORD_HEADER, length);
        return length;
    }

    /** Calls {@code action} for every exchange still working. */
    @SuppressWarnings("unchecked")
    void forEachWorking(Consumer<T> action) {
        for (int n = 0; n < size; n++) {
            Object exchange = working[(head + n) % peers.length];
            if (exchange != null) {
                action.accept((T) exchange);
            }
        }
    }

    /** Entries remembered (some may be forgotten already, waiting for their turn to leave). */
    int size() {
        return size;
    }

    /** Entries forgotten before their lifetime ended, since the table was made. */
    long forgottenEarly() {
        return forgottenEarly;
    }

    // ---- entries

    private long sequenceOf(int index) {
        int age = index - head;
        return firstSequence + (age < 0 ? age + peers.length : age);
    }

    private int indexOf(long entry) {
        long age = entry - firstSequence;
        if (entry < 0 || age < 0 || age >= size) {
            return -1;
        }
        int i = (int) ((head + age) % peers.length);
        return peers[i] == null ? -1 : i;
    }

    private int bucket(InetSocketAddress peer, int messageId) {
        int h = (peer.hashCode() * 31 + messageId) * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (buckets.length - 1);
    }

    private void removeHead() {
        if (peers[head] != null) {
            unlink(head);
        }
        peers[head] = null;
        working[head] = null;
        head = (head + 1) % peers.length;
        size--;
        firstSequence++;
    }

    /** Takes entry {@code i} out of its hash chain; it stays in the ring, matching nothing, until it is the oldest. */
    private void unlink(int i) {
        int b = bucket(peers[i], messageIds[i]);
        if (buckets[b] == i + 1) {
            buckets[b] = chainNext[i];
            return;
        }
        for (int j = buckets[b] - 1; j >= 0; j = chainNext[j] - 1) {
            if (chainNext[j] == i + 1) {
                chainNext[j] = chainNext[i];
                return;
            }
        }
    }

    private void forget(int i) {
        unlink(i);
        peers[i] = null;
        working[i] = null;
        forgottenEarly++;
    }

    private void allocateEntries(int capacity) {
        peers = new InetSocketAddress[capacity];
        messageIds = new int[capacity];
        expiresAt = new long[capacity];
        answerAt = new long[capacity];
        working = new Object[capacity];
        chainNext = new int[capacity];
        // A power of two at least twice the entries, so chains stay short and a mask picks the bucket.
        buckets = new int[Integer.highestOneBit(capacity * 2 - 1) << 1];
    }

    private void growEntries() {
        InetSocketAddress[] oldPeers = peers;
        int[] oldMessageIds = messageIds;
        long[] oldExpiresAt = expiresAt;
        long[] oldAnswerAt = answerAt;
        Object[] oldWorking = working;
        int oldHead = head;
        int count = size;
        allocateEntries((int) Math.min(oldPeers.length * 2L, maxEntries));
        head = 0;
        for (int n = 0; n < count; n++) {
            int from = (oldHead + n) % oldPeers.length;
            peers[n] = oldPeers[from];
            messageIds[n] = oldMessageIds[from];
            expiresAt[n] = oldExpiresAt[from];
            answerAt[n] = oldAnswerAt[from];
            working[n] = oldWorking[from];
            if (peers[n] != null) {
                int b = bucket(peers[n], messageIds[n]);
                chainNext[n] = buckets[b];
                buckets[b] = n + 1;
            }
        }
    }

    // ---- answers

    /** Drops the oldest answer records until the ring holds everything up to {@code end}, forgetting their entries. */
    private void makeRoom(long end) {
        int capacity = answers.capacity();
        while (end - oldestAnswer > capacity) {
            int offset = (int) (oldestAnswer % capacity);
            int length = answers.getInt(offset);
            if (length < 0) {
                oldestAnswer += -length;
                continue;
            }
            int i = indexOf(answers.getLong(offset + 8));
            if (i >= 0 && answerAt[i] == oldestAnswer) {
                forget(i);
            }
            oldestAnswer += align(RECORD_HEADER + length);
        }
    }

    /** Doubles the ring, each kept byte moving to where its position maps in the larger ring. */
    private void growAnswers() {
        UnsafeBuffer old = answers;
        UnsafeBuffer larger = new UnsafeBuffer(ByteBuffer.allocateDirect(old.capacity() * 2));
        for (long position = oldestAnswer; position < answersWritten; ) {
            int from = (int) (position % old.capacity());
            int to = (int) (position % larger.capacity());
            int chunk = (int) Math.min(answersWritten - position, Math.min(old.capacity() - from,
                    larger.capacity() - to));
            larger.putBytes(to, old, from, chunk);
            position += chunk;
        }
        answers = larger;
    }

    private static int align(int length) {
        return (length + 7) & ~7;
    }

    @Override
    public String toString() {
        return "DeduplicationTable[" + size + " of " + maxEntries + " entries, answers "
                + (answersWritten - oldestAnswer) + " of " + maxAnswerBytes + " bytes]";
    }

    /** For tests: the capacities reached. */
    int[] capacities() {
        return new int[] {peers.length, answers.capacity()};
    }
}
