package dev.isthmus.protocol.coap.mqtt;

import dev.isthmus.protocol.coap.CoapExchange;

/** One event loop's way to an MQTT broker's topics, for {@link MqttPubSub}. Loop thread only. */
interface Topics {
    /**
     * Where messages of subscribed topics go: topic and payload (the payload is kept). It may
     * hear of topics no longer observed (a delivery on its way, a GET's brief subscription) and
     * keeps what it wants.
     */
    @FunctionalInterface
    interface Sink {
        void deliver(String topic, byte[] payload);
    }

    /** Begins; from now on messages of subscribed topics go to {@code sink}. */
    void start(Sink sink);

    /**
     * Publishes and answers {@code exchange} with {@code successCode} when a client's PUBACK
     * would go, or with an error when the broker cannot take the message.
     */
    void publish(byte[] topicUtf8, byte[] payload, int qos, boolean retain, CoapExchange exchange, int successCode);

    /** The retained message of {@code topic} if it is known at once, else null. */
    byte[] retainedNow(String topic);

    /** Answers {@code exchange} with the retained message of {@code topic} (2.05) or 4.04, now or later. */
    void readRetained(String topic, CoapExchange exchange);

    void subscribe(String topic);

    void unsubscribe(String topic);
}
