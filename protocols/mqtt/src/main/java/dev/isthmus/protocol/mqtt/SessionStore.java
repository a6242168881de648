package dev.isthmus.protocol.mqtt;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.store.LogRecord;
import dev.isthmus.protocol.mqtt.store.SessionLog;
import dev.isthmus.protocol.mqtt.store.StoredState;

/**
 * The broker's side of sessions on disk: what happens to persistent sessions (those that outlive
 * their connections), in the broker's own terms, written to a {@link SessionLog}; and at start,
 * the sessions and retained messages the log holds, rebuilt as the broker's own objects. Only
 * QoS 1/2 messages towards persistent sessions, and retained messages, are written; QoS 0 and
 * clean sessions never touch the disk. {@code $SYS} statistics are not kept either.
 *
 * <p>Any loop may call it: records go to the log's queue, which keeps each loop's order.
 */
final class SessionStore {
    private final SessionLog log;

    SessionStore(SessionLog log) {
        this.log = log;
    }

    /** Runs {@code task} on {@code loop} once everything written so far is on disk. */
    void afterDurable(EventLoop loop, Runnable task) {
        log.afterDurable(loop, task);
    }

    void close() {
        log.close();
    }

    // ---- sessions

    /** A session started or resumed with {@code session.expirySeconds}: it is persistent from now on, or no longer. */
    void started(Session session) {
        if (session.expirySeconds > 0) {
            session.persistent = true;
            log.append(new LogRecord.Session(session.clientId, session.version.level(), session.expirySeconds));
        } else if (session.persistent) {
            session.persistent = false;
            log.append(new LogRecord.SessionEnd(session.clientId));
        }
    }

    /** The client changed the session's expiry at DISCONNECT. */
    void expiryChanged(Session session) {
        if (session.persistent && session.expirySeconds > 0) {
            log.append(new LogRecord.Session(session.clientId, session.version.level(), session.expirySeconds));
        }
    }

    void away(Session session) {
        if (session.persistent) {
            log.append(new LogRecord.SessionAway(session.clientId, System.currentTimeMillis()));
        }
    }

    void ended(Session session) {
        if (session.persistent) {
            session.persistent = false;
            log.append(new LogRecord.SessionEnd(session.clientId));
        }
    }

    /** @return whether anything was written */
    boolean subscribed(Session session, String filter, SubscriptionOptions options) {
        if (!session.persistent) {
            return false;
        }
        log.append(new LogRecord.Subscribed(session.clientId, filter, options.toWire(),
                options.subscriptionIdentifier()));
        return true;
    }

    void unsubscribed(Session session, String filter) {
        if (session.persistent) {
            log.append(new LogRecord.Unsubscribed(session.clientId, filter));
        }
    }

    // ---- messages towards sessions

    /**
     * {@code delivery} is on its way to {@code session}: written when the session is persistent
     * and the delivery QoS 1 or 2. Returns whether anything was written.
     */
    boolean queued(Session session, Session.Delivery delivery) {
        if (!session.persistent || delivery.qos == 0 || isSys(delivery.message)) {
            return false;
        }
        long id = stored(delivery.message);
        log.append(new LogRecord.Queued(session.clientId, id, delivery.qos, delivery.retain, delivery.subscriptionIds));
        delivery.stored = true;
        return true;
    }

    /** A QoS 1/2 delivery went out with its packet identifier. */
    void sent(Session session, Session.Delivery delivery) {
        if (delivery.stored) {
            log.append(new LogRecord.Sent(session.clientId, delivery.message.storeId, delivery.packetId));
        }
    }

    void released(Session session, Session.Delivery delivery) {
        if (delivery.stored) {
            log.append(new LogRecord.Released(session.clientId, delivery.message.storeId));
        }
    }

    /** The delivery is over (acknowledged, refused, expired, dropped): the session no longer needs it. */
    void done(Session session, Session.Delivery delivery) {
        if (delivery.stored) {
            delivery.stored = false;
            log.append(new LogRecord.Done(session.clientId, delivery.message.storeId));
        }
    }

    /** @return whether anything was written */
    boolean inbound(Session session, int packetId, boolean received) {
        if (!session.persistent) {
            return false;
        }
        log.append(new LogRecord.Inbound(session.clientId, packetId, received));
        return true;
    }

    // ---- retained messages

