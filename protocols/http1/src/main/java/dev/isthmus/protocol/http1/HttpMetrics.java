package dev.isthmus.protocol.http1;

import dev.isthmus.core.observe.LatencyHistogram;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.core.observe.ShardedGauge;

/** The HTTP proxy's metrics, registered once per service and updated by each loop in its own shard. */
final class HttpMetrics {
    private final ShardedCounter[] responsesByClass = new ShardedCounter[6];
    final ShardedGauge activeConnections;
    final ShardedCounter acceptedConnections;
    final ShardedCounter upstreamConnectFailures;
    final ShardedCounter upstreamConnections;
    final ShardedCounter badRequests;
    final ShardedCounter splicedResponses;
    final ShardedCounter splicedBytes;
    final LatencyHistogram requestDuration;

    HttpMetrics(MetricRegistry registry, String listener) {
        String[] classes = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
        for (int i = 0; i < classes.length; i++) {
            responsesByClass[i] = registry.counter("isthmus_http_requests_total",
                    "HTTP requests by response status class (none: the client left before any response)",
                    "listener", listener, "code", classes[i]);
        }
        activeConnections = registry.gauge("isthmus_http_connections_active", "Open client connections",
                "listener", listener);
        acceptedConnections = registry.counter("isthmus_http_connections_accepted_total", "Accepted client connections",
                "listener", listener);
        upstreamConnectFailures = registry.counter("isthmus_http_upstream_connect_failures_total",
                "Failed or timed-out connects to upstream peers", "listener", listener);
        upstreamConnections = registry.counter("isthmus_http_upstream_connections_opened_total",
                "Upstream connections opened (the rest of the requests reused pooled ones)", "listener", listener);
        badRequests = registry.counter("isthmus_http_bad_requests_total",
                "Requests refused as malformed, too large or too slow (4xx from the proxy itself)", "listener", listener);
        splicedResponses = registry.counter("isthmus_http_spliced_responses_total",
                "Response bodies moved from upstream to client inside the kernel (splice)", "listener", listener);
        splicedBytes = registry.counter("isthmus_http_spliced_bytes_total",
                "Response body bytes moved inside the kernel (splice)", "listener", listener);
        requestDuration = registry.histogram("isthmus_http_request_duration_seconds",
                "Time from a complete request head to the end of the response", "listener", listener);
    }

    void response(int shard, int status) {
        int statusClass = status / 100;
        responsesByClass[statusClass >= 1 && statusClass <= 5 ? statusClass : 0].increment(shard);
    }
}
