package dev.isthmus.protocol.mqtt.codec;

/**
 * The control packets decoded into immutable records by {@link MqttDecoder} and written by
 * {@link MqttEncoder}: everything except PUBLISH and its acknowledgements, which go through the
 * allocation-free {@link PublishView}, {@link AckView} and {@link PublishEncoder}.
 */
public sealed interface MqttPacket permits ConnectPacket, ConnackPacket, SubscribePacket, SubackPacket,
        UnsubscribePacket, UnsubackPacket, PingreqPacket, PingrespPacket, DisconnectPacket, AuthPacket {
    PacketType type();
}