    /** @return whether anything was written */
    boolean retained(Message message) {
        if (isSys(message)) {
            return false;
        }
        if (message.payload().length == 0) {
            log.append(new LogRecord.Retained(message.topicUtf8(), 0));
        } else {
            log.append(new LogRecord.Retained(message.topicUtf8(), stored(message)));
        }
        return true;
    }

    private static boolean isSys(Message message) {
        byte[] topic = message.topicUtf8();
        return topic.length > 0 && topic[0] == '$';
    }

    /** The message's id in the log, writing its body there the first time. */
    private long stored(Message message) {
        synchronized (message) {
            if (message.storeId == 0) {
                long id = log.nextMessageId();
                PublishProperties properties = message.properties();
                long expires = message.expiresAtNanos() == Long.MAX_VALUE ? StoredState.StoredMessage.NEVER
                        : System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(message.expiresAtNanos()
                        - System.nanoTime());
                log.append(new LogRecord.Message(new StoredState.StoredMessage(id, message.topicUtf8(),
                        message.payload(), message.qos(), message.retain(), properties.payloadFormat(),
                        properties.ranges(), properties.bytes(), expires)));
                message.storeId = id;
            }
            return message.storeId;
        }
    }

    // ---- at start

    /**
     * Rebuilds the log's sessions and retained messages in {@code hub}: sessions away from
     * their clients (homed on the first loop that attaches), their subscriptions in every loop's
     * trie before any listener accepts, their queued and in-flight messages ready for the
     * client's return.
     */
    void restore(BrokerHub hub) {
        StoredState state = log.state();
        Map<Long, Message> messages = new HashMap<>();
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        for (StoredState.StoredSession stored : state.sessions().values()) {
            for (StoredState.StoredDelivery delivery : stored.deliveries()) {
                messages.computeIfAbsent(delivery.messageId(), id -> message(state.message(id), nowNanos, nowMillis));
            }
        }
        for (StoredState.StoredMessage retained : state.retained().values()) {
            Message message = messages.computeIfAbsent(retained.id(), id -> message(retained, nowNanos, nowMillis));
            hub.retainInMemory(message);
        }
        for (StoredState.StoredSession stored : state.sessions().values()) {
            Session session = new Session(stored.clientId(), null);
            session.persistent = true;
            MqttVersion version = MqttVersion.ofLevel(stored.protocolLevel());
            session.version = version == null ? MqttVersion.V3_1_1 : version;
            session.expirySeconds = stored.expirySeconds();
            session.awayAtEpochMillis = stored.awayAtEpochMillis() == 0 ? nowMillis : stored.awayAtEpochMillis();
            for (Map.Entry<String, int[]> subscription : stored.subscriptions().entrySet()) {
                SubscriptionOptions options = SubscriptionOptions.fromWire(subscription.getValue()[0],
                        subscription.getValue()[1]);
                session.subscriptions.put(subscription.getKey(), options);
                hub.restoreSubscription(session, subscription.getKey(), options);
            }
            for (StoredState.StoredDelivery stored0 : stored.deliveries()) {
                Message message = messages.get(stored0.messageId());
                Session.Delivery delivery = new Session.Delivery(message, stored0.qos(), stored0.retain(),
                        stored0.subscriptionIds());
                delivery.stored = true;
                if (stored0.packetId() != 0) {
                    delivery.released = stored0.released();
                    session.putInflight(stored0.packetId(), delivery);
                } else {
                    session.requeueLast(delivery);
                }
            }
            for (int packetId : stored.inboundQos2()) {
                session.inboundQos2.add(packetId);
            }
            hub.restoreSession(session);
        }
    }

    private static Message message(StoredState.StoredMessage stored, long nowNanos, long nowMillis) {
        long expiresAt = stored.expiresAtEpochMillis() == StoredState.StoredMessage.NEVER ? Long.MAX_VALUE
                : nowNanos + TimeUnit.MILLISECONDS.toNanos(stored.expiresAtEpochMillis() - nowMillis);
        PublishProperties properties = stored.properties().length == 0 && stored.payloadFormat() < 0
                ? PublishProperties.NONE
                : new PublishProperties(stored.properties(), stored.payloadFormat(), stored.propertyRanges());
        Message message = new Message(stored.topic(), stored.payload(), stored.qos(), stored.retain(), properties,
                expiresAt, null);
        message.storeId = stored.id();
        return message;
    }
}
