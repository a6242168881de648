package dev.isthmus.tools.bench;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every loop of one run shares: settings, counters, the message limit, the clock. */
final class BenchRun {
    private static final int MAX_CLIENT_ERROR_LINES = 100;

    final BenchConfig config;
    final BenchCounters counters;
    final InetSocketAddress address;
    final PrintWriter out;
    /** Messages still to publish under -L; unused without a limit. */
    final AtomicLong remaining;
    /** Sequence number of the last message published (for the %s topic variable). */
    final AtomicLong messageSeq = new AtomicLong();
    private final AtomicInteger errorLines = new AtomicInteger();
    /** Wall clock (epoch nanoseconds) at {@link #nanoBase}: timestamps are nanoTime-based, so steady. */
    private final long epochBase;
    private final long nanoBase;

    BenchRun(BenchConfig config, BenchCounters counters, InetSocketAddress address, PrintWriter out) {
        this.config = config;
        this.counters = counters;
        this.address = address;
        this.out = out;
        this.remaining = new AtomicLong(config.limit());
        Instant now = Instant.now();
        this.nanoBase = System.nanoTime();
        this.epochBase = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Wall-clock time in epoch nanoseconds, from the monotonic clock: cheap, no allocation. */
    long epochNanos() {
        return epochBase + (System.nanoTime() - nanoBase);
    }

    /** Takes one message from the -L budget; false when it is used up. */
    boolean claimMessage() {
        if (config.limit() == 0) {
            return true;
        }
        return remaining.getAndDecrement() > 0;
    }

    /** A client-level problem, as emqtt-bench prints it; after 100 such lines they are only counted. */
    void clientError(long seq, String what) {
        int n = errorLines.incrementAndGet();
        if (n <= MAX_CLIENT_ERROR_LINES) {
            synchronized (out) {
                out.println("client(" + seq + "): " + what);
                if (n == MAX_CLIENT_ERROR_LINES) {
                    out.println("(further client errors are counted, not printed)");
                }
                out.flush();
            }
        }
    }
}
