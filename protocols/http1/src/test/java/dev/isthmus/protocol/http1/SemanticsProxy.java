package dev.isthmus.protocol.http1;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.protocol.http1.route.Route;
import dev.isthmus.protocol.http1.route.Router;
import dev.isthmus.protocol.http1.route.RoutingProxy;

/**
 * The proxy under test for the HTTP semantics tests: a real {@link Server} on 127.0.0.1 with
 * an ephemeral port, running the command line's own {@link RoutingProxy} with one catch-all
 * route to one round-robin {@link UpstreamGroup} of the given origins. It exposes the bound
 * address and the metrics, and shuts everything down on {@link #close()}.
 */
final class SemanticsProxy implements AutoCloseable {
    static final String LISTENER = "http";
    /** Longest wait for anything asynchronous; generous, since tests never assert durations. */
    static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Server server;
    private final MetricRegistry metrics;
    private final UpstreamGroup group;
    private final InetSocketAddress address;

    private SemanticsProxy(Server server, MetricRegistry metrics, UpstreamGroup group) {
        this.server = server;
        this.metrics = metrics;
        this.group = group;
        this.address = server.boundAddress(LISTENER);
    }

    /** Default settings, two event loops. */
    static SemanticsProxy start(InetSocketAddress... origins) throws IOException {
        return start(HttpProxySettings.DEFAULT, 2, origins);
    }

    static SemanticsProxy start(HttpProxySettings settings, int loops, InetSocketAddress... origins) throws IOException {
        List<Peer> peers = new ArrayList<>();
        for (InetSocketAddress origin : origins) {
            peers.add(new Peer(peers.size(), origin.getHostString(), origin.getPort(), 1, PoolSettings.DEFAULT));
        }
        UpstreamGroup group = new UpstreamGroup("origins", peers, BalanceAlgorithm.ROUND_ROBIN, HashKey.CLIENT_IP, null,
                PassiveCheck.OFF, 0, loops, new HealthListener() { });
        MetricRegistry metrics = new MetricRegistry(loops);
        RoutingProxy proxy = new RoutingProxy(new Router(List.of(new Route(null, "/", group))), loops);
        Server server = Server.builder().threads(loops)
                .listen(LISTENER, new InetSocketAddress("127.0.0.1", 0),
                        new HttpProxyService<>(proxy, settings, metrics, LISTENER))
                .build().start();
        group.start();
        return new SemanticsProxy(server, metrics, group);
    }

    InetSocketAddress address() {
        return address;
    }

    int port() {
        return address.getPort();
    }

    /** {@code http://127.0.0.1:port} followed by {@code pathAndQuery}. */
    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    String url(String pathAndQuery) {
        return uri(pathAndQuery).toString();
    }

    /** The metrics in Prometheus text format. */
    String scrape() {
        return metrics.scrape();
    }

    /** Sum of every series of metric {@code name} whose labels contain {@code labelText} (may be empty). */
    long metric(String name, String labelText) {
        long sum = 0;
        for (String line : scrape().split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            boolean sameName = series.equals(name) || series.startsWith(name + "{");
            if (sameName && series.contains(labelText)) {
                sum += (long) Double.parseDouble(line.substring(space + 1));
            }
        }
        return sum;
    }

    long metric(String name) {
        return metric(name, "");
    }

    long acceptedConnections() {
        return metric("isthmus_http_connections_accepted_total");
    }

    long upstreamConnectionsOpened() {
        return metric("isthmus_http_upstream_connections_opened_total");
    }

    /** Waits (bounded by {@link #PATIENCE}) until {@code condition} holds; false if it never did. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void close() {
        server.shutdown(Duration.ZERO);
        group.close();
    }
}
