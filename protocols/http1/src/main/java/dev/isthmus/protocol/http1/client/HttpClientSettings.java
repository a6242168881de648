package dev.isthmus.protocol.http1.client;

import java.time.Duration;
import java.util.Objects;

import dev.isthmus.protocol.http1.codec.HeadLimits;

/**
 * Limits and timeouts of a {@link LoopHttpClient}. Keep-alive pooling is each peer's own
 * ({@link dev.isthmus.core.upstream.Peer#poolSettings()}), as for the proxy.
 *
 * @param connectTimeout       connecting to one peer; a connect still pending then fails over to
 *                             the next peer, as a refused one does
 * @param responseTimeout      the whole exchange, from {@code send} to the last body byte
 *                             (waiting for a pooled connection and connecting included)
 * @param maxResponseBodyBytes the largest response body taken; a larger one fails the request
 * @param headLimits           how large a response head may be
 */
public record HttpClientSettings(Duration connectTimeout, Duration responseTimeout, int maxResponseBodyBytes,
                                 HeadLimits headLimits) {
    public static final HttpClientSettings DEFAULT = new HttpClientSettings(Duration.ofSeconds(3),
            Duration.ofSeconds(60), 1 << 20, HeadLimits.DEFAULT);

    public HttpClientSettings {
        Objects.requireNonNull(headLimits, "headLimits");
        for (Duration d : new Duration[] {connectTimeout, responseTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
        if (maxResponseBodyBytes < 0) {
            throw new IllegalArgumentException("max response body bytes must be >= 0");
        }
    }
}
