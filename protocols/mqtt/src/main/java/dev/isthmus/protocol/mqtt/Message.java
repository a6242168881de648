package dev.isthmus.protocol.mqtt;

import java.nio.charset.StandardCharsets;

/**
 * One published message as the broker keeps it between receiving and delivering: immutable,
 * on the heap, so any loop may deliver it and a session may keep it while its client is away.
 * Made only when a message has to outlive its receive buffer (it is retained, queued, in flight
 * at QoS 1/2, or on its way to another loop); a QoS 0 message to subscribers that can take it
 * at once is written straight from the receive buffer.
 *
 * <p>The fields: the topic name as it travels (UTF-8); the v5 properties that travel to
 * subscribers (payload format, content type, response topic, correlation data, user properties;
 * never the topic alias, subscription identifiers or expiry, which are per delivery); when it
 * expires (System.nanoTime clock, or {@link Long#MAX_VALUE}); the session that published it, for
 * no-local (null for wills and retained replays). With sessions on disk, {@link #storeId} is the
 * id the log knows it by once it is written there (0 before).
 */
final class Message {
    private final byte[] topicUtf8;
    private final byte[] payload;
    private final int qos;
    private final boolean retain;
    private final PublishProperties properties;
    private final long expiresAtNanos;
    private final Session publisher;
    /** Set once, by the loop that writes the message to the session log, before anyone else may read it. */
    long storeId;

    Message(byte[] topicUtf8, byte[] payload, int qos, boolean retain, PublishProperties properties,
            long expiresAtNanos, Session publisher) {
        this.topicUtf8 = topicUtf8;
        this.payload = payload;
        this.qos = qos;
        this.retain = retain;
        this.properties = properties;
        this.expiresAtNanos = expiresAtNanos;
        this.publisher = publisher;
    }

    byte[] topicUtf8() {
        return topicUtf8;
    }

    byte[] payload() {
        return payload;
    }

    int qos() {
        return qos;
    }

    boolean retain() {
        return retain;
    }

    PublishProperties properties() {
        return properties;
    }

    long expiresAtNanos() {
        return expiresAtNanos;
    }

    Session publisher() {
        return publisher;
    }

    static Message of(String topic, byte[] payload, int qos, boolean retain, PublishProperties properties,
                      long expiresAtNanos, Session publisher) {
        return new Message(topic.getBytes(StandardCharsets.UTF_8), payload, qos, retain, properties,
                expiresAtNanos, publisher);
    }

    /** The topic as text; decoded on each call (only the retained store needs it). */
    String topic() {
        return new String(topicUtf8, StandardCharsets.UTF_8);
    }

    boolean expired(long nowNanos) {
        return nowNanos - expiresAtNanos >= 0 && expiresAtNanos != Long.MAX_VALUE;
    }

    /** Seconds left for a v5 Message Expiry Interval, at least 0; -1 when it never expires. */
    long secondsLeft(long nowNanos) {
        if (expiresAtNanos == Long.MAX_VALUE) {
            return -1;
        }
        return Math.max(0, (expiresAtNanos - nowNanos + 999_999_999L) / 1_000_000_000L);
    }
}
