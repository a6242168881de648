package dev.isthmus.protocol.mqtt.codec;

import java.util.Objects;

/**
 * AUTH (MQTT 5.0 §3.15, no 3.1.1 equivalent): {@link ReasonCode#SUCCESS},
 * {@link ReasonCode#CONTINUE_AUTHENTICATION} or {@link ReasonCode#RE_AUTHENTICATE}, with the
 * authentication method and data, a reason string and user properties.
 */
public record AuthPacket(ReasonCode reasonCode, MqttProperties properties) implements MqttPacket {
    public AuthPacket {
        Objects.requireNonNull(reasonCode, "reasonCode");
        if (!reasonCode.allowedIn(PacketType.AUTH)) {
            throw new IllegalArgumentException(reasonCode + " is not an AUTH reason code");
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.AUTH;
    }
}
