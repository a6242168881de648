package dev.isthmus.protocol.mqtt.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The delay before the next connection attempt: "decorrelated jitter" (as mosquitto's bridge
 * backs off), each delay a random time between the minimum and three times the previous one,
 * capped at the maximum, so clients that lost the same broker at the same moment do not come
 * back in step. Back at the minimum after a connection succeeds. Not thread-safe.
 */
final class ReconnectDelay {
    private final long minNanos;
    private final long maxNanos;
    private long previous;

    ReconnectDelay(long minNanos, long maxNanos) {
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.previous = minNanos;
    }

    /** The delay before the next attempt, in nanoseconds. */
    long next() {
        long upper = Math.max(minNanos + 1, Math.min(maxNanos, previous * 3));
        previous = Math.min(maxNanos, ThreadLocalRandom.current().nextLong(minNanos, upper));
        return previous;
    }

    void reset() {
        previous = minNanos;
    }
}
