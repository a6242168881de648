package dev.isthmus.protocol.coap.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.isthmus.core.config.CoapConfig;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.protocol.coap.CoapExchange;
import dev.isthmus.protocol.coap.CoapRequest;
import dev.isthmus.protocol.coap.CoapResource;
import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.mqtt.LocalBroker;

/**
 * CoAP to MQTT: MQTT topics as CoAP resources under a prefix, after the topic-data resources of
 * the CoAP publish-subscribe draft (draft-ietf-core-coap-pubsub): {@code /ps/sensors/room1/temp}
 * is the MQTT topic {@code sensors/room1/temp}, one path segment per topic level. The topics are
 * the embedded broker's ({@link #MqttPubSub(String, LocalBroker, MetricRegistry)}) or an
 * upstream broker's ({@link #upstream}).
 * <ul>
 *   <li>{@code PUT} publishes the payload as the topic's retained message (a PUT sets the
 *       topic's current value, which a later GET reads); {@code POST} publishes it without the
 *       retain flag (an event). QoS 1 for a CON request and 0 for a NON, or {@code ?qos=0|1|2}.
 *       The answer, 2.04 Changed, goes when a client's PUBACK would: once the embedded broker has
 *       routed the message (and, with sessions on disk, once what it wrote is durable), or once
 *       the upstream broker acknowledged it (at QoS 0, once it is written).</li>
 *   <li>{@code DELETE} clears the retained message: 2.02 Deleted.</li>
 *   <li>{@code GET} reads the retained message: 2.05 Content, or 4.04 when there is none.</li>
 *   <li>{@code GET} with Observe subscribes: the first answer is the retained message (or an
 *       empty 2.05), then each message published to the topic by anyone, MQTT clients included,
 *       comes as a notification. A client slower than the topic gets the newest message, not
 *       every one (RFC 7641 promises eventual state, not a log).</li>
 * </ul>
 * Topic filters ({@code +}, {@code #}) have no resource: 4.00. Publishing to a {@code $} topic
 * is 4.03. MQTT carries no CoAP Content-Format, so payloads come back without one.
 *
 * <p>Every event loop has its own way to the broker ({@link Topics}) and subscribes to a topic
 * only while that loop has observers of it.
 */
public final class MqttPubSub {
    static final System.Logger LOG = System.getLogger(MqttPubSub.class.getName());

    private final String prefix;
    private final int prefixSegments;
    private final Function<EventLoop, Topics> topicsOfLoop;
    private final CoapResource resource;
    private final Map<EventLoop, LoopState> loops = new ConcurrentHashMap<>();
    private final ShardedCounter published;
    private final ShardedCounter delivered;
    private final ShardedCounter refused;

    /**
     * The embedded broker's topics.
     *
     * @param prefix  where the topics start, {@code /ps}
     * @param broker  the embedded broker, serving every loop the CoAP endpoints run on
     * @param metrics its shard count must equal the server's thread count
     */
    public MqttPubSub(String prefix, LocalBroker broker, MetricRegistry metrics) {
        Objects.requireNonNull(broker, "broker");
        this(prefix, loop -> new LocalTopics(broker, loop), metrics);
    }

    /**
     * An upstream broker's topics: every loop connects to one of {@code brokers} (loop i to
     * broker i mod n) with an MQTT 5.0 client of its own, and keeps reconnecting while it runs.
     */
    public static MqttPubSub upstream(String prefix, List<InetSocketAddress> brokers, MetricRegistry metrics) {
        if (brokers.isEmpty()) {
            throw new IllegalArgumentException("no upstream broker");
        }
        List<InetSocketAddress> copy = List.copyOf(brokers);
        return new MqttPubSub(prefix, loop -> new UpstreamTopics(copy.get(loop.index() % copy.size()), loop), metrics);
    }

    private MqttPubSub(String prefix, Function<EventLoop, Topics> topicsOfLoop, MetricRegistry metrics) {
        CoapConfig.checkPubsubPrefix(prefix);
        this.prefix = prefix;
        this.prefixSegments = prefix.substring(1).split("/").length;
        this.topicsOfLoop = topicsOfLoop;
        this.published = metrics.counter("isthmus_coap_pubsub_published_total",
                "Messages CoAP clients published to MQTT topics", "prefix", prefix);
        this.delivered = metrics.counter("isthmus_coap_pubsub_notified_total",
                "MQTT messages that reached CoAP observers' topics", "prefix", prefix);
        this.refused = metrics.counter("isthmus_coap_pubsub_refused_total",
                "Pub/sub requests refused (bad topic, QoS or method)", "prefix", prefix);
        this.resource = CoapResource.at(prefix).subtree().observable(new Observers())
                .attribute("rt", "core.ps").attribute("title", "MQTT topics: PUT/POST publish, GET reads, observe subscribes")
                .handler(this::handle).build();
    }

    /** The subtree resource to add to the endpoint's resources. */
    public CoapResource resource() {
        return resource;
    }

    private void handle(CoapRequest request, CoapExchange exchange) {
        EventLoop loop = exchange.loop();
        LoopState state;
        try {
            state = state(loop);
        } catch (IllegalStateException e) {
            exchange.respond(CoapResponse.error(CoapCode.SERVICE_UNAVAILABLE, "no MQTT broker on this loop"));
            return;
        }
        String topic = topic(request.path());
        String bad = topic == null ? "a topic goes after " + prefix + "/" : badTopic(topic);
        if (bad != null) {
            refuse(state, request, exchange, CoapCode.BAD_REQUEST, bad);
            return;
        }
        switch (request.method()) {
            case CoapCode.PUT, CoapCode.POST -> publish(state, request, exchange, topic);
            case CoapCode.DELETE -> {
                if (topic.startsWith("$")) {
                    refuse(state, request, exchange, CoapCode.FORBIDDEN, "$ topics belong to the broker");
                    return;
                }
                state.topics.publish(topic.getBytes(UTF_8), new byte[0], 0, true, exchange, CoapCode.DELETED);
            }
            case CoapCode.GET -> read(state, request, exchange, topic);
            default -> refuse(state, request, exchange, CoapCode.METHOD_NOT_ALLOWED, "GET, PUT, POST or DELETE");
        }
    }

