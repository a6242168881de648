package dev.isthmus.protocol.http1;

import java.time.Duration;
import java.util.Objects;

import dev.isthmus.protocol.http1.codec.HeadLimits;

/**
 * Limits and timeouts of the HTTP proxy.
 *
 * @param headLimits    request head size, target length, field count, trailer size
 * @param maxBodyBytes  largest request body accepted (413 beyond), 0 for no limit
 * @param headerRead    the whole request head must arrive within this (408)
 * @param clientIdle    a keep-alive client connection with no request is closed after this
 * @param bodyRead      longest pause between request body bytes (408)
 * @param connect       connecting to an upstream, or waiting for a pooled connection (504 / 503)
 * @param response      longest wait for upstream bytes once the request is sent (504); also the
 *                      idle timeout of upgraded (WebSocket) tunnels
 * @param linger        after an error response, how long unread request bytes are drained
 *                      before the socket closes (so the client sees the response, not a reset)
 * @param spliceThreshold response bodies of a known length from this many bytes on are moved
 *                      from upstream to client inside the kernel (splice) where the transport
 *                      can; 0 turns splicing off
 */
public record HttpProxySettings(HeadLimits headLimits, long maxBodyBytes, Duration headerRead, Duration clientIdle,
                                Duration bodyRead, Duration connect, Duration response, Duration linger,
                                long spliceThreshold) {
    /** Bodies from 256 KiB on are spliced: below that, copying through a chunk or two costs less than the pipe round trips. */
    public static final long DEFAULT_SPLICE_THRESHOLD = 256 * 1024;
    public static final HttpProxySettings DEFAULT = new HttpProxySettings(HeadLimits.DEFAULT, 64L << 20,
            Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(3),
            Duration.ofSeconds(60), Duration.ofSeconds(2), DEFAULT_SPLICE_THRESHOLD);

    public HttpProxySettings {
        Objects.requireNonNull(headLimits);
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("max body bytes must be >= 0");
        }
        if (spliceThreshold < 0) {
            throw new IllegalArgumentException("the splice threshold must be >= 0");
        }
        for (Duration d : new Duration[] {headerRead, clientIdle, bodyRead, connect, response, linger}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
    }

    public HttpProxySettings withMaxBodyBytes(long bytes) {
        return new HttpProxySettings(headLimits, bytes, headerRead, clientIdle, bodyRead, connect, response, linger, spliceThreshold);
    }

    public HttpProxySettings withHeadLimits(HeadLimits limits) {
        return new HttpProxySettings(limits, maxBodyBytes, headerRead, clientIdle, bodyRead, connect, response, linger, spliceThreshold);
    }

    public HttpProxySettings withSpliceThreshold(long bytes) {
        return new HttpProxySettings(headLimits, maxBodyBytes, headerRead, clientIdle, bodyRead, connect, response, linger, bytes);
    }

    public HttpProxySettings withTimeouts(Duration headerRead, Duration clientIdle, Duration bodyRead,
                                          Duration connect, Duration response) {
        return new HttpProxySettings(headLimits, maxBodyBytes, headerRead, clientIdle, bodyRead, connect, response, linger, spliceThreshold);
    }
}
