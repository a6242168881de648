package dev.isthmus.protocol.mqtt.codec;

import java.util.Objects;

/**
 * CONNACK (MQTT 3.1.1 §3.2, MQTT 5.0 §3.2). A 3.1.1 return code is mapped to the reason code of
 * {@link ReasonCode#ofV3Connack} on decoding and back with {@link ReasonCode#v3ConnackCode()} on
 * encoding. The properties (5.0 only) carry what the server grants: session expiry, receive
 * maximum, maximum QoS, retain available, maximum packet size, assigned client identifier, topic
 * alias maximum, reason string, user properties, the three "available" flags, server keep alive,
 * response information, server reference, authentication method and data.
 */
public record ConnackPacket(boolean sessionPresent, ReasonCode reasonCode, MqttProperties properties)
        implements MqttPacket {
    public ConnackPacket {
        Objects.requireNonNull(reasonCode, "reasonCode");
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.CONNACK;
    }
}
