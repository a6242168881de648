package dev.isthmus.protocol.mqtt.bridge;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import dev.isthmus.core.config.BridgeTopicConfig;
import dev.isthmus.core.config.MqttBridgeConfig;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.protocol.mqtt.LocalBroker;
import dev.isthmus.protocol.mqtt.client.MqttClient;
import dev.isthmus.protocol.mqtt.client.MqttClientListener;
import dev.isthmus.protocol.mqtt.client.MqttClientSettings;
import dev.isthmus.protocol.mqtt.client.Publication;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.Subscription;

/**
 * One bridge between the embedded broker and a remote broker, on one event loop: a
 * {@link LocalBroker.LocalSession} on the local side, an {@link MqttClient} on the remote side.
 *
 * <p>Out: the session subscribes to every {@code out} (and {@code both}) entry's local filter;
 * what it receives is queued under its remote topic and published to the remote broker as the
 * client takes it. A QoS 1 or 2 message stays counted as queued until the remote broker has
 * acknowledged it, and the client sends it again after a reconnect, so a remote broker that
 * goes away and comes back loses none; the queue is bounded by {@code max-queued-messages} and
 * {@code max-queued-bytes}, and what does not fit is dropped and counted (so is QoS 0 while the
 * remote broker is away). On every connection the local retained messages of the out topics are
 * sent too (retain flag set), as mosquitto does, so the remote side learns the current state.
 *
 * <p>In: the client subscribes to every {@code in} (and {@code both}) entry's remote filter; a
 * message is published into the embedded broker under its local topic, and a QoS 1 or 2 one is
 * acknowledged to the remote broker only once the embedded broker has routed it.
 *
 * <p>No loops on {@code both}: a message the bridge publishes locally never comes back to it
 * (its local subscriptions are no-local), and the remote broker does not send the bridge its
 * own messages (5.0: no-local on the remote subscriptions; 3.1.1: the bridge flag of
 * {@code try-private}, which mosquitto honours). Retain flags travel as published both ways
 * (retain-as-published, or the bridge flag). Loop thread only.
 */
public final class MqttBridge implements MqttClientListener, LocalBroker.Subscriber {
    private static final System.Logger LOG = System.getLogger(MqttBridge.class.getName());

    private final EventLoop loop;
    private final MqttBridgeConfig config;
    private final LocalBroker broker;
    private final BridgeTopics topics;
    private final BridgeMetrics metrics;
    private final int shard;
    private final MqttClient remote;
    private final String remoteName;
    private final RateLimitedLog dropLog = new RateLimitedLog(LOG, 1);
    private final LocalBroker.Routed routed = this::routed;

    private LocalBroker.LocalSession local;
    /** Not yet taken by the client, oldest first. */
    private final ArrayDeque<BridgedMessage> waiting = new ArrayDeque<>();
    /** Messages waiting or held by the client until acknowledged, and their payload bytes. */
    private int queued;
    private long queuedBytes;
    private boolean connected;
    /** Whether the failure of the current run of attempts was logged. */
    private boolean failureLogged;
    private boolean draining;
    private boolean pumping;

    /**
     * @param clientId the client identifier at the remote broker (the configured one or its default)
     */
    MqttBridge(EventLoop loop, MqttBridgeConfig config, String clientId, LocalBroker broker, BridgeMetrics metrics) {
        this.loop = loop;
        this.config = config;
        this.broker = broker;
        this.topics = new BridgeTopics(config.topics());
        this.metrics = metrics;
        this.shard = loop.index();
        this.remoteName = config.address().toString();
        this.remote = new MqttClient(loop, clientSettings(config, clientId), this);
    }

