package dev.isthmus.protocol.mqtt.codec;

/** PINGRESP: no body. Use {@link #INSTANCE}. */
public record PingrespPacket() implements MqttPacket {
    public static final PingrespPacket INSTANCE = new PingrespPacket();

    @Override
    public PacketType type() {
        return PacketType.PINGRESP;
    }
}
