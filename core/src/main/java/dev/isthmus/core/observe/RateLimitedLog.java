package dev.isthmus.core.observe;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * A log for events that an attacker or a broken fleet can trigger at line rate (malformed
 * requests, upstream failures): at most {@code perSecond} lines a second; lines over the
 * budget are counted and reported once the next second's first line goes out. Callers ask
 * {@link #allow()} before building a message, so suppressed events cost no allocation.
 *
 * <p>One instance per event loop (not thread-safe), like everything else on a loop.
 */
public final class RateLimitedLog {
    private static final long SECOND = 1_000_000_000L;

    private final Logger logger;
    private final int perSecond;
    private long windowStart;
    private int used;
    private long suppressed;

    public RateLimitedLog(Logger logger, int perSecond) {
        this.logger = logger;
        this.perSecond = perSecond;
        this.windowStart = System.nanoTime() - SECOND;
    }

    /** Whether a line may be logged now ({@code nowNanos} on the System.nanoTime clock); counts it if not. */
    public boolean allow(long nowNanos) {
        if (nowNanos - windowStart >= SECOND) {
            windowStart = nowNanos;
            used = 0;
        }
        if (used < perSecond) {
            used++;
            return true;
        }
        suppressed++;
        return false;
    }

    /** Logs {@code message}, prefixed with how many lines were suppressed since the last one. Call after {@link #allow}. */
    public void log(Level level, String message) {
        if (suppressed > 0) {
            message = message + " (" + suppressed + " similar lines suppressed)";
            suppressed = 0;
        }
        logger.log(level, message);
    }
}
