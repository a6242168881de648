package dev.isthmus.tools.bench;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.transport.nio.NioTransport;
import dev.isthmus.protocol.mqtt.MqttBrokerService;
import dev.isthmus.protocol.mqtt.MqttSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load tool against the embedded broker, in-process: what sub counts is what pub sent. */
class MqttBenchEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static Server broker;
    private static String port;

    @BeforeAll
    static void startBroker() throws IOException {
        MetricRegistry metrics = new MetricRegistry(1);
        broker = Server.builder().threads(1).transport(NioTransport.INSTANCE)
                .listen("mqtt", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new MqttBrokerService(MqttSettings.DEFAULT, metrics, "mqtt"))
                .build().start();
        port = Integer.toString(broker.boundAddress("mqtt").getPort());
    }

    @AfterAll
    static void stopBroker() {
        broker.shutdown(Duration.ofSeconds(2));
    }

    @Test
    void subscribersReceiveEveryQos1MessageAndReportLatency() throws InterruptedException {
        BenchRunner sub = BenchRunner.start("bench", "mqtt", "sub", "-h", "127.0.0.1", "-p", port, "-c", "2",
                "-i", "1", "-t", "t/%i", "-q", "1", "--io", "nio", "--duration", "5", "--expected-interval-us", "10000");
        sub.awaitLine("^1s sub total=2 ", TIMEOUT);
        BenchRunner pub = BenchRunner.start("bench", "mqtt", "pub", "-h", "127.0.0.1", "-p", port, "-c", "2",
                "-i", "1", "-t", "t/%i", "-I", "10", "-L", "100", "-q", "1", "--io", "nio", "--duration", "30");
        assertEquals(0, pub.await(TIMEOUT), pub.output());
        pub.assertTotals(List.of("pub", "pub_succ"), 100);
        pub.assertTotals(List.of("connect_succ"), 2);
        assertTrue(pub.output().contains("\npublish complete\n"), pub.output());

        assertEquals(0, sub.await(TIMEOUT), sub.output());
        sub.assertTotals(List.of("recv"), 100);
        sub.assertTotals(List.of("connect_succ", "sub"), 2);
        sub.assertLatencyLine(100);
    }

    @Test
    void qos0AsFastAsPossibleWithPerMessageTopics() throws InterruptedException {
        BenchRunner sub = BenchRunner.start("bench", "mqtt", "sub", "-h", "127.0.0.1", "-p", port, "-c", "1",
                "-t", "fast/#", "-V", "4", "--io", "nio", "--duration", "4");
        sub.awaitLine("^1s sub total=1 ", TIMEOUT);
        BenchRunner pub = BenchRunner.start("bench", "mqtt", "pub", "-h", "127.0.0.1", "-p", port, "-c", "4",
                "-i", "0", "-t", "fast/%i/%s", "-I", "0", "-L", "20000", "-s", "32", "-V", "4", "--loops", "2",
                "--io", "nio", "--duration", "30");
        assertEquals(0, pub.await(TIMEOUT), pub.output());
        pub.assertTotals(List.of("pub"), 20000);
        assertEquals(0, sub.await(TIMEOUT), sub.output());
        sub.assertTotals(List.of("recv"), 20000);
        sub.assertLatencyLine(20000);
    }

    @Test
    void connHoldsItsClients() throws InterruptedException {
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", port, "-c", "50",
                "-R", "1000", "-k", "1", "--io", "nio", "--duration", "3");
        assertEquals(0, conn.await(TIMEOUT), conn.output());
        conn.assertTotals(List.of("connect_succ"), 50);
        assertEquals(-1, conn.lastTotal("connect_fail"), conn.output());
    }

    @Test
    void aRefusedConnectionIsCountedAsConnectFail() throws InterruptedException {
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", "1", "-c", "2",
                "--io", "nio", "--duration", "20");
        assertEquals(1, conn.await(TIMEOUT), conn.output());
        conn.assertTotals(List.of("connect_fail"), 2);
        assertTrue(conn.output().contains("client(1): connect error - "), conn.output());
        assertTrue(conn.output().contains("all clients are gone"), conn.output());
    }
}
