package dev.isthmus.protocol.mqtt;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.core.observe.ShardedGauge;

/** The MQTT proxy's metrics, registered once per service and updated by each loop in its own shard. */
final class ProxyMetrics {
    final ShardedGauge activeConnections;
    final ShardedCounter acceptedConnections;
    final ShardedCounter proxiedConnections;
    final ShardedCounter upstreamConnectFailures;
    final ShardedCounter failovers;
    final ShardedCounter noUpstream;
    final ShardedCounter refusedConnects;
    final ShardedCounter refusedPublishes;
    final ShardedCounter refusedSubscriptions;
    final ShardedCounter rateLimitedPublishes;
    final ShardedCounter protocolErrors;
    final ShardedCounter idleTimeouts;
    final ShardedCounter bytesToUpstream;
    final ShardedCounter bytesToClient;
    final ShardedCounter splicedConnections;

    ProxyMetrics(MetricRegistry registry, String listener) {
        activeConnections = registry.gauge("isthmus_mqtt_proxy_connections_active",
                "Open MQTT proxy client connections", "listener", listener);
        acceptedConnections = registry.counter("isthmus_mqtt_proxy_connections_accepted_total",
                "Accepted MQTT proxy client connections", "listener", listener);
        proxiedConnections = registry.counter("isthmus_mqtt_proxy_connections_proxied_total",
                "Client connections joined to an upstream broker", "listener", listener);
        upstreamConnectFailures = registry.counter("isthmus_mqtt_proxy_upstream_connect_failures_total",
                "Connects to an upstream broker that were refused or timed out", "listener", listener);
        failovers = registry.counter("isthmus_mqtt_proxy_failovers_total",
                "Clients sent to another broker after their first choice could not be reached", "listener", listener);
        noUpstream = registry.counter("isthmus_mqtt_proxy_no_upstream_total",
                "Clients refused because no broker could be reached (CONNACK 0x88 / 3)", "listener", listener);
        String refusals = "isthmus_mqtt_proxy_refusals_total";
        String help = "Client packets the proxy refused, by kind";
        refusedConnects = registry.counter(refusals, help, "listener", listener, "kind", "connect");
        refusedPublishes = registry.counter(refusals, help, "listener", listener, "kind", "publish");
        refusedSubscriptions = registry.counter(refusals, help, "listener", listener, "kind", "subscribe");
        rateLimitedPublishes = registry.counter(refusals, help, "listener", listener, "kind", "rate");
        protocolErrors = registry.counter("isthmus_mqtt_proxy_protocol_errors_total",
                "Client connections ended for a malformed packet or a protocol violation", "listener", listener);
        idleTimeouts = registry.counter("isthmus_mqtt_proxy_idle_timeouts_total",
                "Connections closed after no traffic for 1.5 keep alive intervals (or the idle timeout)",
                "listener", listener);
        String bytes = "isthmus_mqtt_proxy_bytes_total";
        String bytesHelp = "Bytes forwarded by the MQTT proxy, by direction";
        bytesToUpstream = registry.counter(bytes, bytesHelp, "listener", listener, "direction", "to-upstream");
        bytesToClient = registry.counter(bytes, bytesHelp, "listener", listener, "direction", "to-client");
        splicedConnections = registry.counter("isthmus_mqtt_proxy_spliced_connections_total",
                "Connections whose bytes move inside the kernel (io_uring splice)", "listener", listener);
    }
}
