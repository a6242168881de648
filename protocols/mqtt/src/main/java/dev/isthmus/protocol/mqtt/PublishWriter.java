package dev.isthmus.protocol.mqtt;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.transport.OutboundChunks;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;

/**
 * Encodes deliveries as PUBLISH packets into a connection's outbound chunks (or once into a
 * chunk that several subscribers share); one per loop, reused for every delivery, so encoding
 * allocates nothing. {@code prepare...} describes a packet, then {@link #write} or
 * {@link #encode} puts it somewhere.
 */
final class PublishWriter {
    private final PublishEncoder encoder = new PublishEncoder();
    private final UnsafeBuffer properties = new UnsafeBuffer(new byte[0]);
    /** The payload of the prepared packet, for the piecewise write of a packet larger than a chunk. */
    private DirectBuffer payload;
    private int payloadOffset;
    private int payloadLength;
    private final UnsafeBuffer payloadWrapper = new UnsafeBuffer(new byte[0]);

    /**
     * Describes {@code delivery} to the encoder.
     *
     * @param secondsLeft the Message Expiry Interval to send, or -1 for none
     * @return the packet's length on the wire
     */
    int prepare(MqttVersion version, Session.Delivery delivery, int packetId, boolean dup, long secondsLeft) {
        Message message = delivery.message;
        payloadWrapper.wrap(message.payload());
        payload = payloadWrapper;
        payloadOffset = 0;
        payloadLength = message.payload().length;
        encoder.reset(version).qos(delivery.qos).retain(delivery.retain).dup(dup && delivery.qos > 0)
                .packetId(packetId).topic(message.topicUtf8()).payload(message.payload());
        if (version == MqttVersion.V5) {
            PublishProperties forwarded = message.properties();
            if (forwarded != PublishProperties.NONE) {
                properties.wrap(forwarded.bytes());
                forwarded.applyTo(encoder, properties);
            }
            if (secondsLeft >= 0) {
                encoder.messageExpiryInterval(secondsLeft);
            }
            for (int id : delivery.subscriptionIds) {
                encoder.addSubscriptionIdentifier(id);
            }
        }
        return encoder.encodedLength();
    }

    /**
     * Describes a QoS 0 delivery of the PUBLISH {@code view} still in its receive buffer, with
     * the topic {@code topic} (the view's own, or the one its alias stands for), no subscription
     * identifiers, and the message's properties and expiry as they arrived.
     *
     * @return the packet's length on the wire
     */
    int prepareQos0(MqttVersion version, PublishView view, DirectBuffer topic, int topicOffset, int topicLength,
                    boolean retain) {
        payload = view.buffer();
        payloadOffset = view.payloadOffset();
        payloadLength = view.payloadLength();
        encoder.reset(version).copyOf(view).qos(0).packetId(0).dup(false).retain(retain)
                .topic(topic, topicOffset, topicLength);
        return encoder.encodedLength();
    }

    /** {@link #write}: the packet is written. */
    static final int WRITTEN = 1;
    /** {@link #write}: the buffer pool is exhausted and nothing of the packet was written. */
    static final int NO_ROOM = 0;
    /** {@link #write}: the pool ran out part way through a packet larger than a chunk: the stream is broken. */
    static final int BROKEN = -1;

    /** Writes the prepared packet of {@code length} bytes to {@code out}: {@link #WRITTEN}, {@link #NO_ROOM} or {@link #BROKEN}. */
    int write(OutboundChunks out, int length) {
        MutableDirectBuffer buffer = out.reserve(length);
        if (buffer != null) {
            encoder.encode(buffer, out.position());
            out.advance(length);
            return WRITTEN;
        }
        int header = encoder.headerLength();
        if (length <= out.maxReservation() || (buffer = out.reserve(header)) == null) {
            return NO_ROOM;
        }
        // Larger than a chunk: the header, then the payload spread over as many chunks as it takes.
        encoder.encodeHeader(buffer, out.position());
        out.advance(header);
        return out.append(payload, payloadOffset, payloadLength) ? WRITTEN : BROKEN;
    }

    /** Encodes the prepared packet into {@code buffer} at {@code offset}; the caller made sure it fits. */
    void encode(MutableDirectBuffer buffer, int offset) {
        encoder.encode(buffer, offset);
    }
}
