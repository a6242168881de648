package dev.isthmus.protocol.mqtt.codec;

import java.util.Arrays;
import java.util.Objects;

/**
 * The will message of a CONNECT (MQTT 5.0 §3.1.2.5, §3.1.3.2-3.1.3.4): published by the server
 * when the connection ends without a normal DISCONNECT. The will delay interval and the message's
 * own properties (payload format, expiry, content type, response topic, correlation data, user
 * properties) are in {@link #properties()}, empty in 3.1.1. The payload is copied in and out.
 *
 * @param topic  a topic name (no wildcards, not empty)
 * @param qos    0, 1 or 2
 */
public record Will(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {
    public Will {
        Objects.requireNonNull(topic, "topic");
        payload = payload.clone();
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("will QoS " + qos);
        }
        Objects.requireNonNull(properties, "properties");
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    int payloadLength() {
        return payload.length;
    }

    byte[] payloadUnsafe() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Will w && topic.equals(w.topic) && Arrays.equals(payload, w.payload) && qos == w.qos
                && retain == w.retain && properties.equals(w.properties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, Arrays.hashCode(payload), qos, retain, properties);
    }

    @Override
    public String toString() {
        return "Will[topic=" + topic + ", payload=" + payload.length + " bytes, qos=" + qos + ", retain=" + retain
                + ", properties=" + properties + "]";
    }
}
