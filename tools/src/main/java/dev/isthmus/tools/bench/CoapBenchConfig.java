package dev.isthmus.tools.bench;

import dev.isthmus.protocol.coap.codec.CoapCode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One run of {@code isthmus bench coap get|post|put|observe}, validated, in the units the
 * clients use.
 *
 * @param clients          clients sending the requests (get, post, put), or the observers (observe);
 *                         each has a UDP socket, so a source port, of its own
 * @param publishers       observe: clients that PUT to the observed path (each its own socket too)
 * @param path             the request path, {@code /a/b}
 * @param confirmable      requests (and registrations) as CON, else NON
 * @param rate             requests per second over all senders at a fixed rate (open loop); 0 for a
 *                         closed loop, every sender keeping {@code outstanding} requests in flight
 * @param outstanding      requests in flight per sender: the closed loop's window, the open loop's cap
 * @param durationSeconds  stop after this long (0 = until SIGINT/SIGTERM, or until {@code count} requests are answered)
 * @param count            requests in all, over every sender (0 = no limit)
 * @param payload          the request body of post and put (observe: the first 8 bytes carry the send time)
 * @param ackTimeoutNanos  ACK_TIMEOUT: a CON's first wait is drawn from [1, ACK_RANDOM_FACTOR] times it
 * @param maxRetransmit    MAX_RETRANSMIT: a CON is sent again up to this often, each wait twice the last
 * @param timeoutNanos     from the first transmission until a request without its response counts as a timeout
 * @param reportSeconds    seconds between two lines of counters
 * @param loops            threads the clients are spread over
 */
public record CoapBenchConfig(Mode mode, String host, int port, int clients, int publishers, String path,
                              boolean confirmable, double rate, int outstanding, long durationSeconds, long count,
                              byte[] payload, long ackTimeoutNanos, int maxRetransmit, long timeoutNanos,
                              long reportSeconds, int loops) {
    /** ACK_RANDOM_FACTOR of RFC 7252 4.8. */
    public static final double ACK_RANDOM_FACTOR = 1.5;

    /** What the clients do. */
    public enum Mode {
        GET(CoapCode.GET), POST(CoapCode.POST), PUT(CoapCode.PUT), OBSERVE(CoapCode.PUT);

        /** The method of the requests that are measured (observe: the publishers' PUT). */
        final int method;

        Mode(int method) {
            this.method = method;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** MAX_TRANSMIT_WAIT (RFC 7252 4.8.2): from a CON's first transmission until its sender gives up. */
    public static long maxTransmitWaitNanos(long ackTimeoutNanos, int maxRetransmit) {
        return (long) (ackTimeoutNanos * ((1L << (maxRetransmit + 1)) - 1) * ACK_RANDOM_FACTOR);
    }

    /** Whether the requests go at a fixed rate. */
    public boolean openLoop() {
        return rate > 0;
    }

    /** Clients that send the measured requests. */
    public int senders() {
        return mode == Mode.OBSERVE ? publishers : clients;
    }

    /** Whether requests carry {@link #payload}. */
    public boolean hasPayload() {
        return mode != Mode.GET;
    }

    /** The path as its Uri-Path option values. */
    List<byte[]> pathSegments() {
        List<byte[]> segments = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (!segment.isEmpty()) {
                segments.add(segment.getBytes(StandardCharsets.UTF_8));
            }
        }
        return segments;
    }
}
