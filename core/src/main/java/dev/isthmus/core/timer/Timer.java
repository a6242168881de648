package dev.isthmus.core.timer;

import java.util.function.LongConsumer;

/**
 * A timeout that lives in a {@link TimerWheel}. Timers are intrusive list nodes: an object that
 * needs a timeout (a connection, an exchange) owns its timer instances and reschedules them
 * as often as it likes without allocating.
 */
public abstract class Timer {
    long deadline;
    Timer previous;
    Timer next;
    int bucket = -1;

    /** Called on the loop thread once the deadline has passed; the timer is no longer scheduled. */
    protected abstract void onTimeout(long nowNanos);

    /** A timer that hands the time it fires at to {@code action}: for an owner with several timeouts. */
    public static Timer calling(LongConsumer action) {
        return new Timer() {
            @Override
            protected void onTimeout(long nowNanos) {
                action.accept(nowNanos);
            }
        };
    }

    public final boolean isScheduled() {
        return bucket >= 0;
    }

    /** The deadline the timer was last scheduled for (System.nanoTime clock). */
    public final long deadline() {
        return deadline;
    }
}
