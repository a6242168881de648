package dev.isthmus.protocol.mqtt.codec;

import java.util.List;
import java.util.Objects;

/**
 * SUBACK (MQTT 3.1.1 §3.9, MQTT 5.0 §3.9): one reason code per subscription of the SUBSCRIBE, in
 * order. 3.1.1 knows only the granted QoS codes and failure (0x80): the encoder writes any
 * failure as 0x80 and decodes 0x80 as {@link ReasonCode#UNSPECIFIED_ERROR}.
 */
public record SubackPacket(int packetId, List<ReasonCode> reasonCodes, MqttProperties properties)
        implements MqttPacket {
    public SubackPacket {
        if (packetId < 1 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier " + packetId);
        }
        reasonCodes = List.copyOf(reasonCodes);
        for (ReasonCode code : reasonCodes) {
            if (!code.allowedIn(PacketType.SUBACK)) {
                throw new IllegalArgumentException(code + " is not a SUBACK reason code");
            }
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.SUBACK;
    }
}
