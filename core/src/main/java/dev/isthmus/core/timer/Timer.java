package dev.isthmus.core.timer;

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

    public final boolean isScheduled() {
        return bucket >= 0;
    }

    /** The deadline the timer was last scheduled for (System.nanoTime clock). */
    public final long deadline() {
        return deadline;
    }
}
