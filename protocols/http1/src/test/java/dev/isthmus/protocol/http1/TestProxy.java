package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
import dev.isthmus.core.transport.Transport;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.protocol.http1.codec.HeadLimits;
import dev.isthmus.protocol.http1.route.Route;
import dev.isthmus.protocol.http1.route.Router;
import dev.isthmus.protocol.http1.route.RoutingProxy;
import dev.isthmus.iouring.UringTransport;

/**
 * The proxy under test: a real {@link Server} on 127.0.0.1 with an ephemeral port and an
 * {@link HttpProxyService} running either the command line's own {@link RoutingProxy} over
 * upstream groups (routes by path prefix) or a given {@link ProxyHttp}. It exposes the bound
 * address and the metrics it records; closing it shuts the server down and stops the groups'
 * health checks.
 */
final class TestProxy implements AutoCloseable {
    static final String LISTENER = "http";
    /** Longest wait for anything asynchronous; generous, since tests never assert durations. */
    static final Duration PATIENCE = Duration.ofSeconds(15);

    /**
     * Settings for most tests: connecting and lingering take at most 500 ms; the client and
     * response timeouts are long enough (5 s and more) never to fire unless a test waits for them.
     * Tests of a timeout set that one short themselves. Bodies from 64 KiB on are spliced where
     * the transport can, so the suite's larger responses take that path on io_uring.
     */
    static final HttpProxySettings SHORT = new HttpProxySettings(HeadLimits.DEFAULT, 64L << 20,
            Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMillis(500),
            Duration.ofSeconds(5), Duration.ofMillis(500), 64 * 1024);

    /**
     * The transport every proxy of this run uses: the build runs the suite once with
     * {@code nio} and once with {@code uring} (which fails loudly where io_uring is unavailable).
     */
    static final Transport TRANSPORT = UringTransport.select(System.getProperty("isthmus.test.transport", "nio"));

    /** Loops a group is made for: enough for every harness in these tests. */
    private static final int LOOPS = 4;

    final Server server;
    final MetricRegistry metrics;
    final List<UpstreamGroup> groups;
    private final InetSocketAddress address;

    private TestProxy(Server server, MetricRegistry metrics, List<UpstreamGroup> groups) {
        this.server = server;
        this.metrics = metrics;
        this.groups = groups;
        this.address = server.boundAddress(LISTENER);
    }

    /** Default settings, two event loops, one round-robin group of {@code origins} for every path. */
    static TestProxy start(InetSocketAddress... origins) throws IOException {
        return start(HttpProxySettings.DEFAULT, 2, origins);
    }

    static TestProxy start(HttpProxySettings settings, int loops, InetSocketAddress... origins) throws IOException {
        return routing(settings, loops, group(origins));
    }

    /** A routing proxy (one loop) sending everything to {@code group}. */
    static TestProxy routing(HttpProxySettings settings, UpstreamGroup group) throws IOException {
        return routing(settings, 1, group);
    }

    static TestProxy routing(HttpProxySettings settings, int threads, UpstreamGroup group) throws IOException {
        return routing(settings, threads, List.of(new Route(null, "/", group)));
    }

    /** A routing proxy over {@code routes}; their groups are started here and stopped on close. */
    static TestProxy routing(HttpProxySettings settings, int threads, List<Route> routes) throws IOException {
        MetricRegistry metrics = new MetricRegistry(threads);
        RoutingProxy proxy = new RoutingProxy(new Router(routes), threads);
        List<UpstreamGroup> groups = routes.stream().map(Route::group).distinct().toList();
        groups.forEach(UpstreamGroup::start);
        try {
            return start(proxy, settings, threads, metrics, groups);
        } catch (IOException | RuntimeException e) {
            groups.forEach(UpstreamGroup::close);
            throw e;
        }
    }

    /** A proxy built on {@code proxy} itself (phase API tests). */
    static <C> TestProxy custom(ProxyHttp<C> proxy, HttpProxySettings settings, int threads) throws IOException {
        return start(proxy, settings, threads, new MetricRegistry(threads), List.of());
    }

