package dev.isthmus.core.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * CoAP (RFC 7252, over UDP) listeners and the message layer's parameters. {@link #DEFAULT}
 * listens nowhere; the built-in default configuration adds {@link #DEFAULT_LISTEN}.
 *
 * @param listeners       UDP addresses to serve CoAP on, possibly none (CoAP is then off); default
 *                        none, and {@code 0.0.0.0:5683} in {@link IsthmusConfig#builtInDefault()}
 * @param ackTimeout      how long a CON waits for its ACK before the first retransmission; default 2 s
 * @param maxRetransmit   retransmissions of a CON before it is given up, 0..20; default 4
 * @param maxExchanges    requests each event loop remembers for deduplication (with up to 64 bytes
 *                        of answer each), 16..{@value #MAX_EXCHANGES}; past it the oldest are
 *                        forgotten before EXCHANGE_LIFETIME ends; default 100,000
 * @param blockSize       the block size of block-wise transfers, a power of two from 16 to 1024; default 1024
 * @param maxBodySize     the largest request body assembled from blocks, from the block size up to
 *                        {@value #MAX_BODY_SIZE} bytes (HTTP responses relayed to CoAP are held to it
 *                        too); default 1 MiB
 * @param httpRoutes      CoAP to HTTP (RFC 8075): requests under each route's path prefix go to its
 *                        upstream group, with their full path; default none
 * @param pubsubPrefix    the path under which CoAP publishes to and observes MQTT topics
 *                        ({@code /ps/{topic}}), or null for none; default {@value #DEFAULT_PUBSUB_PREFIX}
 */
public record CoapConfig(List<ListenAddress> listeners, Duration ackTimeout, int maxRetransmit, int maxExchanges,
                         int blockSize,
                         int maxBodySize, List<RouteConfig> httpRoutes, String pubsubPrefix) {
    public static final String DEFAULT_PUBSUB_PREFIX = "/ps";
    /** The IANA port for CoAP without DTLS. */
    public static final ListenAddress DEFAULT_LISTEN = new ListenAddress(ListenAddress.ANY_HOST, 5683);
    public static final int MAX_BODY_SIZE = 64 << 20;
    public static final int MAX_EXCHANGES = 4_000_000;
    public static final CoapConfig DEFAULT = new CoapConfig(List.of(), Duration.ofSeconds(2), 4, 100_000, 1024, 1 << 20,
            List.of(), DEFAULT_PUBSUB_PREFIX);

    public CoapConfig {
        listeners = List.copyOf(listeners);
        Set<ListenAddress> seen = new HashSet<>();
        for (ListenAddress listener : listeners) {
            if (listener.port() != 0 && !seen.add(listener)) {
                throw new IllegalArgumentException("coap listener " + listener + " is given twice");
            }
        }
        Objects.requireNonNull(ackTimeout, "ackTimeout");
        if (ackTimeout.isNegative() || ackTimeout.isZero()) {
            throw new IllegalArgumentException("coap ack-timeout must be above 0");
        }
        if (maxRetransmit < 0 || maxRetransmit > 20) {
            throw new IllegalArgumentException("coap max-retransmit must be 0 to 20, got " + maxRetransmit);
        }
        if (maxExchanges < 16 || maxExchanges > MAX_EXCHANGES) {
            throw new IllegalArgumentException("coap max-exchanges must be 16 to " + MAX_EXCHANGES + ", got "
                    + maxExchanges);
        }
        if (blockSize < 16 || blockSize > 1024 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("coap block-size must be 16, 32, 64, 128, 256, 512 or 1024, got "
                    + blockSize);
        }
        if (maxBodySize < blockSize || maxBodySize > MAX_BODY_SIZE) {
            throw new IllegalArgumentException("coap max-body-size must be from the block size to " + MAX_BODY_SIZE
                    + " bytes, got " + maxBodySize);
        }
        httpRoutes = List.copyOf(httpRoutes);
        Set<String> prefixes = new HashSet<>();
        for (RouteConfig route : httpRoutes) {
            if (route.host() != null) {
                throw new IllegalArgumentException("coap http routes match paths only, not hosts");
            }
            if (!prefixes.add(route.pathPrefix())) {
                throw new IllegalArgumentException("coap http route " + route.pathPrefix() + " is given twice");
            }
        }
        if (pubsubPrefix != null) {
            try {
                checkPubsubPrefix(pubsubPrefix);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("coap pubsub " + e.getMessage());
            }
            for (RouteConfig route : httpRoutes) {
                if (route.pathPrefix().equals(pubsubPrefix)) {
                    throw new IllegalArgumentException("coap http route " + route.pathPrefix()
                            + " is the pub/sub prefix too");
                }
            }
        }
    }

    /** A pub/sub prefix is one or more path segments: {@code /ps}, {@code /mqtt/topics}. */
    public static void checkPubsubPrefix(String prefix) {
        if (!prefix.matches("(/[A-Za-z0-9._~-]+)+")) {
            throw new IllegalArgumentException("must be a path like /ps (letters, digits, . _ ~ -), got '" + prefix
                    + "'");
        }
    }

    public CoapConfig withListeners(List<ListenAddress> newListeners) {
        return new CoapConfig(newListeners, ackTimeout, maxRetransmit, maxExchanges, blockSize, maxBodySize,
                httpRoutes, pubsubPrefix);
    }
}
