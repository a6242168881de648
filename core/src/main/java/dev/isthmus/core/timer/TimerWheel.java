package dev.isthmus.core.timer;

/**
 * A hashed timer wheel for one event loop: O(1) schedule and cancel, and each tick looks at one
 * bucket. Timers further away than one revolution stay in their bucket and are skipped until
 * their round comes, so the wheel needs no overflow structure. Resolution is the tick (timers
 * fire up to one tick late, never early), which suits network timeouts of seconds.
 *
 * <p>Not thread-safe: a wheel belongs to its loop.
 */
public final class TimerWheel {
    private final long tickNanos;
    private final int mask;
    private final Timer[] heads;
    private long currentTick;
    private int scheduled;

    /**
     * @param tickNanos  resolution
     * @param buckets    a power of two; the wheel turns once every {@code buckets * tickNanos}
     * @param startNanos the current time
     */
    public TimerWheel(long tickNanos, int buckets, long startNanos) {
        if (Integer.bitCount(buckets) != 1) {
            throw new IllegalArgumentException("buckets must be a power of two: " + buckets);
        }
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tick must be positive");
        }
        this.tickNanos = tickNanos;
        this.mask = buckets - 1;
        this.heads = new Timer[buckets];
        this.currentTick = startNanos / tickNanos;
    }

    /** Schedules (or moves) {@code timer} to fire at {@code deadlineNanos}. */
    public void schedule(Timer timer, long deadlineNanos) {
        if (timer.bucket >= 0) {
            unlink(timer);
        }
        timer.deadline = deadlineNanos;
        // A deadline in the past goes into the current bucket and fires on the next poll.
        long tick = Math.max(ceilDiv(deadlineNanos, tickNanos), currentTick);
        int bucket = (int) (tick & mask);
        Timer head = heads[bucket];
        timer.bucket = bucket;
        timer.previous = null;
        timer.next = head;
        if (head != null) {
            head.previous = timer;
        }
        heads[bucket] = timer;
        scheduled++;
    }

    /** Cancels {@code timer} if it is scheduled. */
    public void cancel(Timer timer) {
        if (timer.bucket >= 0) {
            unlink(timer);
        }
    }

    /**
     * Fires every timer whose deadline is at or before {@code nowNanos}.
     *
     * @return the number of timers fired
     */
    public int expire(long nowNanos) {
        long targetTick = nowNanos / tickNanos;
        int fired = 0;
        // Visit every bucket between the last poll and now, at most one revolution.
        long lastTick = Math.min(targetTick, currentTick + mask);
        for (long tick = currentTick; tick <= lastTick && scheduled > 0; tick++) {
            fired += expireBucket((int) (tick & mask), nowNanos);
        }
        if (targetTick > currentTick) {
            currentTick = targetTick;
        }
        return fired;
    }

    private int expireBucket(int bucket, long nowNanos) {
        int fired = 0;
        Timer timer = heads[bucket];
        while (timer != null) {
            Timer following = timer.next;
            if (timer.deadline - nowNanos <= 0) {
                unlink(timer);
                fired++;
                timer.onTimeout(nowNanos);
                // The callback may have cancelled or moved the following timer; restart the
                // bucket when that happened so no unlinked node is followed.
                if (following != null && following.bucket != bucket) {
                    following = heads[bucket];
                }
            }
            timer = following;
        }
        return fired;
    }

    private void unlink(Timer timer) {
        int bucket = timer.bucket;
        if (timer.previous != null) {
            timer.previous.next = timer.next;
        } else {
            heads[bucket] = timer.next;
        }
        if (timer.next != null) {
            timer.next.previous = timer.previous;
        }
        timer.previous = null;
        timer.next = null;
        timer.bucket = -1;
        scheduled--;
    }

    /** Nanoseconds from {@code nowNanos} to the next tick boundary, or -1 when nothing is scheduled. */
    public long nanosToNextTick(long nowNanos) {
        if (scheduled == 0) {
            return -1;
        }
        return tickNanos - Math.floorMod(nowNanos, tickNanos);
    }

    public int scheduled() {
        return scheduled;
    }

    public long tickNanos() {
        return tickNanos;
    }

    private static long ceilDiv(long value, long divisor) {
        return Math.floorDiv(value + divisor - 1, divisor);
    }
}
