package dev.isthmus.protocol.mqtt.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One change of the persistent state, as the log stores it: a type byte and the fields,
 * big-endian, strings and byte arrays with their lengths in front ({@link LogFrames} frames and
 * reads them). {@link #apply} replays a record onto a {@link StoredState}.
 */
public sealed interface LogRecord {
    /** Writes the body: the type byte and the fields. */
    void write(ByteBuffer out);

    void apply(StoredState state);

    /** A session that outlives its connections was created or changed. */
    record Session(String clientId, int protocolLevel, long expirySeconds) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.SESSION);
            putString(out, clientId);
            out.put((byte) protocolLevel);
            out.putLong(expirySeconds);
        }

        public void apply(StoredState state) {
            StoredState.StoredSession session = state.sessions.computeIfAbsent(clientId, StoredState.StoredSession::new);
            session.protocolLevel = protocolLevel;
            session.expirySeconds = expirySeconds;
            session.awayAtEpochMillis = 0;
        }
    }

    /** Its client went away; the session's expiry counts from here. */
    record SessionAway(String clientId, long epochMillis) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.SESSION_AWAY);
            putString(out, clientId);
            out.putLong(epochMillis);
        }

        public void apply(StoredState state) {
            StoredState.StoredSession session = state.sessions.get(clientId);
            if (session != null) {
                session.awayAtEpochMillis = epochMillis;
            }
        }
    }

    /** The session ended (expired, or replaced by a clean start): everything of it goes. */
    record SessionEnd(String clientId) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.SESSION_END);
            putString(out, clientId);
        }

        public void apply(StoredState state) {
            state.sessions.remove(clientId);
        }
    }

    record Subscribed(String clientId, String filter, int options, int subscriptionId) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.SUBSCRIBED);
            putString(out, clientId);
            putString(out, filter);
            out.put((byte) options);
            out.putInt(subscriptionId);
        }

        public void apply(StoredState state) {
            StoredState.StoredSession session = state.sessions.get(clientId);
            if (session != null) {
                session.subscriptions.put(filter, new int[] {options, subscriptionId});
            }
        }
    }

    record Unsubscribed(String clientId, String filter) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.UNSUBSCRIBED);
            putString(out, clientId);
            putString(out, filter);
        }

        public void apply(StoredState state) {
            StoredState.StoredSession session = state.sessions.get(clientId);
            if (session != null) {
                session.subscriptions.remove(filter);
            }
        }
    }

    /** A message's body, written once before the first delivery or retained entry that refers to it. */
    record Message(StoredState.StoredMessage message) implements LogRecord {
        public void write(ByteBuffer out) {
            StoredState.StoredMessage m = message;
            out.put(LogFrames.MESSAGE);
            out.putLong(m.id());
            putBytes(out, m.topic());
            putBytes(out, m.payload());
            out.put((byte) m.qos());
            out.put((byte) (m.retain() ? 1 : 0));
            out.putInt(m.payloadFormat());
            putInts(out, m.propertyRanges());
            putBytes(out, m.properties());
            out.putLong(m.expiresAtEpochMillis());
        }

        public void apply(StoredState state) {
            state.messages.put(message.id(), message);
            state.highestMessageId = Math.max(state.highestMessageId, message.id());
        }
    }

    record Queued(String clientId, long messageId, int qos, boolean retain, int[] subscriptionIds) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.QUEUED);
            putString(out, clientId);
            out.putLong(messageId);
            out.put((byte) qos);
            out.put((byte) (retain ? 1 : 0));
            putInts(out, subscriptionIds);
        }

        public void apply(StoredState state) {
            StoredState.StoredSession session = state.sessions.get(clientId);
            if (session != null && state.messages.containsKey(messageId)) {
                session.deliveries.put(messageId, new StoredState.StoredDelivery(messageId, qos, retain,
                        subscriptionIds));
            }
        }
    }

    /** A QoS 1/2 delivery went out with this packet identifier (a restart resends it with the same one). */
    record Sent(String clientId, long messageId, int packetId) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.SENT);
            putString(out, clientId);
            out.putLong(messageId);
            out.putShort((short) packetId);
        }

        public void apply(StoredState state) {
            StoredState.StoredDelivery delivery = delivery(state, clientId, messageId);
            if (delivery != null) {
                delivery.packetId = packetId;
            }
        }
    }

    /** A QoS 2 delivery's PUBREC came and its PUBREL went out. */
    record Released(String clientId, long messageId) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.RELEASED);
            putString(out, clientId);
            out.putLong(messageId);
        }

        public void apply(StoredState state) {
            StoredState.StoredDelivery delivery = delivery(state, clientId, messageId);
            if (delivery != null) {
                delivery.released = true;
            }
        }
    }

    /** A delivery is over: acknowledged, expired, dropped or too big for its client. */
    record Done(String clientId, long messageId) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.DONE);
            putString(out, clientId);
            out.putLong(messageId);
        }

        public void apply(StoredState state) {
            StoredState.StoredSession session = state.sessions.get(clientId);
            if (session != null) {
                session.deliveries.remove(messageId);
            }
        }
    }

    /** A QoS 2 message from the client was passed on ({@code received}), or its PUBREL came. */
    record Inbound(String clientId, int packetId, boolean received) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.INBOUND);
            putString(out, clientId);
            out.putShort((short) packetId);
            out.put((byte) (received ? 1 : 0));
        }

        public void apply(StoredState state) {
            StoredState.StoredSession session = state.sessions.get(clientId);
            if (session != null) {
                if (received) {
                    session.inboundQos2.add(packetId);
                } else {
                    session.inboundQos2.remove(packetId);
                }
            }
        }
    }

    /** The retained message of {@code topic} is now message {@code messageId}, or none (0). */
    record Retained(byte[] topic, long messageId) implements LogRecord {
        public void write(ByteBuffer out) {
            out.put(LogFrames.RETAINED);
            putBytes(out, topic);
            out.putLong(messageId);
        }

        public void apply(StoredState state) {
            String key = new String(topic, StandardCharsets.UTF_8);
            if (messageId == 0) {
                state.retained.remove(key);
            } else if (state.messages.containsKey(messageId)) {
                state.retained.put(key, messageId);
            }
        }
    }

    private static StoredState.StoredDelivery delivery(StoredState state, String clientId, long messageId) {
        StoredState.StoredSession session = state.sessions.get(clientId);
        return session == null ? null : session.deliveries.get(messageId);
    }

    // ---- framing

    private static void putString(ByteBuffer out, String value) {
        putBytes(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void putBytes(ByteBuffer out, byte[] value) {
        out.putInt(value.length);
        out.put(value);
    }

    private static void putInts(ByteBuffer out, int[] values) {
        out.putShort((short) values.length);
        for (int value : values) {
            out.putInt(value);
        }
    }

}
