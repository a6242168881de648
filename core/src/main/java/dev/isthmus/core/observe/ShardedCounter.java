package dev.isthmus.core.observe;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A monotonically increasing count written by several event loops without contention: each
 * loop owns a slot (its own cache line) and is its slot's only writer, so an increment is a
 * plain read and a release store. Readers sum the slots.
 */
public final class ShardedCounter {
    /** Longs per slot: 64 bytes, so two loops never write the same cache line. */
    private static final int STRIDE = 8;

    private final AtomicLongArray slots;

    ShardedCounter(int shards) {
        this.slots = new AtomicLongArray(Math.max(1, shards) * STRIDE);
    }

    /** Adds one; only the thread that owns {@code shard} may call this. */
    public void increment(int shard) {
        add(shard, 1);
    }

    /** Adds {@code delta}; only the thread that owns {@code shard} may call this. */
    public void add(int shard, long delta) {
        int index = shard * STRIDE;
        slots.setRelease(index, slots.getPlain(index) + delta);
    }

    public long sum() {
        long total = 0;
        for (int i = 0; i < slots.length(); i += STRIDE) {
            total += slots.getAcquire(i);
        }
        return total;
    }
}
