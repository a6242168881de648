package dev.isthmus.core.observe;

/**
 * A level (open connections, queued requests) kept per event loop: each loop adds and
 * subtracts in its own slot, readers sum.
 */
public final class ShardedGauge {
    private final ShardedCounter slots;

    ShardedGauge(int shards) {
        this.slots = new ShardedCounter(shards);
    }

    public void increment(int shard) {
        slots.add(shard, 1);
    }

    public void decrement(int shard) {
        slots.add(shard, -1);
    }

    public long value() {
        return slots.sum();
    }
}
