package dev.isthmus.protocol.coap.http;

import java.util.Locale;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.protocol.http1.client.HttpFailure;

/** The requests one CoAP to HTTP route forwarded, by outcome, each loop counting in its own shard. */
final class CrossProxyMetrics {
    private static final String NAME = "isthmus_coap_http_requests_total";
    private static final String HELP = "CoAP requests of an HTTP route by outcome: answered by the origin, refused by "
            + "the gateway before forwarding, or failed for want of an answer";

    final ShardedCounter answered;
    final ShardedCounter refused;
    private final ShardedCounter[] failed = new ShardedCounter[HttpFailure.values().length];

    CrossProxyMetrics(MetricRegistry registry, String route) {
        answered = registry.counter(NAME, HELP, "route", route, "outcome", "answered");
        refused = registry.counter(NAME, HELP, "route", route, "outcome", "refused");
        for (HttpFailure failure : HttpFailure.values()) {
            failed[failure.ordinal()] = registry.counter(NAME, HELP, "route", route, "outcome",
                    failure.name().toLowerCase(Locale.ROOT));
        }
    }

    ShardedCounter failed(HttpFailure failure) {
        return failed[failure.ordinal()];
    }
}