    private static <C> TestProxy start(ProxyHttp<C> proxy, HttpProxySettings settings, int threads,
                                          MetricRegistry metrics, List<UpstreamGroup> groups) throws IOException {
        Server server = Server.builder().threads(threads).transport(TRANSPORT)
                .listen(LISTENER, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new HttpProxyService<>(proxy, settings, metrics, LISTENER))
                .build().start();
        return new TestProxy(server, metrics, new ArrayList<>(groups));
    }

    // ---------------------------------------------------------------- groups

    /** Requests whose path starts with {@code prefix} go to {@code group}. */
    static Route route(String prefix, UpstreamGroup group) {
        return new Route(null, prefix, group);
    }

    /** A group with round-robin, no health checks, no retries, default pooling. */
    static UpstreamGroup group(InetSocketAddress... peers) {
        return group(BalanceAlgorithm.ROUND_ROBIN, null, null, PassiveCheck.OFF, 0, PoolSettings.DEFAULT, null, peers);
    }

    /**
     * @param weights one per peer, or null for all 1
     */
    static UpstreamGroup group(BalanceAlgorithm algorithm, HashKey key, ActiveCheck active, PassiveCheck passive,
                               int retries, PoolSettings pool, int[] weights, InetSocketAddress... peers) {
        List<Peer> list = new ArrayList<>();
        for (int i = 0; i < peers.length; i++) {
            list.add(new Peer(i, peers[i].getHostString(), peers[i].getPort(), weights == null ? 1 : weights[i], pool));
        }
        return new UpstreamGroup("test", list, algorithm, key == null ? HashKey.CLIENT_IP : key, active, passive,
                retries, LOOPS, new HealthListener() { });
    }

    /** An address on which nothing listens: connecting is refused. */
    static InetSocketAddress deadAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }
    }

    /**
     * An address where connecting hangs: a listener with an accept backlog of 1 whose queue is
     * filled with connections nobody accepts, so the kernel drops further SYNs (Linux) and a
     * connect neither succeeds nor fails until the connector gives up.
     */
    static final class Blackhole implements AutoCloseable {
        private final ServerSocket listener;
        private final List<Socket> filling = new ArrayList<>();

        Blackhole() throws IOException {
            listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            for (int i = 0; i < 16; i++) {
                Socket socket = new Socket();
                try {
                    socket.connect(listener.getLocalSocketAddress(), 200);
                    filling.add(socket);
                } catch (SocketTimeoutException e) {
                    socket.close();
                    return;
                }
            }
            close();
            throw new IllegalStateException("the accept queue never filled up: connects cannot be made to hang here");
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            for (Socket socket : filling) {
                socket.close();
            }
            listener.close();
        }
    }

    // ---------------------------------------------------------------- access

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

    RawClient raw() throws IOException {
        return new RawClient(address);
    }

    /** The metrics in Prometheus text format. */
    String scrape() {
        return metrics.scrape();
    }

    /**
     * The value of one series: {@code name} followed by its labels exactly as rendered, e.g.
     * {@code isthmus_http_requests_total{listener="http",code="5xx"}}, or a name without labels
     * for the sum of all its series.
     */
    long metric(String series) {
        long sum = 0;
        boolean found = false;
        for (String line : scrape().split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String key = line.substring(0, space);
            String bare = key.indexOf('{') < 0 ? key : key.substring(0, key.indexOf('{'));
            if (key.equals(series) || bare.equals(series)) {
                sum += (long) Double.parseDouble(line.substring(space + 1));
                found = true;
            }
        }
        if (!found) {
            fail("no metric " + series + " in\n" + scrape());
        }
        return sum;
    }

    long connectFailures() {
        return metric("isthmus_http_upstream_connect_failures_total");
    }

    long upstreamConnectionsOpened() {
        return metric("isthmus_http_upstream_connections_opened_total");
    }

    long acceptedConnections() {
        return metric("isthmus_http_connections_accepted_total");
    }

    /** Waits (bounded by {@link #PATIENCE}) until {@code condition} holds; false if it never did. */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Waits (bounded by {@link #PATIENCE}) until {@code condition} holds; fails with {@code what} otherwise. */
    static void await(String what, BooleanSupplier condition) {
        try {
            if (!eventually(condition)) {
                fail("timed out waiting until " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted waiting until " + what);
        }
    }

    @Override
    public void close() {
        server.shutdown(Duration.ZERO);
        groups.forEach(UpstreamGroup::close);
    }
}
