package dev.isthmus.protocol.coap;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.core.observe.ShardedGauge;

/** The CoAP endpoint's metrics, registered once per service and updated by each loop in its own shard. */
final class CoapMetrics {
    final ShardedCounter requests;
    final ShardedCounter duplicates;
    final ShardedCounter malformed;
    final ShardedCounter badOptions;
    final ShardedCounter retransmissions;
    final ShardedCounter givenUp;
    final ShardedCounter evicted;
    final ShardedCounter notifications;
    final ShardedCounter sendDrops;
    final ShardedCounter refusals;
    final ShardedGauge observers;

    CoapMetrics(MetricRegistry registry, String listener) {
        requests = registry.counter("isthmus_coap_requests_total", "CoAP requests executed (duplicates not counted)",
                "listener", listener);
        duplicates = registry.counter("isthmus_coap_duplicates_total",
                "Duplicate requests answered from the exchange they repeat, not executed again", "listener", listener);
        malformed = registry.counter("isthmus_coap_malformed_total",
                "Datagrams that were no well-formed CoAP message (reset or dropped)", "listener", listener);
        badOptions = registry.counter("isthmus_coap_bad_options_total",
                "Requests refused with 4.02 for a critical option this build does not recognize", "listener", listener);
        retransmissions = registry.counter("isthmus_coap_retransmissions_total",
                "CON messages sent again for want of an ACK", "listener", listener);
        givenUp = registry.counter("isthmus_coap_con_timeouts_total",
                "CON messages never acknowledged after every retransmission", "listener", listener);
        evicted = registry.counter("isthmus_coap_exchanges_evicted_total",
                "Exchanges forgotten before their lifetime because the table was full (of entries or of answer bytes)", "listener", listener);
        notifications = registry.counter("isthmus_coap_notifications_total", "Observe notifications sent",
                "listener", listener);
        sendDrops = registry.counter("isthmus_coap_send_drops_total",
                "Datagrams dropped because the socket's send buffer was full", "listener", listener);
        refusals = registry.counter("isthmus_coap_hook_refusals_total",
                "Requests the embedder's request hook refused", "listener", listener);
        observers = registry.gauge("isthmus_coap_observers", "Observe relations", "listener", listener);
    }
}
