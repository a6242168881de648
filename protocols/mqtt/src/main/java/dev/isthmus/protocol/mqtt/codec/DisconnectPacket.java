package dev.isthmus.protocol.mqtt.codec;

import java.util.Objects;

/**
 * DISCONNECT (MQTT 3.1.1 §3.14, MQTT 5.0 §3.14). 3.1.1 has no body: it decodes as
 * {@link ReasonCode#NORMAL_DISCONNECTION} without properties, and the 3.1.1 encoder writes only
 * the two fixed-header bytes. 5.0 properties: session expiry interval, reason string, server
 * reference, user properties.
 */
public record DisconnectPacket(ReasonCode reasonCode, MqttProperties properties) implements MqttPacket {
    /** A normal disconnection without properties. */
    public static final DisconnectPacket NORMAL = new DisconnectPacket(ReasonCode.NORMAL_DISCONNECTION,
            MqttProperties.EMPTY);

    public DisconnectPacket {
        Objects.requireNonNull(reasonCode, "reasonCode");
        if (!reasonCode.allowedIn(PacketType.DISCONNECT)) {
            throw new IllegalArgumentException(reasonCode + " is not a DISCONNECT reason code");
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.DISCONNECT;
    }
}
