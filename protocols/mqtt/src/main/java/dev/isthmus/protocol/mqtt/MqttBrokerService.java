package dev.isthmus.protocol.mqtt;

import java.util.Objects;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.protocol.mqtt.store.SessionLog;

/**
 * The embedded MQTT broker (3.1.1 and 5.0) as a protocol of the server: QoS 0, 1 and 2,
 * retained messages, last wills, clean and persistent sessions, wildcard and shared
 * subscriptions, spread over every event loop of the server.
 *
 * <p>Sessions live in memory, where they survive their clients' reconnects; given a
 * {@link SessionLog}, persistent sessions (with their subscriptions and QoS 1/2 messages) and
 * retained messages survive a restart too, and a QoS 1/2 message is acknowledged only once it is
 * on disk. Embedders can watch and steer clients through {@link MqttHooks}, the same phases the
 * MQTT proxy offers.
 */
public final class MqttBrokerService implements ProtocolService {
    private final BrokerHub hub;
    private final String version;

    /** A broker without hooks that calls itself "isthmus" in {@code $SYS/broker/version}. */
    public MqttBrokerService(MqttSettings settings, MetricRegistry metrics, String listener) {
        this(settings, metrics, listener, "isthmus");
    }

    /** A broker without hooks. */
    public MqttBrokerService(MqttSettings settings, MetricRegistry metrics, String listener, String version) {
        this(null, settings, metrics, listener, version);
    }

    /**
     * A broker whose clients go through {@code hooks}: {@link MqttHooks#connect} may refuse a
     * client with a CONNACK reason code (a route it returns means nothing here: the broker is
     * the destination), {@link MqttHooks#subscribe} may refuse a topic filter (its SUBACK entry
     * carries the code; 3.1.1 sees 0x80), {@link MqttHooks#publish} may refuse a message (v5
     * PUBACK or PUBREC with the code; QoS 0 and 3.1.1 are dropped and acknowledged, so a device
     * does not resend it forever), and {@link MqttHooks#disconnected} is told when a client that
     * reached {@code connect} goes. Phases the implementation does not override cost nothing.
     *
     * @param hooks    the phases, or null for none
     * @param metrics  its shard count must equal the server's thread count
     * @param listener the label of this listener's metrics
     * @param version  what {@code $SYS/broker/version} says, e.g. "isthmus 0.1.0"
     */
    public <C> MqttBrokerService(MqttHooks<C> hooks, MqttSettings settings, MetricRegistry metrics, String listener,
                                 String version) {
        this(hooks, settings, metrics, listener, version, null);
    }

    /**
     * A broker as above whose persistent sessions and retained messages are kept in
     * {@code sessions} (see {@link SessionLog#open}): what it holds is restored now, and the
     * broker closes it when the server has stopped.
     *
     * @param sessions the session log, or null to keep sessions in memory only
     */
    public <C> MqttBrokerService(MqttHooks<C> hooks, MqttSettings settings, MetricRegistry metrics, String listener,
                                 String version, SessionLog sessions) {
        Objects.requireNonNull(settings, "settings");
        this.hub = new BrokerHub(settings, new MqttMetrics(metrics, listener), metrics.shards(), hooks,
                sessions == null ? null : new SessionStore(sessions));
        BrokerHub counted = hub;
        metrics.gauge("isthmus_mqtt_subscriptions", "Subscriptions held by the broker, clients' and in-process ones",
                counted::subscriptionCount, "listener", listener);
        this.version = Objects.requireNonNull(version, "version");
    }

    @Override
    public void stopped() {
        if (hub.store != null) {
            hub.store.close();
        }
    }

    @Override
    public LoopService attach(EventLoop loop) {
        BrokerLoop part = new BrokerLoop(hub, loop);
        hub.attach(part);
        if (loop.index() == 0 && !hub.settings.sysInterval().isZero()) {
            new SysTopics(hub, part, hub.settings.sysInterval().toNanos(), version).start();
        }
        return part;
    }

    /**
     * The broker for publishers and subscribers inside the process (the bridge); its sessions
     * open on the loops the broker runs on, once it runs there.
     */
    public LocalBroker localBroker() {
        return new LocalBrokerAdapter(hub);
    }

    /** Sessions known to the broker (connected or waiting for their clients). */
    public int sessionCount() {
        return hub.sessions.size();
    }

    public int retainedCount() {
        return hub.retainedCount();
    }
}
