package dev.isthmus.protocol.mqtt.client;

import dev.isthmus.protocol.mqtt.codec.PublishEncoder;

/**
 * A message handed to {@link MqttClient#publish}. The client keeps a QoS 1 or 2 publication
 * until the broker has acknowledged it and describes it again for every resend, so its topic,
 * payload and properties must not change meanwhile; it allocates nothing to hold it.
 */
public interface Publication {
    /** 0, 1 or 2; lowered to a 5.0 broker's Maximum QoS. */
    int qos();

    /** Cleared when a 5.0 broker has no retained messages. */
    boolean retain();

    /**
     * Sets the topic, the payload and, for 5.0, the properties that travel with the message on
     * {@code encoder}, which has just been reset for the connection's version; the client sets
     * QoS, retain, DUP and the packet identifier itself, then writes the packet at once (so the
     * encoder may reference the publication's own buffers).
     *
     * @param nowNanos the loop's clock, for a Message Expiry Interval that counts down
     */
    void describe(PublishEncoder encoder, long nowNanos);
}
