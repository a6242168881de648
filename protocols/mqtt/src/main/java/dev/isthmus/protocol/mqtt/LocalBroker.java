package dev.isthmus.protocol.mqtt;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;

/**
 * The embedded broker as code in the same process sees it when it publishes and subscribes
 * like a client, without a socket: the bridge to another broker is the one such user. Get it
 * from {@link MqttBrokerService#localBroker()}.
 *
 * <p>A {@link LocalSession} lives on one event loop and everything about it happens on that loop's
 * thread: its subscriber is told there, and it publishes there, routing through that loop's
 * replica of the subscriptions as a client connection on that loop would. It has no client
 * identifier in the broker's registry, so no client can take it over, and nothing keeps it
 * beyond {@link LocalSession#close()} or the process.
 */
public interface LocalBroker {
    /**
     * Opens a session on {@code loop}; call on that loop's thread, once the broker serves it.
     *
     * @param name       names the session in logs
     * @param subscriber receives what the session's subscriptions match, on {@code loop}
     */
    LocalSession open(EventLoop loop, String name, Subscriber subscriber);

    /** A client-like session inside the broker. Loop thread only. */
    interface LocalSession {
        /**
         * Subscribes to {@code filter} (not a {@code $share/} one) at {@code maxQos} with no-local
         * (what this session publishes never comes back to it: a bridge cannot loop through its
         * own broker) and retain-as-published (a retained message is delivered with its flag).
         * Retained messages are not replayed; see {@link #replayRetained}.
         *
         * @param done runs on the session's loop once every loop matches the filter
         */
        void subscribe(String filter, int maxQos, Runnable done);

        /**
         * Hands the retained messages matching {@code filter} that have not expired to the
         * subscriber now, each at the lower of its QoS and {@code maxQos}, retain flag set.
         */
        void replayRetained(String filter, int maxQos);

        /**
         * Ends the subscription to {@code filter}, if any; {@code done} runs on the session's loop
         * once no loop matches it any more.
         */
        void unsubscribe(String filter, Runnable done);

        /**
         * Publishes a message as a client would: kept if it is retained (an empty one clears the
         * topic), then routed to every matching subscription but this session's own, at its QoS.
         * Flags, payload and the 5.0 properties that travel with a message come from
         * {@code message}, read during this call; the topic is {@code topicUtf8}, which the broker
         * keeps (the caller must not change it afterwards).
         *
         * @param routed told {@code token} on this loop once the message has been handed to its
         *               subscribers' sessions (in this build before {@code publish} returns): from
         *               then on the broker answers for its delivery, as it does for a client's
         *               QoS 1 message it has acknowledged
         */
        void publish(PublishView message, byte[] topicUtf8, long token, Routed routed);

        /**
         * Publishes {@code payload} without 5.0 properties, as {@link #publish(PublishView, byte[],
         * long, Routed)} does; both arrays are kept by the broker (the caller must not change them).
         * With sessions on disk, {@code routed} is told once what the message made the broker
         * write (the retained message, deliveries to persistent sessions) is durable, when a
         * client's PUBACK would go.
         */
        void publish(byte[] topicUtf8, byte[] payload, int qos, boolean retain, long token, Routed routed);

        /** Ends the session: its subscriptions go from every loop, nothing more is delivered to it. */
        void close();
    }

    /** Receives a session's messages, on its loop. */
    @FunctionalInterface
    interface Subscriber {
        void deliver(LocalMessage message);
    }

    /**
     * A message delivered to a session: immutable, safe to keep (a bridge holds it until the
     * other broker acknowledges it). The arrays are the broker's own, shared with other
     * subscribers: read them, never change them.
     */
    interface LocalMessage {
        /** The topic in UTF-8. */
        byte[] topic();

        String topicString();

        byte[] payload();

        /** The QoS of this delivery: the lower of the message's and the subscription's. */
        int qos();

        /** The retain flag, as published (the subscription is retain-as-published) or set for a replay. */
        boolean retain();

        /** Whether its 5.0 Message Expiry Interval has run out. */
        boolean expired(long nowNanos);

        /**
         * Sets the payload, the 5.0 properties that travel with the message and the expiry
         * interval left on {@code encoder}; topic, QoS and flags are the caller's to set.
         */
        void applyTo(PublishEncoder encoder, long nowNanos);
    }

    /** Told that a message a session published has been routed. */
    @FunctionalInterface
    interface Routed {
        void routed(long token);
    }
}
