package dev.isthmus.protocol.mqtt.codec;

import java.util.Objects;

/**
 * The outcome of decoding one packet into a record: the packet, or the reason code to answer
 * with (and a short fixed description of the rule that failed, for logs). Decoders return one
 * of these for any input and never throw.
 *
 * @param <P> the packet type
 */
public sealed interface Decoded<P> {
    /** A valid packet. */
    record Ok<P>(P packet) implements Decoded<P> {
        public Ok {
            Objects.requireNonNull(packet, "packet");
        }
    }

    /**
     * A refused packet.
     *
     * @param reason what to answer with (mostly {@link ReasonCode#MALFORMED_PACKET} or
     *               {@link ReasonCode#PROTOCOL_ERROR}); a 3.1.1 peer just gets the connection closed
     * @param detail which rule failed, in a few words
     */
    record Failure<P>(ReasonCode reason, String detail) implements Decoded<P> {
        public Failure {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Whether this is a packet. */
    default boolean isOk() {
        return this instanceof Ok;
    }

    /** The packet, or null for a failure. */
    default P packetOrNull() {
        return this instanceof Ok<P> ok ? ok.packet() : null;
    }

    /** The failure's reason, or {@link ReasonCode#SUCCESS} for a packet. */
    default ReasonCode reason() {
        return this instanceof Failure<P> f ? f.reason() : ReasonCode.SUCCESS;
    }
}
