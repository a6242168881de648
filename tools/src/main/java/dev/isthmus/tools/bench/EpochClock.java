package dev.isthmus.tools.bench;

import java.time.Instant;

/**
 * Wall-clock time in epoch nanoseconds, read from the monotonic clock (the wall clock once, at
 * construction): cheap, allocation-free and steady for the length of a run, so send stamps in
 * payloads compare across the threads of one process and, with synchronised clocks, across
 * processes.
 */
final class EpochClock {
    private final long epochBase;
    private final long nanoBase;

    EpochClock() {
        Instant now = Instant.now();
        this.nanoBase = System.nanoTime();
        this.epochBase = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    long epochNanos() {
        return epochBase + (System.nanoTime() - nanoBase);
    }

    /** The epoch time of monotonic time {@code nanoTime}. */
    long epochNanos(long nanoTime) {
        return epochBase + (nanoTime - nanoBase);
    }
}
