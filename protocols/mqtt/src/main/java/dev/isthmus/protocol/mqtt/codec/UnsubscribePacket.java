package dev.isthmus.protocol.mqtt.codec;

import java.util.List;
import java.util.Objects;

/** UNSUBSCRIBE (MQTT 3.1.1 §3.10, MQTT 5.0 §3.10): at least one topic filter; 5.0 properties are user properties only. */
public record UnsubscribePacket(int packetId, List<String> topicFilters, MqttProperties properties)
        implements MqttPacket {
    public UnsubscribePacket {
        if (packetId < 1 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier " + packetId);
        }
        topicFilters = List.copyOf(topicFilters);
        if (topicFilters.isEmpty()) {
            throw new IllegalArgumentException("an UNSUBSCRIBE needs at least one topic filter");
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.UNSUBSCRIBE;
    }
}
