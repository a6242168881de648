package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.protocol.http1.route.Route;
import dev.isthmus.protocol.http1.route.Router;
import dev.isthmus.protocol.http1.route.RoutingProxy;

/**
 * Holds the engine's promise that steady-state proxying allocates (almost) nothing on the
 * heap: the bytes the event-loop thread allocates per proxied keep-alive request, counted by
 * the JVM ({@code com.sun.management.ThreadMXBean}), stay under a small bound. The client and
 * the origin run on other threads and are not counted.
 */
class LoopAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 10_000;
    /** Bytes per request the loop may allocate: less than the smallest object, so any per-request allocation fails. */
    private static final double BOUND = 8;

    @Test
    void proxyingKeepAliveRequestsAllocatesAlmostNothingOnTheLoopThread() throws Exception {
        MetricRegistry metrics = new MetricRegistry(1);
        try (TestOrigin origin = new TestOrigin()) {
            UpstreamGroup group = new UpstreamGroup("origin", List.of(new Peer(0, "127.0.0.1", origin.port(), 1)),
                    BalanceAlgorithm.WEIGHTED_ROUND_ROBIN, HashKey.CLIENT_IP, null, PassiveCheck.DEFAULT, 1, 1,
                    new HealthListener() { });
            RoutingProxy proxy = new RoutingProxy(new Router(List.of(new Route(null, "/", group))), 1);
            Server server = Server.builder().threads(1)
                    .listen("http", new InetSocketAddress("127.0.0.1", 0),
                            new HttpProxyService<>(proxy, HttpProxySettings.DEFAULT, metrics, "http"))
                    .build().start();
            try (Socket client = new Socket()) {
                client.connect(server.boundAddress("http"));
                client.setTcpNoDelay(true);
                InputStream in = new BufferedInputStream(client.getInputStream());
                OutputStream out = client.getOutputStream();
                byte[] request = "GET /plain HTTP/1.1\r\nHost: test\r\nUser-Agent: allocation-test\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
                roundTrips(in, out, request, WARM_UP);
                EventLoop loop = server.loops().get(0);
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                long before = threads.getThreadAllocatedBytes(loop.thread().threadId());
                roundTrips(in, out, request, MEASURED);
                long after = threads.getThreadAllocatedBytes(loop.thread().threadId());
                double perRequest = (after - before) / (double) MEASURED;
                assertTrue(perRequest < BOUND, "the loop thread allocated " + perRequest + " bytes per request");
                assertEquals(1, origin.connections(), "all requests on one pooled upstream connection");
            } finally {
                server.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    /** Sends {@code count} requests one after the other and reads each response ("ok\n", 3 bytes). */
    private static void roundTrips(InputStream in, OutputStream out, byte[] request, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            out.write(request);
            out.flush();
            int contentLength = -1;
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    contentLength = Integer.parseInt(line.substring(15).trim());
                }
            }
            if (in.readNBytes(contentLength).length != contentLength) {
                throw new IOException("short body");
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
