package dev.isthmus.protocol.mqtt;

import java.util.Objects;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;

/**
 * The embedded MQTT broker (3.1.1 and 5.0) as a protocol of the server: QoS 0, 1 and 2,
 * retained messages, last wills, clean and persistent sessions, wildcard and shared
 * subscriptions, spread over every event loop of the server.
 *
 * <p>Sessions live in memory: they survive their clients' reconnects, not a restart of the
 * process.
 */
public final class MqttBrokerService implements ProtocolService {
    private final BrokerHub hub;

    /**
     * @param metrics  its shard count must equal the server's thread count
     * @param listener the label of this listener's metrics
     */
    public MqttBrokerService(MqttSettings settings, MetricRegistry metrics, String listener) {
        Objects.requireNonNull(settings, "settings");
        this.hub = new BrokerHub(settings, new MqttMetrics(metrics, listener), metrics.shards());
    }

    @Override
    public LoopService attach(EventLoop loop) {
        BrokerLoop part = new BrokerLoop(hub, loop);
        hub.attach(part);
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
