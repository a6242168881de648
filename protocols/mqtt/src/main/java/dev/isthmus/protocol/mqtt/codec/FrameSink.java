package dev.isthmus.protocol.mqtt.codec;

import org.agrona.DirectBuffer;

/**
 * Receives the packets {@link FrameReader} finds, one call per packet, on the reader's thread.
 * The body is valid only during the call: it is either the caller's own buffer (zero copy) or
 * the reader's assembly buffer, which the next packet overwrites.
 */
@FunctionalInterface
public interface FrameSink {
    /**
     * One complete packet.
     *
     * @param fixedHeader the first byte (type and flags), 0..255
     * @param bodyOffset  where the body (after the remaining length) starts in {@code buf}
     * @param bodyLength  the remaining length
     * @return true to go on with the next packet of the feed, false to stop right after this one
     *         (the reader then reports how many bytes it consumed, up to the end of this packet)
     */
    boolean frame(int fixedHeader, DirectBuffer buf, int bodyOffset, int bodyLength);
}
