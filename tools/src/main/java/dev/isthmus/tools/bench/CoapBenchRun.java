package dev.isthmus.tools.bench;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every loop of one CoAP run shares: settings, counters, the request budget of -N, the
 * clock, and the phase the reporter moves the loops through ({@link #SETUP}: observers register;
 * {@link #LOAD}: the senders send; {@link #STOP}: nothing more is sent or counted, observers
 * deregister).
 */
final class CoapBenchRun {
    static final int SETUP = 0;
    static final int LOAD = 1;
    static final int STOP = 2;

    /** The printed counters, in the order they are printed. */
    static final String[] NAMES = {"sent", "recv", "notify", "observe", "observe_fail", "retrans", "timeout", "error",
            "rst", "dup", "drop"};
    /** Requests sent (first transmissions). */
    static final int SENT = 0;
    /** Responses to them, whatever their code. */
    static final int RECV = 1;
    /** Notifications the observers received (not the registrations' responses). */
    static final int NOTIFY = 2;
    /** Observers registered (a 2.xx response with Observe), and those that failed to. */
    static final int OBSERVE = 3;
    static final int OBSERVE_FAIL = 4;
    /** CON retransmissions. */
    static final int RETRANS = 5;
    /** Requests with no response in --timeout. */
    static final int TIMEOUT = 6;
    /** 4.xx and 5.xx responses (counted in recv too), and notifications that end an observation. */
    static final int ERROR = 7;
    /** Requests the server answered with RST. */
    static final int RST = 8;
    /** Responses and notifications that answered nothing outstanding: duplicates, or late after a timeout. */
    static final int DUP = 9;
    /** Datagrams the socket did not take (its send buffer full, or an ICMP error). */
    static final int DROP = 10;
    /** Not printed: 2.xx responses. */
    static final int OK = 11;

    final CoapBenchConfig config;
    final BenchCounters counters;
    final InetSocketAddress address;
    final ClientErrors errors;
    final EpochClock clock = new EpochClock();
    private final AtomicLong remaining;
    private final AtomicBoolean wrapWarned = new AtomicBoolean();
    volatile int phase = SETUP;
    /** When {@link #LOAD} began (System.nanoTime): the open loop's schedule starts there. */
    volatile long loadStartNanos;

    CoapBenchRun(CoapBenchConfig config, InetSocketAddress address, PrintWriter out) {
        this.config = config;
        this.counters = new BenchCounters(NAMES, config.loops());
        this.address = address;
        this.errors = new ClientErrors(out);
        this.remaining = new AtomicLong(config.count());
    }

    /** Takes one request from the -N budget; false when it is used up. */
    boolean claim() {
        return config.count() == 0 || remaining.getAndDecrement() > 0;
    }

    /** Requests answered or given up: with -N, the run is over when this reaches it. */
    long completed() {
        return counters.sum(RECV) + counters.sum(TIMEOUT) + counters.sum(RST);
    }

    /**
     * A client used all 65536 message IDs: servers remember an ID for EXCHANGE_LIFETIME (247 s) to
     * catch duplicates, so one of them reused that soon may be answered from that memory. Said once.
     */
    void messageIdsWrapped(long seq) {
        if (wrapWarned.compareAndSet(false, true)) {
            errors.report(seq, "sent 65536 requests: message IDs start over, and a server that still remembers "
                    + "one may answer it as a duplicate (use more clients, -c, for long runs)");
        }
    }
}
