package dev.isthmus.protocol.mqtt.codec;

import java.util.List;
import java.util.Objects;

/**
 * UNSUBACK (MQTT 3.1.1 §3.11, MQTT 5.0 §3.11). In 5.0, one reason code per topic filter of the
 * UNSUBSCRIBE; 3.1.1 has none (the list is empty and the encoder ignores it).
 */
public record UnsubackPacket(int packetId, List<ReasonCode> reasonCodes, MqttProperties properties)
        implements MqttPacket {
    public UnsubackPacket {
        if (packetId < 1 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier " + packetId);
        }
        reasonCodes = List.copyOf(reasonCodes);
        for (ReasonCode code : reasonCodes) {
            if (!code.allowedIn(PacketType.UNSUBACK)) {
                throw new IllegalArgumentException(code + " is not an UNSUBACK reason code");
            }
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.UNSUBACK;
    }
}
