package dev.isthmus.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Time limits of an HTTP exchange, all positive.
 *
 * @param headerRead the whole request head must arrive within this time, else 408 (a per-read
 *                   timeout alone would let slow-loris clients trickle header bytes forever);
 *                   default 10 s
 * @param clientIdle a keep-alive client connection with no request in progress is closed after
 *                   this long; default 60 s
 * @param bodyRead   longest gap between two reads of request body bytes; default 30 s
 * @param connect    connecting to a peer; past it the next peer is tried (see retries); default 3 s
 * @param response   longest wait for bytes from the upstream once the request is sent, else 504;
 *                   default 60 s
 */
public record HttpTimeouts(Duration headerRead, Duration clientIdle, Duration bodyRead, Duration connect,
                           Duration response) {
    public static final HttpTimeouts DEFAULT = new HttpTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60),
            Duration.ofSeconds(30), Duration.ofSeconds(3), Duration.ofSeconds(60));

    public HttpTimeouts {
        for (Duration d : new Duration[] {headerRead, clientIdle, bodyRead, connect, response}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("HTTP timeouts must be positive: " + d);
            }
        }
    }
}
