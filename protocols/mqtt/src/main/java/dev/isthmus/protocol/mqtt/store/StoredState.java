package dev.isthmus.protocol.mqtt.store;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the log says is persistent: sessions with their subscriptions, the QoS 1/2 messages
 * queued or in flight towards them, the QoS 2 messages they are sending, and the retained
 * messages. {@link SessionLog} keeps it up to date from the records it writes (so compaction
 * needs nothing from the broker) and hands it to the broker once, at start.
 *
 * <p>Not thread-safe: the log's writer owns it, except before the writer starts.
 */
public final class StoredState {
    final Map<Long, StoredMessage> messages = new LinkedHashMap<>();
    final Map<String, StoredSession> sessions = new LinkedHashMap<>();
    /** Topic (as text) to the id of its retained message. */
    final Map<String, Long> retained = new LinkedHashMap<>();
    long highestMessageId;

    public Map<String, StoredSession> sessions() {
        return sessions;
    }

    public StoredMessage message(long id) {
        return messages.get(id);
    }

    /** Retained messages, topic to message. */
    public Map<String, StoredMessage> retained() {
        Map<String, StoredMessage> found = new LinkedHashMap<>();
        retained.forEach((topic, id) -> found.put(topic, messages.get(id)));
        return found;
    }

    /** One message's body, stored once however many sessions it is queued for. */
    public record StoredMessage(long id, byte[] topic, byte[] payload, int qos, boolean retain, int payloadFormat,
                                int[] propertyRanges, byte[] properties, long expiresAtEpochMillis) {
        /** {@link #expiresAtEpochMillis} of a message that never expires. */
        public static final long NEVER = Long.MAX_VALUE;

        public String topicText() {
            return new String(topic, StandardCharsets.UTF_8);
        }
    }

    /** One session that outlives its connections. */
    public static final class StoredSession {
        final String clientId;
        int protocolLevel;
        long expirySeconds;
        /** When its client went away (epoch ms), or 0 while connected. */
        long awayAtEpochMillis;
        /** Filter (as written) to {options byte, subscription identifier}. */
        final Map<String, int[]> subscriptions = new LinkedHashMap<>();
        /** Message id to its delivery, in the order they were queued. */
        final Map<Long, StoredDelivery> deliveries = new LinkedHashMap<>();
        final TreeSet<Integer> inboundQos2 = new TreeSet<>();

        StoredSession(String clientId) {
            this.clientId = clientId;
        }

        public String clientId() {
            return clientId;
        }

        public int protocolLevel() {
            return protocolLevel;
        }

        public long expirySeconds() {
            return expirySeconds;
        }

        public long awayAtEpochMillis() {
            return awayAtEpochMillis;
        }

        public Map<String, int[]> subscriptions() {
            return subscriptions;
        }

        public Iterable<StoredDelivery> deliveries() {
            return deliveries.values();
        }

        public Iterable<Integer> inboundQos2() {
            return inboundQos2;
        }
    }

    /** A message on its way to a session: queued ({@code packetId} 0) or sent and not yet acknowledged. */
    public static final class StoredDelivery {
        final long messageId;
        final int qos;
        final boolean retain;
        final int[] subscriptionIds;
        int packetId;
        /** QoS 2: PUBREC came and PUBREL went out. */
        boolean released;

        StoredDelivery(long messageId, int qos, boolean retain, int[] subscriptionIds) {
            this.messageId = messageId;
            this.qos = qos;
            this.retain = retain;
            this.subscriptionIds = subscriptionIds;
        }

        public long messageId() {
            return messageId;
        }

        public int qos() {
            return qos;
        }

        public boolean retain() {
            return retain;
        }

        public int[] subscriptionIds() {
            return subscriptionIds;
        }

        public int packetId() {
            return packetId;
        }

        public boolean released() {
            return released;
        }
    }

    /** Forgets messages nothing refers to any more (for compaction). */
    void dropUnreferenced() {
        java.util.Set<Long> used = new java.util.HashSet<>(retained.values());
        for (StoredSession session : sessions.values()) {
            used.addAll(session.deliveries.keySet());
        }
        messages.keySet().retainAll(used);
    }
}
