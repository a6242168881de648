package dev.isthmus.protocol.mqtt.codec;

import java.util.List;
import java.util.Objects;

/**
 * SUBSCRIBE (MQTT 3.1.1 §3.8, MQTT 5.0 §3.8): at least one subscription; the 5.0 properties may
 * hold one subscription identifier (applied to every filter of the packet) and user properties.
 */
public record SubscribePacket(int packetId, List<Subscription> subscriptions, MqttProperties properties)
        implements MqttPacket {
    public SubscribePacket {
        if (packetId < 1 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier " + packetId);
        }
        subscriptions = List.copyOf(subscriptions);
        if (subscriptions.isEmpty()) {
            throw new IllegalArgumentException("a SUBSCRIBE needs at least one subscription");
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public PacketType type() {
        return PacketType.SUBSCRIBE;
    }

    /** The subscription identifier, or 0 if none. */
    public int subscriptionIdentifier() {
        return properties.subscriptionIdentifier();
    }
}
