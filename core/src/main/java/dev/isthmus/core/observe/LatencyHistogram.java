package dev.isthmus.core.observe;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Durations recorded by several event loops, read by a scraper. Each loop records into its own
 * HdrHistogram {@link SingleWriterRecorder} (wait-free, no allocation); a scrape swaps out the
 * interval histograms and folds them into a cumulative one.
 *
 * <p>Values are microseconds from 1 µs to one hour at 2 significant digits.
 */
public final class LatencyHistogram {
    private static final long MAX_MICROS = 3_600_000_000L;
    private static final int DIGITS = 2;

    private final SingleWriterRecorder[] recorders;
    private final Histogram cumulative = new Histogram(1, MAX_MICROS, DIGITS);
    /** Each recorder only takes back interval histograms it handed out itself. */
    private final Histogram[] recycled;

    LatencyHistogram(int shards) {
        recorders = new SingleWriterRecorder[Math.max(1, shards)];
        recycled = new Histogram[recorders.length];
        for (int i = 0; i < recorders.length; i++) {
            recorders[i] = new SingleWriterRecorder(1, MAX_MICROS, DIGITS);
        }
    }

    /** Records a duration; only the thread that owns {@code shard} may call this. */
    public void recordNanos(int shard, long nanos) {
        long micros = Math.max(1, Math.min(MAX_MICROS, nanos / 1000));
        recorders[shard].recordValue(micros);
    }

    /** The cumulative histogram since start, in microseconds. Callers must not keep or change it. */
    public synchronized Histogram snapshot() {
        for (int i = 0; i < recorders.length; i++) {
            recycled[i] = recorders[i].getIntervalHistogram(recycled[i]);
            cumulative.add(recycled[i]);
        }
        return cumulative;
    }
}
