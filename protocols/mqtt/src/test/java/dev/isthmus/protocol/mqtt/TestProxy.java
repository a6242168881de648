package dev.isthmus.protocol.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;

/**
 * The MQTT proxy on 127.0.0.1 at an ephemeral port in front of the given brokers, on the
 * transport the build asks for (see {@link TestBroker#TRANSPORT}).
 */
final class TestProxy implements AutoCloseable {
    static final String LISTENER = "mqtt";

    private final Server server;
    private final MetricRegistry metrics;
    private final UpstreamGroup group;

    private TestProxy(Server server, MetricRegistry metrics, UpstreamGroup group) {
        this.server = server;
        this.metrics = metrics;
        this.group = group;
    }

    static <C> TestProxy start(int threads, MqttHooks<C> hooks, MqttProxySettings settings,
                               List<InetSocketAddress> brokers) throws IOException {
        MetricRegistry metrics = new MetricRegistry(threads);
        List<Peer> peers = new ArrayList<>();
        for (InetSocketAddress broker : brokers) {
            peers.add(new Peer(peers.size(), broker.getHostString(), broker.getPort(), 1));
        }
        // Passive ejection off: a test decides when a broker is down by stopping it.
        UpstreamGroup group = new UpstreamGroup("mqtt", peers, BalanceAlgorithm.CONSISTENT_HASH, HashKey.CLIENT_IP,
                null, PassiveCheck.OFF, peers.size() - 1, threads, new HealthListener() { });
        Server server = Server.builder().threads(threads).transport(TestBroker.TRANSPORT)
                .listen(LISTENER, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new MqttProxyService<>(hooks, settings, group, metrics, LISTENER))
                .build().start();
        return new TestProxy(server, metrics, group);
    }

    static TestProxy start(MqttProxySettings settings, InetSocketAddress... brokers) throws IOException {
        return start(2, new MqttHooks<Void>() { }, settings, List.of(brokers));
    }

    int port() {
        return server.boundAddress(LISTENER).getPort();
    }

    String host() {
        return "127.0.0.1";
    }

    String uri() {
        return "tcp://127.0.0.1:" + port();
    }

    UpstreamGroup group() {
        return group;
    }

    String metricsText() {
        return metrics.scrape();
    }

    /** The value of one series of the proxy's metrics, e.g. {@code isthmus_mqtt_proxy_failovers_total}. */
    long metric(String name, String... labels) {
        StringBuilder selector = new StringBuilder("listener=\"mqtt\"");
        for (int i = 0; i < labels.length; i += 2) {
            selector.append(",").append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
        }
        Matcher m = Pattern.compile(Pattern.quote(name + "{" + selector + "}") + " (\\d+)").matcher(metricsText());
        if (!m.find()) {
            throw new AssertionError(name + "{" + selector + "} not in\n" + metricsText());
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public void close() {
        server.shutdown(Duration.ofSeconds(2));
    }
}
