package dev.isthmus.protocol.mqtt;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.core.observe.ShardedGauge;

/** The MQTT broker's metrics, registered once per service and updated by each loop in its own shard. */
final class MqttMetrics {
    final ShardedGauge activeConnections;
    final ShardedCounter acceptedConnections;
    final ShardedCounter refusedConnections;
    final ShardedCounter protocolErrors;
    final ShardedCounter received;
    final ShardedCounter delivered;
    final ShardedCounter dropped;
    final ShardedCounter willsPublished;
    final ShardedCounter publisherWaits;
    final ShardedCounter slowSubscribers;
    final ShardedCounter bytesReceived;
    final ShardedCounter hookRefusals;
    final ShardedCounter bytesSent;

    MqttMetrics(MetricRegistry registry, String listener) {
        activeConnections = registry.gauge("isthmus_mqtt_connections_active", "Open MQTT client connections",
                "listener", listener);
        acceptedConnections = registry.counter("isthmus_mqtt_connections_accepted_total",
                "Accepted MQTT client connections", "listener", listener);
        refusedConnections = registry.counter("isthmus_mqtt_connects_refused_total",
                "CONNECTs answered with a refusal (bad version, client id, credentials)", "listener", listener);
        protocolErrors = registry.counter("isthmus_mqtt_protocol_errors_total",
                "Connections ended for a malformed packet or a protocol violation", "listener", listener);
        received = registry.counter("isthmus_mqtt_messages_received_total", "PUBLISH packets received from clients",
                "listener", listener);
        delivered = registry.counter("isthmus_mqtt_messages_delivered_total", "PUBLISH packets sent to subscribers",
                "listener", listener);
        dropped = registry.counter("isthmus_mqtt_messages_dropped_total",
                "Messages dropped because a session's queue was full", "listener", listener);
        willsPublished = registry.counter("isthmus_mqtt_wills_published_total",
                "Last-will messages published after a client vanished", "listener", listener);
        publisherWaits = registry.counter("isthmus_mqtt_publisher_waits_total",
                "Times a publisher stopped being read until a subscriber's backlog drained", "listener", listener);
        hookRefusals = registry.counter("isthmus_mqtt_hook_refusals_total",
                "Subscriptions and publishes the embedder's hooks refused", "listener", listener);
        bytesReceived = registry.counter("isthmus_mqtt_received_bytes_total", "Bytes read from MQTT clients",
                "listener", listener);
        bytesSent = registry.counter("isthmus_mqtt_sent_bytes_total", "Bytes written to MQTT clients",
                "listener", listener);
        slowSubscribers = registry.counter("isthmus_mqtt_slow_subscribers_total",
                "Times a subscriber stayed congested so long that publishers stopped waiting for it",
                "listener", listener);
    }
}
