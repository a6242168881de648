package dev.isthmus.tools.bench;

import dev.isthmus.core.timer.TimerWheel;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.coap.codec.MessageView;
import dev.isthmus.protocol.coap.codec.MessageWriter;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One thread of a CoAP run: a selector over its clients' sockets, a timer wheel for their
 * retransmissions and timeouts, the open loop's schedule, and the buffers, codec objects and
 * histograms its clients share. Nothing is allocated per request: a request is written by the
 * one {@link MessageWriter} into the one send buffer and goes out with a connected channel's
 * {@code write}; a response is read into the one receive buffer and parsed in place by the one
 * {@link MessageView}.
 *
 * <p>Waiting: the loop blocks in {@code select} for I/O and the timers (millisecond
 * resolution); when the next scheduled request is less than a millisecond away it polls and
 * parks for at most 100 µs at a time, so a response waits that long at most to be read.
 */
final class CoapBenchLoop implements Runnable {
    /** Microseconds; anything above an hour is recorded as an hour. */
    static final long HIGHEST_LATENCY_MICROS = BenchLoop.HIGHEST_LATENCY_MICROS;
    private static final long MILLI = 1_000_000L;
    private static final long MAX_PARK_NANOS = 100_000L;
    /** Requests the open loop sends before it reads again when it is behind its schedule. */
    private static final int BURST = 256;
    /** How long observers wait at the end for the answers to their deregistrations. */
    private static final long DEREGISTER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int CONTENT_FORMAT_TEXT = 0;
    private static final int CONTENT_FORMAT_OCTETS = 42;

    final CoapBenchRun run;
    final CoapBenchConfig config;
    final int row;
    final Selector selector;
    final TimerWheel timers;
    final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(65_536);
    final UnsafeBuffer received = new UnsafeBuffer(receiveBuffer);
    final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(65_536);
    final UnsafeBuffer toSend = new UnsafeBuffer(sendBuffer);
    final MessageView view = new MessageView();
    private final MessageWriter writer = new MessageWriter();
    private final byte[][] path;
    private final UnsafeBuffer payload;
    private final int contentFormat;
    private final Histogram requestLatency = new Histogram(HIGHEST_LATENCY_MICROS, 3);
    private final Histogram notifyLatency = new Histogram(HIGHEST_LATENCY_MICROS, 3);
    private final List<CoapBenchClient> clients = new ArrayList<>();
    private final List<CoapBenchClient> senderList = new ArrayList<>();
    private final Consumer<SelectionKey> onReady = key -> ((CoapBenchClient) key.attachment()).readable();
    private CoapBenchClient[] senders = new CoapBenchClient[0];

    /** The open loop: this loop's share of -R as nanoseconds between two requests, and where it stands. */
    private double intervalNanos;
    private double phaseNanos;
    private long scheduleStart;
    private long nextIndex;
    private long nextDue;
    private boolean behind;
    private boolean scheduleDone;
    private int roundRobin;

    private int seenPhase = CoapBenchRun.SETUP;
    private long stopAt;
    /** Observers waiting for the answer to their deregistration. */
    int deregistering;
    private Thread thread;
    private volatile boolean finished;

    CoapBenchLoop(CoapBenchRun run, int row) throws IOException {
        this.run = run;
        this.config = run.config;
        this.row = row;
        this.selector = Selector.open();
        this.timers = new TimerWheel(MILLI, 4096, System.nanoTime());
        this.path = config.pathSegments().toArray(new byte[0][]);
        this.payload = new UnsafeBuffer(config.payload());
        this.contentFormat = config.mode() == CoapBenchConfig.Mode.OBSERVE ? CONTENT_FORMAT_OCTETS : CONTENT_FORMAT_TEXT;
    }

    /** Adds a client (before {@link #start}). */
    void add(CoapBenchClient client) {
        clients.add(client);
        if (!client.observer) {
            senderList.add(client);
        }
    }

    /** Starts the thread; {@code sendersInAll} over every loop sets this loop's share of -R. */
    void start(int sendersInAll, int loops) {
        senders = senderList.toArray(new CoapBenchClient[0]);
        if (config.openLoop() && senders.length > 0) {
            double share = config.rate() * senders.length / sendersInAll;
            intervalNanos = 1e9 / share;
            // The loops' schedules interleave rather than send at the same instants.
            phaseNanos = intervalNanos * row / loops;
        }
        thread = Thread.ofPlatform().name("isthmus-bench-coap-" + row).start(this);
    }

    void count(int counter) {
        run.counters.increment(row, counter);
    }

    void recordRequest(long nanos) {
        requestLatency.recordValue(Math.min(Math.max(nanos / 1000, 0), HIGHEST_LATENCY_MICROS));
    }

    void recordNotification(long nanos) {
        notifyLatency.recordValue(Math.min(Math.max(nanos / 1000, 0), HIGHEST_LATENCY_MICROS));
    }

    /** After the thread ended. */
    Histogram requestLatency() {
        return requestLatency;
    }

