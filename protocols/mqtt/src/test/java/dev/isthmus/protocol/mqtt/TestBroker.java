package dev.isthmus.protocol.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.iouring.UringTransport;
import dev.isthmus.protocol.mqtt.store.SessionLog;

/**
 * The embedded broker on 127.0.0.1 at an ephemeral port, on the transport the build asks for
 * ({@code isthmus.test.transport}: nio or uring, the suite runs once per transport).
 */
final class TestBroker implements AutoCloseable {
    static final Transport TRANSPORT = UringTransport.select(System.getProperty("isthmus.test.transport", "nio"));
    static final String LISTENER = "mqtt";

    private final Server server;
    private final MetricRegistry metrics;

    private TestBroker(Server server, MetricRegistry metrics) {
        this.server = server;
        this.metrics = metrics;
    }

    static TestBroker start(int threads) throws IOException {
        return start(threads, MqttSettings.DEFAULT);
    }

    static TestBroker start(int threads, MqttSettings settings) throws IOException {
        return start(threads, settings, null);
    }

    /** A broker whose sessions are kept in {@code sessions} (null: in memory), which it closes when it stops. */
    static TestBroker start(int threads, MqttSettings settings, SessionLog sessions) throws IOException {
        MetricRegistry metrics = new MetricRegistry(threads);
        Server server = Server.builder().threads(threads).transport(TRANSPORT)
                .listen(LISTENER, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new MqttBrokerService(null, settings, metrics, LISTENER, "isthmus", sessions))
                .build().start();
        return new TestBroker(server, metrics);
    }

    int port() {
        return server.boundAddress(LISTENER).getPort();
    }

    String host() {
        return "127.0.0.1";
    }

    /** For Paho and HiveMQ: {@code tcp://127.0.0.1:port}. */
    String uri() {
        return "tcp://127.0.0.1:" + port();
    }

    /** The server's event loops, for tests that look at a loop thread. */
    java.util.List<dev.isthmus.core.loop.EventLoop> loops() {
        return server.loops();
    }

    MetricRegistry metrics() {
        return metrics;
    }

    /** The Prometheus text of the broker's metrics. */
    String metricsText() {
        return metrics.scrape();
    }

    @Override
    public void close() {
        server.shutdown(Duration.ofSeconds(2));
    }
}
