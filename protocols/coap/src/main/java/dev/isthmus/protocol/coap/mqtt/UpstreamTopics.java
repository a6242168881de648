package dev.isthmus.protocol.coap.mqtt;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.protocol.coap.CoapExchange;
import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.mqtt.client.MqttClient;
import dev.isthmus.protocol.mqtt.client.MqttClientListener;
import dev.isthmus.protocol.mqtt.client.MqttClientSettings;
import dev.isthmus.protocol.mqtt.client.Publication;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.Subscription;

/**
 * An upstream broker's topics on one loop, through an MQTT 5.0 client of the loop's own (clean
 * start, reconnecting with back-off). Its subscriptions are not no-local: a CoAP observer hears
 * what a CoAP client on the same loop published. A GET of a topic nobody here observes
 * subscribes for a moment: the broker's answer is the retained message, or nothing within
 * {@link #READ_WAIT_NANOS}.
 */
final class UpstreamTopics implements Topics, MqttClientListener {
    static final long READ_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final EventLoop loop;
    private final MqttClient client;
    private final Set<String> observed = new HashSet<>();
    /** GETs waiting for a topic's retained message. */
    private final Map<String, List<CoapExchange>> reads = new HashMap<>();
    private Sink sink;

    UpstreamTopics(InetSocketAddress broker, EventLoop loop) {
        this.loop = loop;
        String clientId = "isthmus-coap-" + loop.index() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        this.client = new MqttClient(loop, MqttClientSettings.builder(broker.getHostString(), broker.getPort(), clientId)
                .version(MqttVersion.V5).cleanStart(true).build(), this);
    }

    @Override
    public void start(Sink sink) {
        this.sink = sink;
        client.start();
    }

    /** One CoAP request's message, held by the client until the broker acknowledges it. */
    private static final class Outgoing implements Publication {
        final byte[] topic;
        final byte[] payload;
        final int qos;
        final boolean retain;
        final CoapExchange exchange;
        final int successCode;

        Outgoing(byte[] topic, byte[] payload, int qos, boolean retain, CoapExchange exchange, int successCode) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retain = retain;
            this.exchange = exchange;
            this.successCode = successCode;
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
        public void describe(PublishEncoder encoder, long nowNanos) {
            encoder.topic(topic).payload(payload);
        }
    }

    @Override
    public void publish(byte[] topicUtf8, byte[] payload, int qos, boolean retain, CoapExchange exchange,
                        int successCode) {
        Outgoing outgoing = new Outgoing(topicUtf8, payload, qos, retain, exchange, successCode);
        if (!client.publish(outgoing)) {
            exchange.respond(unavailable());
            return;
        }
        if (qos == 0) {
            // Written: all QoS 0 promises. A message too large was answered from within publish, which counts first.
            exchange.respond(CoapResponse.of(successCode));
        }
    }

    @Override
    public void published(Publication publication, ReasonCode reason) {
        Outgoing outgoing = (Outgoing) publication;
        if (!reason.isError()) {
            outgoing.exchange.respond(CoapResponse.of(outgoing.successCode));
            return;
        }
        int code = switch (reason) {
            case NOT_AUTHORIZED -> CoapCode.FORBIDDEN;
            case PACKET_TOO_LARGE -> CoapCode.REQUEST_ENTITY_TOO_LARGE;
            case TOPIC_NAME_INVALID -> CoapCode.BAD_REQUEST;
            default -> CoapCode.BAD_GATEWAY;
        };
        outgoing.exchange.respond(CoapResponse.error(code, "the MQTT broker answered " + reason));
    }

    @Override
    public void message(PublishView message, long ackToken) {
        String topic = message.topicString();
        byte[] payload = new byte[message.payloadLength()];
        message.buffer().getBytes(message.payloadOffset(), payload);
        if (ackToken != 0) {
            client.acknowledge(ackToken);
        }
        if (message.retain()) {
            List<CoapExchange> waiting = reads.remove(topic);
            if (waiting != null) {
                for (CoapExchange exchange : waiting) {
                    exchange.respond(CoapResponse.of(CoapCode.CONTENT).payload(payload));
                }
                if (!observed.contains(topic)) {
                    client.unsubscribe(List.of(topic));
                }
            }
        }
        sink.deliver(topic, payload);
    }

    @Override
    public byte[] retainedNow(String topic) {
        // Not known here: the broker sends it on subscribing, and it comes as the first notification.
        return null;
    }

    @Override
    public void readRetained(String topic, CoapExchange exchange) {
        if (!client.isConnected()) {
            exchange.respond(unavailable());
            return;
        }
        List<CoapExchange> waiting = reads.get(topic);
        if (waiting != null) {
            waiting.add(exchange);
            return;
        }
        List<CoapExchange> first = new ArrayList<>();
        first.add(exchange);
        reads.put(topic, first);
        // Subscribing again where the topic is observed has the broker send the retained message again.
        client.subscribe(List.of(subscription(topic)));
        loop.timers().schedule(Timer.calling(now -> {
            if (reads.get(topic) == first) {
                reads.remove(topic);
                for (CoapExchange waited : first) {
                    waited.respond(CoapResponse.error(CoapCode.NOT_FOUND, "no retained message on " + topic));
                }
                if (!observed.contains(topic)) {
                    client.unsubscribe(List.of(topic));
                }
            }
        }), loop.now() + READ_WAIT_NANOS);
    }

    @Override
    public void subscribe(String topic) {
        observed.add(topic);
        client.subscribe(List.of(subscription(topic)));
    }

    @Override
    public void unsubscribe(String topic) {
        observed.remove(topic);
        if (!reads.containsKey(topic)) {
            client.unsubscribe(List.of(topic));
        }
    }

    private static Subscription subscription(String topic) {
        return new Subscription(topic, 0, false, true, 0);
    }

    private CoapResponse unavailable() {
        return CoapResponse.error(CoapCode.SERVICE_UNAVAILABLE, client.isConnected() ? "the MQTT broker is busy"
                : "the MQTT broker is not reachable").maxAge(1);
    }
}
