package dev.isthmus.protocol.coap;

import java.util.Objects;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;

/**
 * CoAP (RFC 7252) over UDP as a protocol of the server: listen with
 * {@code Server.Builder.listenDatagram(name, address, service)}. Every event loop runs its own
 * endpoint (message layer, block-wise transfers, observe), in front of one set of
 * {@link CoapResources}; {@link CoapHooks} see every request first.
 */
public final class CoapService implements ProtocolService {
    private final CoapSettings settings;
    private final CoapResources resources;
    private final CoapMetrics metrics;
    private final CoapHooks<Object> hooks;

    /** A service without hooks. */
    public CoapService(CoapResources resources, CoapSettings settings, MetricRegistry metrics, String listener) {
        this(null, resources, settings, metrics, listener);
    }

    /**
     * @param hooks    the request phase, or null for none
     * @param metrics  its shard count must equal the server's thread count
     * @param listener the label of this listener's metrics
     */
    @SuppressWarnings("unchecked")
    public <C> CoapService(CoapHooks<C> hooks, CoapResources resources, CoapSettings settings, MetricRegistry metrics,
                           String listener) {
        this.hooks = (CoapHooks<Object>) hooks;
        this.resources = Objects.requireNonNull(resources, "resources");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = new CoapMetrics(metrics, listener);
    }

    @Override
    public LoopService attach(EventLoop loop) {
        return new CoapEndpoint(this, loop);
    }

    CoapSettings settings() {
        return settings;
    }

    CoapResources resources() {
        return resources;
    }

    CoapMetrics metrics() {
        return metrics;
    }

    CoapHooks<Object> hooks() {
        return hooks;
    }
}
