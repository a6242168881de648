package dev.isthmus.protocol.mqtt.broker;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * A node of a topic tree, keyed by one level's UTF-8 bytes, with its literal children in an
 * open-addressing table: the shared skeleton of {@link TopicTrie} and {@link RetainedStore}.
 *
 * <p>Levels are read eight bytes at a time. {@link #scan} finds the {@code '/'} that ends a
 * level with a SWAR test per word and hashes the level's words on the way, so a level costs
 * a few operations per eight bytes rather than a dependent multiply per byte. Each node keeps
 * its level as the same little-endian words (the last one zero-padded), so confirming a hash
 * hit compares words too. No allocation, no String.
 *
 * <p>The child table uses linear probing at a load of at most one half and backward-shift
 * deletion (no tombstones), starting at two slots since most nodes have a single child; it
 * shrinks again when most of its children are gone.
 *
 * @param <N> the concrete node type, so children come back typed
 */
abstract class LevelNode<N extends LevelNode<N>> {
    private static final long[] NO_WORDS = new long[0];
    private static final long SLASHES = 0x2F2F_2F2F_2F2F_2F2FL;
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGHS = 0x8080_8080_8080_8080L;
    private static final long SEED = 0x243F_6A88_85A3_08D3L;
    private static final long WORD_MULTIPLIER = 0x9E37_79B9_7F4A_7C15L;
    private static final long FINAL_MULTIPLIER = 0xD6E8_FEB8_6659_FD93L;

    private static final int INITIAL_SLOTS = 2;
    private static final int SHRINK_ABOVE_SLOTS = 8;

    /** This node's level: UTF-8 bytes as little-endian words, the last zero-padded. */
    private final long[] words;
    /** This node's level length in bytes. */
    private final int length;
    /** {@link #hash} of the level: how the parent finds this node. */
    final int levelHash;
    /** Null for the root, and once the node has been pruned. */
    N parent;

    /** Literal children by hash; null until the first child and after the last leaves. */
    private Object[] children;
    private int childCount;

    /** The root: no level. */
    LevelNode() {
        this.words = NO_WORDS;
        this.length = 0;
        this.levelHash = 0;
    }

    /** A node for the level {@code buffer[offset, offset + length)}, whose {@link #scan} hash is {@code levelHash}. */
    LevelNode(DirectBuffer buffer, int offset, int length, int levelHash) {
        long[] levelWords = new long[(length + Long.BYTES - 1) / Long.BYTES];
        for (int k = 0; k < levelWords.length; k++) {
            levelWords[k] = word(buffer, offset + k * Long.BYTES, offset + length);
        }
        this.words = levelWords;
        this.length = length;
        this.levelHash = levelHash;
    }

    /**
     * Scans the level that starts at {@code pos}: finds its end (the next {@code '/'}, or
     * {@code limit}) and hashes its bytes. Returns both packed in a long, to be taken apart with
     * {@link #end} and {@link #hash}, so that the hot path needs no result object.
     */
    static long scan(DirectBuffer buffer, int pos, int limit) {
        long h = SEED;
        int i = pos;
        while (i < limit) {
            long w = word(buffer, i, limit);
            // SWAR: a byte of x is zero where w has '/'; the lowest flagged byte is exact.
            // Zero padding past the limit becomes 0x2F in x, so it is never flagged.
            long x = w ^ SLASHES;
            long slashes = (x - ONES) & ~x & HIGHS;
            if (slashes != 0) {
                int k = Long.numberOfTrailingZeros(slashes) >>> 3;
                if (k > 0) {
                    h = (h ^ (w & (-1L >>> (Long.SIZE - k * Byte.SIZE)))) * WORD_MULTIPLIER;
                }
                return pack(finish(h), i + k);
            }
            h = (h ^ w) * WORD_MULTIPLIER;
            i += Long.BYTES;
        }
        return pack(finish(h), limit);
    }

    /** The end (index of the '/' or the limit) from a {@link #scan} result. */
    static int end(long scan) {
        return (int) scan;
    }

    /** The level's hash from a {@link #scan} result. */
    static int hash(long scan) {
        return (int) (scan >>> 32);
    }

    private static long pack(int hash, int end) {
        return (long) hash << 32 | end & 0xFFFF_FFFFL;
    }

    /** Brings every bit of the word sum into the high half, which becomes the hash. */
    private static int finish(long h) {
        h ^= h >>> 32;
        h *= FINAL_MULTIPLIER;
        return (int) (h >>> 32);
    }

    /**
     * The bytes {@code [index, min(index + 8, limit))} as a little-endian word, zero-padded.
     * Reads a whole word past the limit when the buffer's capacity allows (one load instead of
     * up to seven), masking off what lies beyond the limit.
     */
    private static long word(DirectBuffer buffer, int index, int limit) {
        int n = limit - index;
        if (n >= Long.BYTES) {
            return buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
        }
        if (index + Long.BYTES <= buffer.capacity()) {
            return buffer.getLong(index, ByteOrder.LITTLE_ENDIAN) & (-1L >>> (Long.SIZE - n * Byte.SIZE));
        }
        long w = 0;
        for (int j = 0; j < n; j++) {
            w |= (buffer.getByte(index + j) & 0xFFL) << (j * Byte.SIZE);
        }
        return w;
    }

    final int childCount() {
        return childCount;
    }

    /** The raw child table for iteration (null entries are free slots), or null without children. */
    final Object[] childTable() {
        return children;
    }

    /** The child for level {@code buffer[offset, offset + length)} whose hash is {@code hash}, or null. */
    @SuppressWarnings("unchecked")
    final N child(DirectBuffer buffer, int offset, int length, int hash) {
        Object[] table = children;
        if (table == null) {
            return null;
        }
        int mask = table.length - 1;
        int i = hash & mask;
        while (true) {
            N candidate = (N) table[i];
            if (candidate == null) {
                return null;
            }
            if (candidate.levelHash == hash && candidate.levelEquals(buffer, offset, length)) {
                return candidate;
            }
            i = (i + 1) & mask;
        }
    }

    /** Adds a child whose level is not among the children yet, and makes this node its parent. */
    @SuppressWarnings("unchecked")
    final void addChild(N child) {
        if (children == null) {
            children = new Object[INITIAL_SLOTS];
        } else if ((childCount + 1) * 2 > children.length) {
            rehash(children.length * 2);
        }
        insert(children, child);
        childCount++;
        child.parent = (N) this;
    }

    /** Removes a child added by {@link #addChild} and clears its parent. */
    final void removeChild(N child) {
        Object[] table = children;
        int mask = table.length - 1;
        int i = child.levelHash & mask;
        while (table[i] != child) {
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: pull later entries of the probe run into the hole, unless
        // that would move one before its own home slot.
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            LevelNode<?> next = (LevelNode<?>) table[j];
            if (next == null) {
                break;
            }
            int home = next.levelHash & mask;
            boolean homeInOpenRange = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!homeInOpenRange) {
                table[hole] = next;
                hole = j;
            }
        }
        table[hole] = null;
        childCount--;
        child.parent = null;
        if (childCount == 0) {
            children = null;
        } else if (table.length > SHRINK_ABOVE_SLOTS && childCount * 8 <= table.length) {
            rehash(table.length / 2);
        }
    }

    /** Whether this node's level is {@code buffer[offset, offset + length)}. */
    final boolean levelEquals(DirectBuffer buffer, int offset, int length) {
        if (this.length != length) {
            return false;
        }
        long[] levelWords = words;
        int limit = offset + length;
        for (int k = 0; k < levelWords.length; k++) {
            if (levelWords[k] != word(buffer, offset + k * Long.BYTES, limit)) {
                return false;
            }
        }
        return true;
    }

    /** Whether this level starts with '$', which hides it from wildcards at the first level. */
    final boolean levelStartsWithDollar() {
        return length > 0 && (words[0] & 0xFF) == '$';
    }

    private void rehash(int slots) {
        Object[] old = children;
        Object[] table = new Object[slots];
        for (Object node : old) {
            if (node != null) {
                insert(table, (LevelNode<?>) node);
            }
        }
        children = table;
    }

    private static void insert(Object[] table, LevelNode<?> node) {
        int mask = table.length - 1;
        int i = node.levelHash & mask;
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = node;
    }
}
