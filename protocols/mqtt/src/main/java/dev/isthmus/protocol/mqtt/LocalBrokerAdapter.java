package dev.isthmus.protocol.mqtt;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.broker.TopicTrie;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;

/**
 * {@link LocalBroker} on the embedded broker's own parts: a local session is a {@link Session}
 * that no connection carries and no client identifier names, whose deliveries
 * {@link BrokerLoop#deliver} hands to {@link Session#internal} instead. Subscribing and routing
 * go through the same {@link BrokerHub} and {@link BrokerLoop} calls a client connection makes.
 * This class is where the rest of the process meets the broker's internals.
 */
final class LocalBrokerAdapter implements LocalBroker {
    private final BrokerHub hub;

    LocalBrokerAdapter(BrokerHub hub) {
        this.hub = hub;
    }

    @Override
    public LocalBroker.LocalSession open(EventLoop loop, String name, Subscriber subscriber) {
        BrokerLoop part = hub.part(loop);
        if (part == null || !loop.inLoop()) {
            throw new IllegalStateException("a local session opens on a loop the broker runs on, from that loop: "
                    + loop);
        }
        return new InternalSession(hub, part, name, subscriber);
    }

    private static final class InternalSession implements LocalSession {
        private final BrokerHub hub;
        private final BrokerLoop part;
        private final Session session;
        private final Subscriber subscriber;
        /** Wraps the topic of the message being published, for matching. */
        private final UnsafeBuffer topic = new UnsafeBuffer(new byte[0]);

        InternalSession(BrokerHub hub, BrokerLoop part, String name, Subscriber subscriber) {
            this.hub = hub;
            this.part = part;
            this.subscriber = subscriber;
            this.session = new Session("local:" + name, part.loop);
            session.version = MqttVersion.V5;
            session.internal = this::deliver;
        }

        private void deliver(Session.Delivery delivery) {
            if (session.ended) {
                return;
            }
            try {
                subscriber.deliver(new Delivered(delivery.message, delivery.qos, delivery.retain));
            } catch (RuntimeException e) {
                // Delivered while the publisher's packet is being handled: its connection must not pay.
                part.loop.uncaught(e, session + " receiving " + delivery.message.topic());
            }
        }

        @Override
        public void subscribe(String filter, int maxQos, Runnable done) {
            if (filter.startsWith(TopicTrie.SHARE_PREFIX)) {
                throw new IllegalArgumentException("a local session takes no shared subscription: " + filter);
            }
            SubscriptionOptions options = new SubscriptionOptions(maxQos, true, true,
                    SubscriptionOptions.DO_NOT_SEND_RETAINED, 0);
            if (session.subscriptions.put(filter, options) == null) {
                hub.subscriptionAdded();
            }
            hub.subscribe(session, filter, options, part.loop, done);
        }

        @Override
        public void replayRetained(String filter, int maxQos) {
            for (Message retained : part.retainedFor(filter)) {
                if (session.ended) {
                    return;
                }
                subscriber.deliver(new Delivered(retained, Math.min(retained.qos(), maxQos), true));
            }
        }

        @Override
        public void unsubscribe(String filter, Runnable done) {
            if (session.subscriptions.remove(filter) == null) {
                done.run();
                return;
            }
            hub.subscriptionRemoved();
            hub.unsubscribe(session, List.of(filter), part.loop, done);
        }

        @Override
        public void publish(PublishView message, byte[] topicUtf8, long token, Routed routed) {
            if (session.ended) {
                return;
            }
            topic.wrap(topicUtf8);
            Message kept = null;
            if (message.retain()) {
                kept = message(message, topicUtf8);
                hub.retain(kept);
            }
            if (part.match(session, message.qos(), topic, 0, topicUtf8.length) > 0) {
                part.deliverMatched(kept != null ? kept : message(message, topicUtf8));
            }
            routed.routed(token);
        }

        @Override
        public void publish(byte[] topicUtf8, byte[] payload, int qos, boolean retain, long token, Routed routed) {
            if (session.ended) {
                return;
            }
            Message message = new Message(topicUtf8, payload, qos, retain, PublishProperties.NONE, Long.MAX_VALUE,
                    session);
            boolean logged = retain && hub.retain(message);
            topic.wrap(topicUtf8);
            if (part.match(session, qos, topic, 0, topicUtf8.length) > 0) {
                part.deliverMatched(message);
                logged |= part.takeLogged();
            }
            if (logged) {
                // As a client's PUBACK: told only once what it made the broker write is on disk.
                hub.store.afterDurable(part.loop, () -> routed.routed(token));
            } else {
                routed.routed(token);
            }
        }

        /** The broker's own form of the message: payload copied out, properties and expiry as a client's. */
        private Message message(PublishView view, byte[] topicUtf8) {
            byte[] payload = new byte[view.payloadLength()];
            view.buffer().getBytes(view.payloadOffset(), payload);
            long expiresAt = Long.MAX_VALUE;
            PublishProperties forwarded = PublishProperties.NONE;
            if (view.version() == MqttVersion.V5) {
                if (view.hasMessageExpiryInterval()) {
                    expiresAt = part.loop.now() + TimeUnit.SECONDS.toNanos(view.messageExpiryInterval());
                }
                forwarded = PublishProperties.of(view);
            }
            return new Message(topicUtf8, payload, view.qos(),
                    view.retain(), forwarded, expiresAt, session);
        }

        @Override
        public void close() {
            if (!session.ended) {
                session.internal = null;
                hub.end(session, part);
            }
        }
    }

    /** A delivery as a {@link LocalBroker.LocalMessage}. */
    private static final class Delivered implements LocalBroker.LocalMessage {
        private final Message message;
        private final int qos;
        private final boolean retain;
        private UnsafeBuffer properties;

        Delivered(Message message, int qos, boolean retain) {
            this.message = message;
            this.qos = qos;
            this.retain = retain;
        }

        @Override
        public byte[] topic() {
            return message.topicUtf8();
        }

        @Override
        public String topicString() {
            return message.topic();
        }

        @Override
        public byte[] payload() {
            return message.payload();
        }

        @Override
        public int qos() {
            return qos;
        }

        @Override
        public boolean retain() {
            return retain;
        }

        @Override
        public boolean expired(long nowNanos) {
            return message.expired(nowNanos);
        }

        @Override
        public void applyTo(PublishEncoder encoder, long nowNanos) {
            encoder.payload(message.payload());
            PublishProperties forwarded = message.properties();
            if (forwarded != PublishProperties.NONE) {
                if (properties == null) {
                    properties = new UnsafeBuffer(forwarded.bytes());
                }
                forwarded.applyTo(encoder, properties);
            }
            long secondsLeft = message.secondsLeft(nowNanos);
            if (secondsLeft >= 0) {
                encoder.messageExpiryInterval(secondsLeft);
            }
        }
    }
}
