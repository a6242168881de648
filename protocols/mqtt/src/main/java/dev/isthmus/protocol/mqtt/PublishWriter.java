package dev.isthmus.protocol.mqtt;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;

/**
 * Encodes deliveries as PUBLISH packets into a connection's outbound chunks; one per loop,
 * reused for every delivery, so encoding allocates nothing.
 */
final class PublishWriter {
    private final PublishEncoder encoder = new PublishEncoder();
    private final UnsafeBuffer properties = new UnsafeBuffer(new byte[0]);
    private Message prepared;

    /**
     * Describes {@code delivery} to the encoder.
     *
     * @param secondsLeft the Message Expiry Interval to send, or -1 for none
     * @return the packet's length on the wire
     */
    int prepare(MqttVersion version, Session.Delivery delivery, int packetId, boolean dup, long secondsLeft) {
        Message message = delivery.message;
        prepared = message;
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

    /** Writes the prepared packet of {@code length} bytes to {@code connection}. */
    boolean write(MqttConnection connection, int length) {
        MutableDirectBuffer buffer = connection.reserve(length);
        if (buffer != null) {
            encoder.encode(buffer, connection.position());
            connection.advance(length);
            return true;
        }
        // Larger than a chunk: the header, then the payload spread over as many chunks as it takes.
        int header = encoder.headerLength();
        buffer = connection.reserve(header);
        if (buffer == null) {
            return false;
        }
        encoder.encodeHeader(buffer, connection.position());
        connection.advance(header);
        byte[] payload = prepared.payload();
        connection.writeLarge(payload, 0, payload.length);
        return true;
    }
}
