package dev.isthmus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.protocol.http1.HttpProxyService;
import dev.isthmus.protocol.http1.HttpProxySettings;
import dev.isthmus.protocol.http1.route.Route;
import dev.isthmus.protocol.http1.route.Router;
import dev.isthmus.protocol.http1.route.RoutingProxy;

/**
 * One keep-alive request through the whole proxy path over loopback: client socket → proxy
 * loop (parse, route, balance, pooled upstream, head rewrite) → origin loop → back. The
 * interesting number is {@code gc.alloc.rate.norm} with {@code -prof gc}: the whole process
 * (client, proxy and origin) should allocate close to nothing per request.
 *
 * <pre>bench/run -prof gc ProxyRoundTrip</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ProxyRoundTripBenchmark {
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: jmh\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private Server origin;
    private Server proxy;
    private Socket client;
    private InputStream in;
    private OutputStream out;
    private byte[] response;

    @Setup
    public void start() throws IOException {
        origin = Server.builder().threads(1)
                .listen("origin", new InetSocketAddress("127.0.0.1", 0), new CannedResponder()).build().start();
        InetSocketAddress originAddress = origin.boundAddress("origin");
        UpstreamGroup group = new UpstreamGroup("origin",
                List.of(new Peer(0, "127.0.0.1", originAddress.getPort(), 1)), BalanceAlgorithm.WEIGHTED_ROUND_ROBIN,
                HashKey.CLIENT_IP, null, PassiveCheck.DEFAULT, 1, 1, new HealthListener() { });
        proxy = Server.builder().threads(1)
                .listen("http", new InetSocketAddress("127.0.0.1", 0), new HttpProxyService<>(
                        new RoutingProxy(new Router(List.of(new Route(null, "/", group))), 1),
                        HttpProxySettings.DEFAULT, new MetricRegistry(1), "http"))
                .build().start();
        client = new Socket();
        client.connect(proxy.boundAddress("http"));
        client.setTcpNoDelay(true);
        in = client.getInputStream();
        out = client.getOutputStream();
        // The proxied response is the origin's, byte for byte (no hop-by-hop fields to strip).
        response = new byte[CannedResponder.RESPONSE.length];
    }

    @Benchmark
    public int roundTrip() throws IOException {
        out.write(REQUEST);
        int read = 0;
        while (read < response.length) {
            int n = in.read(response, read, response.length - read);
            if (n < 0) {
                throw new IOException("proxy closed the connection");
            }
            read += n;
        }
        return response[9];
    }

    @TearDown
    public void stop() throws IOException {
        client.close();
        proxy.shutdown(Duration.ZERO);
        origin.shutdown(Duration.ZERO);
    }
}
