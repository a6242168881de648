package dev.isthmus.protocol.mqtt.broker;

import org.agrona.DirectBuffer;

/**
 * A node of a topic tree, keyed by one level's UTF-8 bytes, with its literal children in an
 * open-addressing table: the shared skeleton of {@link TopicTrie} and {@link RetainedStore}.
 *
 * <p>Lookup takes the level as a range of a {@link DirectBuffer} and its hash (computed by the
 * caller while it scans for the {@code '/'} that ends the level, so the bytes are read once),
 * and compares against the level bytes each child keeps: no allocation, no String. The table
 * uses linear probing at a load of at most one half and backward-shift deletion (no
 * tombstones), starting at two slots, since most nodes have a single child; it shrinks again
 * when most of its children are gone.
 *
 * @param <N> the concrete node type, so children come back typed
 */
abstract class LevelNode<N extends LevelNode<N>> {
    /** FNV-1a, 32 bits: cheap per byte and good enough once {@link #slot} spreads it. */
    static final int HASH_SEED = 0x811C9DC5;
    static final int HASH_PRIME = 0x01000193;

    static final byte[] NO_LEVEL = new byte[0];

    private static final int INITIAL_SLOTS = 2;
    private static final int SHRINK_ABOVE_SLOTS = 8;

    /** This node's level in UTF-8: the key under which the parent holds it. */
    final byte[] level;
    /** {@link #hash} of {@link #level}. */
    final int levelHash;
    /** Null for the root, and once the node has been pruned. */
    N parent;

    /** Literal children by {@link #slot}; null until the first child and after the last leaves. */
    private Object[] children;
    private int childCount;

    LevelNode(byte[] level, int levelHash) {
        this.level = level;
        this.levelHash = levelHash;
    }

    /** FNV-1a over {@code buffer[from, to)}; {@link TopicTrie} and {@link RetainedStore} inline the same step. */
    static int hash(DirectBuffer buffer, int from, int to) {
        int h = HASH_SEED;
        for (int i = from; i < to; i++) {
            h = (h ^ (buffer.getByte(i) & 0xFF)) * HASH_PRIME;
        }
        return h;
    }

    /** The first slot to probe: the multiply moves the hash's entropy into the bits the mask keeps. */
    private static int slot(int hash, int mask) {
        int h = hash * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
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
        int i = slot(hash, mask);
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
        int i = slot(child.levelHash, mask);
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
            int home = slot(next.levelHash, mask);
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

    final boolean levelEquals(DirectBuffer buffer, int offset, int length) {
        byte[] bytes = level;
        if (bytes.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[i] != buffer.getByte(offset + i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether this level starts with '$', which hides it from wildcards at the first level. */
    final boolean levelStartsWithDollar() {
        return level.length > 0 && level[0] == '$';
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
        int i = slot(node.levelHash, mask);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = node;
    }
}
