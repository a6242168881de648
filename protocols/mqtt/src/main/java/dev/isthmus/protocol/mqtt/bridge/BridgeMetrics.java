package dev.isthmus.protocol.mqtt.bridge;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.core.observe.ShardedGauge;

/** One bridge's metrics, labelled with its name; updated by the bridge's loop in its own shard. */
final class BridgeMetrics {
    final ShardedGauge connected;
    final ShardedGauge queued;
    final ShardedCounter out;
    final ShardedCounter in;
    final ShardedCounter resent;
    final ShardedCounter dropped;
    final ShardedCounter connectFailures;

    BridgeMetrics(MetricRegistry registry, String bridge) {
        connected = registry.gauge("isthmus_mqtt_bridge_connected",
                "1 while the bridge is connected to its remote broker, else 0", "bridge", bridge);
        queued = registry.gauge("isthmus_mqtt_bridge_queued_messages",
                "Messages on their way to the remote broker: waiting, or sent and not yet acknowledged", "bridge", bridge);
        out = registry.counter("isthmus_mqtt_bridge_messages_out_total",
                "Messages published to the remote broker (resends not counted)", "bridge", bridge);
        in = registry.counter("isthmus_mqtt_bridge_messages_in_total",
                "Messages from the remote broker routed into the embedded broker", "bridge", bridge);
        resent = registry.counter("isthmus_mqtt_bridge_messages_resent_total",
                "QoS 1 and 2 messages sent again after a reconnect", "bridge", bridge);
        dropped = registry.counter("isthmus_mqtt_bridge_messages_dropped_total",
                "Messages not forwarded to the remote broker: the queue was full, they expired, the remote broker "
                        + "refused them, or (QoS 0) the remote broker was away", "bridge", bridge);
        connectFailures = registry.counter("isthmus_mqtt_bridge_connect_failures_total",
                "Connection attempts to the remote broker that failed or were refused", "bridge", bridge);
    }
}
