package dev.isthmus.protocol.mqtt.codec;

/** PINGREQ: no body. Use {@link #INSTANCE}. */
public record PingreqPacket() implements MqttPacket {
    public static final PingreqPacket INSTANCE = new PingreqPacket();

    @Override
    public PacketType type() {
        return PacketType.PINGREQ;
    }
}
