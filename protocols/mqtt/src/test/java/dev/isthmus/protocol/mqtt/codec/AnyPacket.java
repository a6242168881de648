package dev.isthmus.protocol.mqtt.codec;

/**
 * Decodes any frame the way a connection would: PUBLISH through {@link PublishView}, the
 * acknowledgements through {@link AckView}, CONNECT through {@link MqttDecoder#decodeConnect},
 * the rest through {@link MqttDecoder#decode}; the body is given in an exact-fit buffer, so a
 * read outside it throws.
 */
final class AnyPacket {
    private final PublishView publish = new PublishView();
    private final AckView ack = new AckView();

    /** The reason code of decoding the frame: SUCCESS or the failure. */
    ReasonCode decode(MqttVersion version, Frames.Frame frame) {
        var body = Hex.exact(frame.body());
        int header = frame.fixedHeader();
        PacketType type = PacketType.of(header);
        if (type == PacketType.PUBLISH) {
            return publish.wrap(version, header, body, 0, frame.body().length);
        }
        if (type == PacketType.PUBACK || type == PacketType.PUBREC || type == PacketType.PUBREL
                || type == PacketType.PUBCOMP) {
            return ack.wrap(version, header, body, 0, frame.body().length);
        }
        if (type == PacketType.CONNECT) {
            return MqttDecoder.decodeConnect(header, body, 0, frame.body().length).reason();
        }
        return MqttDecoder.decode(version, header, body, 0, frame.body().length).reason();
    }
}
