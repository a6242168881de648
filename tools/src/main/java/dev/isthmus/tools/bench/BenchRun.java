package dev.isthmus.tools.bench;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/** What every loop of one run shares: settings, counters, the message limit, the clock. */
final class BenchRun {
    final BenchConfig config;
    final BenchCounters counters;
    final InetSocketAddress address;
    final PrintWriter out;
    /** Messages still to publish under -L; unused without a limit. */
    final AtomicLong remaining;
    /** Sequence number of the last message published (for the %s topic variable). */
    final AtomicLong messageSeq = new AtomicLong();
    private final ClientErrors errors;
    private final EpochClock clock = new EpochClock();

    BenchRun(BenchConfig config, BenchCounters counters, InetSocketAddress address, PrintWriter out) {
        this.config = config;
        this.counters = counters;
        this.address = address;
        this.out = out;
        this.remaining = new AtomicLong(config.limit());
        this.errors = new ClientErrors(out);
    }

    /** Wall-clock time in epoch nanoseconds, from the monotonic clock: cheap, no allocation. */
    long epochNanos() {
        return clock.epochNanos();
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
        errors.report(seq, what);
    }
}