    private void publish(LoopState state, CoapRequest request, CoapExchange exchange, String topic) {
        if (topic.startsWith("$")) {
            refuse(state, request, exchange, CoapCode.FORBIDDEN, "$ topics belong to the broker");
            return;
        }
        int qos = request.isConfirmable() ? 1 : 0;
        String asked = request.queryParameter("qos");
        if (asked != null) {
            if (!asked.equals("0") && !asked.equals("1") && !asked.equals("2")) {
                refuse(state, request, exchange, CoapCode.BAD_REQUEST, "qos must be 0, 1 or 2");
                return;
            }
            qos = asked.charAt(0) - '0';
        }
        boolean retain = request.method() == CoapCode.PUT;
        if (retain && request.payload().length == 0) {
            refuse(state, request, exchange, CoapCode.BAD_REQUEST, "an empty PUT would clear the topic: use DELETE");
            return;
        }
        published.increment(state.shard);
        state.topics.publish(topic.getBytes(UTF_8), request.payload(), qos, retain, exchange, CoapCode.CHANGED);
    }

    private void read(LoopState state, CoapRequest request, CoapExchange exchange, String topic) {
        boolean observing = request.observe() == 0;
        byte[] latest = state.latest.get(topic);
        if (latest != null) {
            exchange.respond(CoapResponse.of(CoapCode.CONTENT).payload(latest));
        } else if (observing) {
            byte[] retained = state.topics.retainedNow(topic);
            exchange.respond(CoapResponse.of(CoapCode.CONTENT).payload(retained == null ? new byte[0] : retained));
        } else {
            state.topics.readRetained(topic, exchange);
        }
    }

    private void refuse(LoopState state, CoapRequest request, CoapExchange exchange, int code, String why) {
        refused.increment(state.shard);
        if (state.log.allow(exchange.loop().now())) {
            state.log.log(Level.INFO, "CoAP pub/sub " + request.methodName() + " " + request.pathString() + " from "
                    + request.sender() + " refused with " + CoapCode.toString(code) + ": " + why);
        }
        exchange.respond(CoapResponse.error(code, why));
    }

    /** The topic a path names, or null when the path is the prefix alone. */
    private String topic(List<String> path) {
        if (path.size() <= prefixSegments) {
            return null;
        }
        return String.join("/", path.subList(prefixSegments, path.size()));
    }

    /** Why {@code topic} is no topic a resource can stand for, or null. */
    private static String badTopic(String topic) {
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return "topic filters (+, #) are no resources; observe one topic";
        }
        if (topic.indexOf('\0') >= 0) {
            return "a topic holds no NUL character";
        }
        // At most 3 UTF-8 bytes per char: only a long topic is worth encoding to measure.
        if (topic.length() > 65535 / 3 && topic.getBytes(UTF_8).length > 65535) {
            return "a topic is at most 65535 bytes";
        }
        return null;
    }

    private LoopState state(EventLoop loop) {
        LoopState state = loops.get(loop);
        if (state == null) {
            state = new LoopState(loop);
            loops.put(loop, state);
            state.topics.start(state::deliver);
        }
        return state;
    }

    /** Subscribes a loop to a topic while it has observers of it. */
    private final class Observers implements CoapResource.ObserverListener {
        @Override
        public void firstObserver(EventLoop loop, String path) {
            String topic = topicOfPath(path);
            if (topic != null && badTopic(topic) == null) {
                LoopState state = state(loop);
                state.observed.add(topic);
                state.topics.subscribe(topic);
            }
        }

        @Override
        public void lastObserverGone(EventLoop loop, String path) {
            LoopState state = loops.get(loop);
            String topic = topicOfPath(path);
            if (state != null && topic != null && state.observed.remove(topic)) {
                state.topics.unsubscribe(topic);
                state.latest.remove(topic);
                state.dirty.remove(topic);
            }
        }

        private String topicOfPath(String path) {
            return path.length() > prefix.length() + 1 ? path.substring(prefix.length() + 1) : null;
        }
    }

    /** One loop's way to the broker, and the newest message of each topic it has observers of. Loop thread only. */
    private final class LoopState {
        final EventLoop loop;
        final int shard;
        final Topics topics;
        final Set<String> observed = new HashSet<>();
        final Map<String, byte[]> latest = new HashMap<>();
        /** Topics with a message their observers have not been told of; told once per loop turn. */
        final Set<String> dirty = new LinkedHashSet<>();
        final RateLimitedLog log = new RateLimitedLog(LOG, 10);
        private boolean flushQueued;

        LoopState(EventLoop loop) {
            this.loop = loop;
            this.shard = loop.index();
            this.topics = topicsOfLoop.apply(loop);
        }

        /** A message on a topic this loop subscribed to for its observers. */
        void deliver(String topic, byte[] payload) {
            if (!observed.contains(topic)) {
                return;
            }
            latest.put(topic, payload);
            delivered.increment(shard);
            if (dirty.add(topic) && !flushQueued) {
                flushQueued = true;
                // After the publisher's packet is handled, not inside its routing.
                loop.execute(this::flush);
            }
        }

        private void flush() {
            flushQueued = false;
            List<String> topics = List.copyOf(dirty);
            dirty.clear();
            for (String topic : topics) {
                resource.changed(loop, prefix + "/" + topic);
            }
        }
    }
}
