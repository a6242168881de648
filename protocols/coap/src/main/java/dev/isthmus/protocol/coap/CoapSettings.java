package dev.isthmus.protocol.coap;

import java.time.Duration;

/**
 * The message layer's parameters (RFC 7252 4.8) and the endpoint's bounds.
 *
 * @param ackTimeout         how long a CON waits for its ACK before the first retransmission (ACK_TIMEOUT, 2 s)
 * @param ackRandomFactor    the first wait is drawn from [ackTimeout, ackTimeout x factor] (ACK_RANDOM_FACTOR, 1.5)
 * @param maxRetransmit      retransmissions before a CON is given up (MAX_RETRANSMIT, 4); each waits twice as long
 * @param maxExchanges       exchanges remembered per event loop for deduplication; past it the oldest are
 *                           forgotten early (counted), so memory stays bounded under a flood
 * @param blockSize          the block size offered for block-wise transfers (16 to 1024, a power of two)
 * @param maxBodySize        the largest request body assembled from Block1 blocks (4.13 beyond, with Size1)
 * @param piggybackWindow    how long a handler may take before a CON request gets an empty ACK and its
 *                           response comes later as a separate CON (must stay well below ackTimeout)
 */
public record CoapSettings(Duration ackTimeout, double ackRandomFactor, int maxRetransmit, int maxExchanges,
                           int blockSize, int maxBodySize, Duration piggybackWindow) {
    public static final CoapSettings DEFAULT = new CoapSettings(Duration.ofSeconds(2), 1.5, 4, 100_000, 1024,
            1 << 20, Duration.ofMillis(500));

    /** RFC 7252 4.8.2: the time from sending a CON to the peer not expecting anything of it any more. */
    private static final Duration MAX_LATENCY = Duration.ofSeconds(100);

    public CoapSettings {
        if (ackTimeout.isNegative() || ackTimeout.isZero()) {
            throw new IllegalArgumentException("ack-timeout must be above 0");
        }
        if (ackRandomFactor < 1.0) {
            throw new IllegalArgumentException("ack-random-factor must be at least 1.0");
        }
        if (maxRetransmit < 0 || maxRetransmit > 20) {
            throw new IllegalArgumentException("max-retransmit must be 0 to 20");
        }
        if (maxExchanges < 1) {
            throw new IllegalArgumentException("max-exchanges must be at least 1");
        }
        if (blockSize < 16 || blockSize > 1024 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block-size must be a power of two from 16 to 1024");
        }
        if (maxBodySize < blockSize) {
            throw new IllegalArgumentException("max-body-size must be at least the block size");
        }
        if (piggybackWindow.isNegative() || piggybackWindow.compareTo(ackTimeout) >= 0) {
            throw new IllegalArgumentException("piggyback-window must be below ack-timeout");
        }
    }

    /** MAX_TRANSMIT_SPAN: from a CON's first transmission to its last retransmission. */
    public Duration maxTransmitSpan() {
        return Duration.ofNanos((long) (ackTimeout.toNanos() * ((1L << maxRetransmit) - 1) * ackRandomFactor));
    }

    /** EXCHANGE_LIFETIME: how long a CON's message ID is remembered (247 s with the defaults). */
    public Duration exchangeLifetime() {
        return maxTransmitSpan().plus(MAX_LATENCY.multipliedBy(2)).plus(ackTimeout);
    }

    /** NON_LIFETIME: how long a NON's message ID is remembered (145 s with the defaults). */
    public Duration nonLifetime() {
        return maxTransmitSpan().plus(MAX_LATENCY);
    }

    /** The SZX of {@link #blockSize} (RFC 7959 2.2: size = 2^(SZX + 4)). */
    int blockSzx() {
        return Integer.numberOfTrailingZeros(blockSize) - 4;
    }
}
