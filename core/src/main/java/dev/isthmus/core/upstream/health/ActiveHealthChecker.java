package dev.isthmus.core.upstream.health;

import dev.isthmus.core.upstream.Peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Probes every peer of one upstream group every {@code interval} and publishes the verdict on
 * the peer ({@link Peer#setActiveHealthy(boolean)}), where the event loops read it without locks.
 *
 * <p>A probe is a TCP connect, or for {@link ActiveCheck.Kind#HTTP} a
 * {@code GET <path> HTTP/1.1} with {@code Connection: close} whose status code must equal
 * {@code expectStatus}; a malformed status line, a closed connection or an I/O error is a
 * failure. The whole probe (connect, send, read of the status line) must finish within
 * {@code timeout}: one deadline covers all of it, so an origin that drips bytes cannot stretch it.
 * A healthy peer goes down after {@code fall} failed probes in a row and a down peer comes back
 * after {@code rise} good probes in a row; each transition is logged once (WARNING down, INFO
 * up) and reported to the {@link HealthListener}.
 *
 * <p>Probing never touches an event loop: each peer has its own virtual thread doing blocking
 * {@link Socket} I/O, so a peer whose probe hangs delays no other peer. The next probe of a peer
 * starts {@code interval} after the previous one started, or right after it if the probe took
 * longer than that. The checker takes over each peer's state as it finds it; a new
 * {@link Peer} is healthy, so peers start up.
 *
 * <p>{@link #start()} probes all peers at once, then every interval. {@link #close()} interrupts
 * the probe threads (which aborts blocked socket calls) and waits for them, so no probe is
 * made once it returns, and a probe cut short by closing is not counted. Listeners run on the
 * probe threads and must not block, or closing waits for them.
 */
public final class ActiveHealthChecker implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ActiveHealthChecker.class.getName());

    /** Longest status line accepted; real ones are a few dozen bytes. */
    private static final int MAX_STATUS_LINE = 1024;
    private static final String USER_AGENT = "isthmus-health-check";

    private final List<Peer> peers;
    private final ActiveCheck check;
    private final HealthListener listener;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final List<Thread> threads = new ArrayList<>();
    private boolean started;
    private volatile boolean closed;

    /**
     * @param peers    the peers of one group; probed in no particular order
     * @param check    what to probe and how often
     * @param listener told about every transition; {@code new HealthListener() {}} to ignore them
     */
    public ActiveHealthChecker(List<Peer> peers, ActiveCheck check, HealthListener listener) {
        this.peers = List.copyOf(peers);
        this.check = Objects.requireNonNull(check, "check");
        this.listener = Objects.requireNonNull(listener, "listener");
        // Converted once so an absurd duration fails here, not later inside a probe thread.
        this.intervalNanos = check.interval().toNanos();
        this.timeoutNanos = check.timeout().toNanos();
    }

    /**
     * Starts one probe thread per peer; the first probes go out immediately.
     *
     * @throws IllegalStateException if already started or closed
     */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "health checker is closed" : "health checker already started");
        }
        started = true;
        for (Peer peer : peers) {
            threads.add(Thread.ofVirtual()
                    .name("isthmus-health-" + peer.name())
                    .start(new PeerProbe(peer)));
        }
    }

    /**
     * Stops probing: interrupts every probe thread and waits until all have ended. Idempotent.
     * If the calling thread is interrupted meanwhile it still waits, then keeps its interrupt
     * status, because returning early would let a probe run after close.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        threads.forEach(Thread::interrupt);
        boolean interrupted = false;
        for (Thread thread : threads) {
            // A listener may close the checker from a probe thread; that thread cannot wait for itself.
            while (thread != Thread.currentThread()) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        threads.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The probe loop of one peer; its counters are touched by its own thread only. */
    private final class PeerProbe implements Runnable {
        private final Peer peer;
        private final byte[] request;
        private boolean up;
        /** Probes in a row whose result disagrees with {@link #up}. */
        private int streak;

        PeerProbe(Peer peer) {
            this.peer = peer;
            this.request = check.kind() == ActiveCheck.Kind.HTTP
                    ? ("GET " + check.path() + " HTTP/1.1\r\n"
                            + "Host: " + peer.name() + "\r\n"
                            + "User-Agent: " + USER_AGENT + "\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)
                    : null;
        }

        @Override
        public void run() {
            up = peer.isActiveHealthy();
            long nextStart = System.nanoTime();
            while (!closed) {
                String failure = probe();
                // An interrupt from close() makes the probe fail; that says nothing about the peer.
                if (closed) {
                    return;
                }
                record(failure);
                nextStart += intervalNanos;
                long now = System.nanoTime();
                if (nextStart - now > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(nextStart - now);
                    } catch (InterruptedException e) {
                        return;
                    }
                } else {
                    // Late (a slow probe): probe now, and keep the cadence from here rather than
                    // firing a burst of catch-up probes.
                    nextStart = now;
                }
            }
        }

        /** Applies one probe result ({@code null} = success) to the rise/fall counting. */
        private void record(String failure) {
            boolean success = failure == null;
            if (success == up) {
                streak = 0;
                return;
            }
            streak++;
            if (streak < (up ? check.fall() : check.rise())) {
                return;
            }
            streak = 0;
            up = success;
            peer.setActiveHealthy(up);
            try {
                if (up) {
                    LOG.log(Level.INFO, "upstream peer {0} is up: health check passed {1} time(s) in a row",
                            peer.name(), String.valueOf(check.rise()));
                    listener.peerUp(peer);
                } else {
                    LOG.log(Level.WARNING, "upstream peer {0} is down: {1} (health check failed {2} time(s) in a row)",
                            peer.name(), failure, String.valueOf(check.fall()));
                    listener.peerDown(peer, failure);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "health listener failed for upstream peer " + peer.name(), e);
            }
        }

        /** Runs one probe; returns {@code null} on success, else why it failed. */
        private String probe() {
            long deadline = System.nanoTime() + timeoutNanos;
            try (Socket socket = new Socket()) {
                socket.connect(peer.address(), millisUntil(deadline));
                if (request == null) {
                    return null;
                }
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                return readStatus(socket, deadline);
            } catch (ConnectException e) {
                return "connection refused";
            } catch (SocketTimeoutException e) {
                return "timeout";
            } catch (UnknownHostException e) {
                return "unknown host";
            } catch (IOException e) {
                return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            }
        }

        /** Reads the status line before the deadline and judges its status code. */
        private String readStatus(Socket socket, long deadline) throws IOException {
            InputStream in = socket.getInputStream();
            byte[] line = new byte[MAX_STATUS_LINE];
            int length = 0;
            while (true) {
                // SO_TIMEOUT bounds each read; shrinking it to what is left keeps the whole
                // probe within one timeout however the answer is split.
                socket.setSoTimeout(millisUntil(deadline));
                int n = in.read(line, length, line.length - length);
                if (n < 0) {
                    return "connection closed before status line";
                }
                for (int i = length; i < length + n; i++) {
                    if (line[i] == '\n') {
                        return judge(line, i);
                    }
                }
                length += n;
                if (length == line.length) {
                    return "malformed status line";
                }
            }
        }

        /**
         * Checks {@code HTTP/d.d SP ddd (SP reason)? CR? LF}, the line being
         * {@code line[0..end)} without its LF, and compares the code with the expected one.
         */
        private String judge(byte[] line, int end) {
            if (end > 0 && line[end - 1] == '\r') {
                end--;
            }
            boolean wellFormed = end >= 12
                    && line[0] == 'H' && line[1] == 'T' && line[2] == 'T' && line[3] == 'P' && line[4] == '/'
                    && isDigit(line[5]) && line[6] == '.' && isDigit(line[7]) && line[8] == ' '
                    && isDigit(line[9]) && isDigit(line[10]) && isDigit(line[11])
                    && (end == 12 || line[12] == ' ');
            if (!wellFormed) {
                return "malformed status line";
            }
            int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
            return status == check.expectStatus() ? null : "status " + status;
        }

        private static boolean isDigit(byte b) {
            return b >= '0' && b <= '9';
        }

        /**
         * Milliseconds left until {@code deadline}, at least 1 because 0 means "no timeout" to
         * {@link Socket}.
         */
        private static int millisUntil(long deadline) throws SocketTimeoutException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("health check deadline passed");
            }
            return Math.clamp(TimeUnit.NANOSECONDS.toMillis(left + 999_999), 1, Integer.MAX_VALUE);
        }
    }
}
