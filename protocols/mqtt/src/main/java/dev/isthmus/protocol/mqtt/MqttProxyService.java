package dev.isthmus.protocol.mqtt;

import java.util.Objects;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.core.upstream.UpstreamGroup;

/**
 * MQTT listeners as a proxy in front of a cluster of brokers (what HAProxy or NGINX Plus do
 * for EMQX): each client's CONNECT is read, shown to the {@link MqttHooks#connect connect hook},
 * and the connection is joined to one broker of the upstream group, by default the one the
 * consistent hash of the client id picks, so a device always lands on the same broker (a
 * client without an id, which a 5.0 broker assigns one and 3.1.1 allows with a clean session,
 * is hashed by its address, as is every client with ip-hash); when that broker cannot be reached
 * (connect refused or timed out) the next one on the ring takes the client, up to the group's
 * retries, and brokers the group's health checks hold down are skipped.
 *
 * <p>After the CONNECT the proxy works in one of two modes:
 * <ul>
 *   <li><b>pass-through</b> (no topic rules, no rate limit, hooks without {@code subscribe}
 *       or {@code publish}): the CONNECT goes to the broker as received and then bytes flow
 *       both ways untouched, inside the kernel (splice) on the io_uring transport;</li>
 *   <li><b>inspection</b>: every packet of the client is read; topic rules, the publish rate
 *       limit and the hooks may refuse PUBLISH and SUBSCRIBE filters, with the proper reason
 *       codes. Packets from the broker are forwarded unchanged (SUBACKs are merged with the
 *       proxy's own refusals).</li>
 * </ul>
 *
 * @param <C> the hooks' per-connection state
 */
public final class MqttProxyService<C> implements ProtocolService {
    final MqttHooks<C> hooks;
    final MqttProxySettings settings;
    final UpstreamGroup group;
    final ProxyMetrics metrics;
    final boolean blockingConnect;
    final boolean inspects;

    /**
     * @param group    the brokers, with their balancing and health checks (start it yourself);
     *                 its loop count must cover the server's threads
     * @param metrics  its shard count must equal the server's thread count
     * @param listener the label of this listener's metrics
     */
    public MqttProxyService(MqttHooks<C> hooks, MqttProxySettings settings, UpstreamGroup group,
                            MetricRegistry metrics, String listener) {
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.group = Objects.requireNonNull(group, "group");
        this.metrics = new ProxyMetrics(metrics, listener);
        HookPhases phases = new HookPhases(hooks);
        this.blockingConnect = phases.blockingConnect;
        this.inspects = settings.inspects() || phases.subscribe || phases.publish;
    }

    /** A proxy with hooks that let every client through. */
    public static MqttProxyService<Void> of(MqttProxySettings settings, UpstreamGroup group, MetricRegistry metrics,
                                            String listener) {
        return new MqttProxyService<>(new MqttHooks<>() { }, settings, group, metrics, listener);
    }

    @Override
    public LoopService attach(EventLoop loop) {
        return new ProxyLoop<>(this, loop);
    }

    /** Whether clients' packets are read after CONNECT (inspection mode) rather than passed through. */
    public boolean inspects() {
        return inspects;
    }

    public UpstreamGroup group() {
        return group;
    }
}
