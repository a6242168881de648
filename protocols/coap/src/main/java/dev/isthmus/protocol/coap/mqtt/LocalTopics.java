package dev.isthmus.protocol.coap.mqtt;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.protocol.coap.CoapExchange;
import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.mqtt.LocalBroker;

/**
 * The embedded broker's topics on one loop: two local sessions, one that publishes and one that
 * subscribes, so that no-local cannot hide a CoAP client's message from a CoAP observer on the
 * same loop.
 */
final class LocalTopics implements Topics {
    private final LocalBroker.LocalSession publisher;
    private final LocalBroker.LocalSession subscriber;
    private Sink sink;
    /** While {@link #retainedNow} asks the broker, deliveries are its answer, not news. */
    private boolean lookingUp;
    private byte[] lookedUp;

    LocalTopics(LocalBroker broker, EventLoop loop) {
        this.publisher = broker.open(loop, "coap-publisher", message -> { });
        this.subscriber = broker.open(loop, "coap-observers", this::deliver);
    }

    @Override
    public void start(Sink sink) {
        this.sink = sink;
    }

    private void deliver(LocalBroker.LocalMessage message) {
        if (lookingUp) {
            lookedUp = message.payload();
        } else if (sink != null) {
            sink.deliver(message.topicString(), message.payload());
        }
    }

    @Override
    public void publish(byte[] topicUtf8, byte[] payload, int qos, boolean retain, CoapExchange exchange,
                        int successCode) {
        publisher.publish(topicUtf8, payload, qos, retain, 0,
                token -> exchange.respond(CoapResponse.of(successCode)));
    }

    @Override
    public byte[] retainedNow(String topic) {
        lookingUp = true;
        try {
            subscriber.replayRetained(topic, 0);
            return lookedUp;
        } finally {
            lookingUp = false;
            lookedUp = null;
        }
    }

    @Override
    public void readRetained(String topic, CoapExchange exchange) {
        byte[] retained = retainedNow(topic);
        exchange.respond(retained == null ? CoapResponse.error(CoapCode.NOT_FOUND, "no retained message on " + topic)
                : CoapResponse.of(CoapCode.CONTENT).payload(retained));
    }

    @Override
    public void subscribe(String topic) {
        subscriber.subscribe(topic, 0, () -> { });
    }

    @Override
    public void unsubscribe(String topic) {
        subscriber.unsubscribe(topic, () -> { });
    }
}