    static MqttClientSettings clientSettings(MqttBridgeConfig config, String clientId) {
        boolean v5 = config.version() == MqttBridgeConfig.Version.V5;
        String password = config.password();
        return MqttClientSettings.builder(config.address().host(), config.address().port(), clientId)
                .version(v5 ? MqttVersion.V5 : MqttVersion.V3_1_1)
                .cleanStart(config.cleanStart())
                .sessionExpiry(v5 ? config.sessionExpiry() : 0)
                .keepAliveSeconds((int) config.keepAlive().toSeconds())
                .credentials(config.userName(), password == null ? null : password.getBytes(StandardCharsets.UTF_8))
                .bridge(!v5 && config.tryPrivate())
                .reconnectDelay(config.reconnectMin(), config.reconnectMax())
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** Opens the local session, subscribes on both sides and starts connecting. Loop thread. */
    void start() {
        local = broker.open(loop, config.name(), this);
        List<Subscription> remoteSubscriptions = new ArrayList<>();
        for (BridgeTopicConfig topic : config.topics()) {
            if (topic.direction().out()) {
                local.subscribe(topic.localFilter(), topic.qos(), () -> { });
            }
            if (topic.direction().in()) {
                // mosquitto's options for a bridge: not our own messages back, retain flags as
                // published, retained messages on every subscribe. 3.1.1 sends the QoS only.
                remoteSubscriptions.add(new Subscription(topic.remoteFilter(), topic.qos(), true, true, 0));
            }
        }
        remote.subscribe(remoteSubscriptions);
        remote.start();
    }

    /**
     * Graceful shutdown: nothing new is taken from the local broker; what is queued still goes
     * out while the remote broker is there, then the bridge disconnects.
     */
    void drain() {
        draining = true;
        if (local != null) {
            local.close();
        }
        finishIfDrained();
    }

    /** Closes the connection now; what is still queued is lost. */
    void close() {
        draining = true;
        if (local != null) {
            local.close();
        }
        remote.abort();
        notConnected();
    }

    boolean isStopped() {
        return remote.isStopped();
    }

    private void finishIfDrained() {
        if (draining && (!connected || queued == 0)) {
            remote.stop();
            notConnected();
        }
    }

    /** The client tells nothing more once stopped: the gauge goes down here. */
    private void notConnected() {
        if (connected) {
            connected = false;
            metrics.connected.decrement(shard);
        }
    }

    // ---- out: the local broker's messages

    @Override
    public void deliver(LocalBroker.LocalMessage message) {
        if (draining) {
            return;
        }
        byte[] remoteTopic = topics.remoteTopic(message.topicString(), message.topic());
        if (remoteTopic == null) {
            return;
        }
        int bytes = message.payload().length;
        if (message.qos() == 0 && !connected) {
            drop("the remote broker is away (QoS 0)");
            return;
        }
        if (queued >= config.maxQueuedMessages() || queuedBytes + bytes > config.maxQueuedBytes()) {
            drop("the queue is full (" + queued + " messages, " + queuedBytes + " bytes)");
            return;
        }
        queued++;
        queuedBytes += bytes;
        metrics.queued.increment(shard);
        waiting.add(new BridgedMessage(message, remoteTopic));
        pump();
    }

    private void drop(String why) {
        metrics.dropped.increment(shard);
        if (dropLog.allow(loop.now())) {
            dropLog.log(System.Logger.Level.WARNING, "bridge " + config.name() + ": a message for " + remoteName
                    + " was dropped: " + why);
        }
    }

    /**
     * Hands waiting messages to the client as far as it takes them. The client may report a
     * publication done from within {@code publish} (written at QoS 0, or too large), whose
     * handler pumps again: that inner call leaves the work to the loop already running.
     */
    private void pump() {
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            BridgedMessage next;
            while ((next = waiting.peek()) != null) {
                if (next.local.expired(loop.now())) {
                    waiting.poll();
                    done(next);
                    metrics.dropped.increment(shard);
                    continue;
                }
                if (!remote.publish(next)) {
                    return;
                }
                waiting.poll();
                metrics.out.increment(shard);
                if (next.qos() == 0) {
                    done(next);
                }
            }
        } finally {
            pumping = false;
        }
        finishIfDrained();
    }

    private void done(BridgedMessage message) {
        if (!message.done) {
            message.done = true;
            queued--;
            queuedBytes -= message.payloadBytes();
            metrics.queued.decrement(shard);
        }
    }

    @Override
    public void published(Publication publication, ReasonCode reason) {
        done((BridgedMessage) publication);
        if (reason.isError()) {
            drop("the remote broker answered " + reason);
        }
        pump();
    }

    @Override
    public void resent(Publication publication) {
        metrics.resent.increment(shard);
    }

    @Override
    public void ready() {
        pump();
    }

    // ---- in: the remote broker's messages

    @Override
    public void message(PublishView message, long ackToken) {
        if (draining) {
            return; // not acknowledged: the remote broker keeps it for the next connection
        }
        byte[] localTopic = topics.localTopic(message.topicString());
        if (localTopic == null) {
            // A subscription the remote session kept from another configuration: not ours to pass on.
            remote.acknowledge(ackToken);
            return;
        }
        local.publish(message, localTopic, ackToken, routed);
    }

    private void routed(long ackToken) {
        metrics.in.increment(shard);
        if (ackToken != 0) {
            remote.acknowledge(ackToken);
        }
    }

    // ---- the connection

    @Override
    public void connected(boolean sessionPresent) {
        connected = true;
        failureLogged = false;
        metrics.connected.increment(shard);
        LOG.log(System.Logger.Level.INFO, "bridge " + config.name() + " connected to " + remoteName + " as "
                + remote.clientId() + " (MQTT " + config.version().configName() + ", "
                + (sessionPresent ? "session kept" : "new session") + ", " + queued + " messages queued)");
        for (BridgeTopicConfig topic : config.topics()) {
            if (topic.direction().out() && !draining) {
                local.replayRetained(topic.localFilter(), topic.qos());
            }
        }
        pump();
    }

    @Override
    public void disconnected(String why) {
        notConnected();
        if (!draining) {
            LOG.log(System.Logger.Level.WARNING, "bridge " + config.name() + " lost " + remoteName + ": " + why
                    + "; reconnecting (" + queued + " messages queued)");
        }
        finishIfDrained();
    }

    @Override
    public void connectFailed(String why) {
        metrics.connectFailures.increment(shard);
        // One line per outage, not one per attempt.
        System.Logger.Level level = failureLogged ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING;
        failureLogged = true;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "bridge " + config.name() + " cannot connect to " + remoteName + ": " + why
                    + "; trying again");
        }
        finishIfDrained();
    }

    @Override
    public void subscribed(List<String> filters, List<ReasonCode> reasons) {
        for (int i = 0; i < filters.size() && i < reasons.size(); i++) {
            if (reasons.get(i).isError()) {
                LOG.log(System.Logger.Level.WARNING, "bridge " + config.name() + ": " + remoteName
                        + " refused the subscription to " + filters.get(i) + " (" + reasons.get(i) + ")");
            }
        }
    }

    public String name() {
        return config.name();
    }

    /** Messages on their way out (waiting, or sent and not yet acknowledged). */
    int queued() {
        return queued;
    }
}