    Histogram notifyLatency() {
        return notifyLatency;
    }

    int phase() {
        return seenPhase;
    }

    boolean finished() {
        return finished;
    }

    void wakeup() {
        selector.wakeup();
    }

    boolean join(long millis) throws InterruptedException {
        return thread == null || thread.join(java.time.Duration.ofMillis(millis));
    }

    /**
     * Writes a request into the send buffer and returns its length: the header with a 4-byte
     * token, Observe when {@code observe} is not negative, the path, and with {@code withPayload}
     * the Content-Format and the payload, its first 8 bytes the epoch time {@code stamp} when it
     * is not 0.
     */
    int encode(int type, int code, int messageId, long token, long observe, boolean withPayload, long stamp) {
        MessageWriter w = writer.wrap(toSend, 0).header(type, code, messageId, token, CoapBenchClient.TOKEN_LENGTH);
        if (observe >= 0) {
            w.optionUint(CoapOption.OBSERVE, observe);
        }
        for (byte[] segment : path) {
            w.option(CoapOption.URI_PATH, segment);
        }
        if (withPayload) {
            w.optionUint(CoapOption.CONTENT_FORMAT, contentFormat);
            int length = payload.capacity();
            w.payload(payload, 0, length);
            if (stamp != 0 && length >= 8) {
                toSend.putLong(w.length() - length, stamp, ByteOrder.BIG_ENDIAN);
            }
        }
        return w.length();
    }

    /** Closes the sockets and the selector: at the end of the run, or for a loop that never started. */
    void closeAll() {
        for (CoapBenchClient client : clients) {
            client.close();
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
        finished = true;
    }

    @Override
    public void run() {
        try {
            long now = System.nanoTime();
            for (CoapBenchClient client : clients) {
                client.start(now);
            }
            while (true) {
                now = System.nanoTime();
                int phase = run.phase;
                if (phase != seenPhase) {
                    enter(phase, now);
                }
                if (seenPhase == CoapBenchRun.STOP && (deregistering == 0 || now - stopAt > DEREGISTER_GRACE_NANOS)) {
                    return;
                }
                timers.expire(now);
                if (seenPhase == CoapBenchRun.LOAD && intervalNanos > 0) {
                    pace(now);
                }
                poll(now);
            }
        } catch (IOException | RuntimeException e) {
            run.errors.report(0, "bench loop " + row + " failed: " + e);
        } finally {
            closeAll();
        }
    }

    private void enter(int phase, long now) {
        seenPhase = phase;
        if (phase == CoapBenchRun.LOAD) {
            scheduleStart = run.loadStartNanos + (long) phaseNanos;
            nextDue = scheduleStart;
            if (intervalNanos == 0) {
                for (CoapBenchClient sender : senders) {
                    sender.fill(now);
                }
            }
        } else if (phase == CoapBenchRun.STOP) {
            stopAt = now;
            for (CoapBenchClient client : clients) {
                client.stop(now);
            }
        }
    }

    /** The open loop: sends what is due, each to the next sender with room, stamped with the time it was due. */
    private void pace(long now) {
        behind = false;
        if (scheduleDone) {
            return;
        }
        for (int burst = 0; burst < BURST; burst++) {
            long due = scheduleStart + (long) (nextIndex * intervalNanos);
            if (due - now > 0) {
                nextDue = due;
                return;
            }
            CoapBenchClient sender = nextWithRoom();
            if (sender == null) {
                behind = true; // a response frees a slot: I/O wakes the loop
                return;
            }
            if (!run.claim()) {
                scheduleDone = true;
                return;
            }
            sender.send(due, now);
            nextIndex++;
        }
        nextDue = now; // more is due: read, then go on
    }

    private CoapBenchClient nextWithRoom() {
        for (int i = 0; i < senders.length; i++) {
            CoapBenchClient sender = senders[roundRobin];
            roundRobin = roundRobin + 1 == senders.length ? 0 : roundRobin + 1;
            if (sender.hasRoom()) {
                return sender;
            }
        }
        return null;
    }

    /** Waits for I/O, the next timer tick or the next scheduled request, whichever comes first. */
    private void poll(long now) throws IOException {
        long ioWait = timers.scheduled() > 0 ? Math.max(MILLI, timers.nanosToNextTick(now)) : 100 * MILLI;
        if (seenPhase == CoapBenchRun.STOP) {
            ioWait = Math.min(ioWait, 10 * MILLI);
        }
        long dueWait = seenPhase == CoapBenchRun.LOAD && intervalNanos > 0 && !scheduleDone && !behind
                ? nextDue - now : Long.MAX_VALUE;
        if (dueWait <= 0) {
            selector.selectNow(onReady);
        } else if (dueWait < MILLI) {
            if (selector.selectNow(onReady) == 0) {
                LockSupport.parkNanos(Math.min(dueWait, MAX_PARK_NANOS));
            }
        } else {
            selector.select(onReady, Math.max(1, Math.min(dueWait, ioWait) / MILLI));
        }
    }
}
