package dev.isthmus.tools.bench;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.TestCertificates;
import dev.isthmus.core.tls.TlsContext;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load tool against the embedded broker, in-process: what sub counts is what pub sent. The
 * broker listens twice, noting the source address of every connection: in plain TCP, and behind
 * the TLS layer's server side (a listener with a TLS context), with throwaway certificates.
 */
class MqttBenchEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Queue<InetSocketAddress> SOURCES = new ConcurrentLinkedQueue<>();
    private static TestCertificates certificates;
    private static Server broker;
    private static String port;
    private static String tlsPort;

    @BeforeAll
    static void startBroker() throws Exception {
        certificates = TestCertificates.create();
        MetricRegistry metrics = new MetricRegistry(1);
        ProtocolService service = new NotingSources(new MqttBrokerService(MqttSettings.DEFAULT, metrics, "mqtt"));
        TlsContext tls = TlsContext.server(certificates.serverCertificate(), certificates.serverKey()).build();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        broker = Server.builder().threads(1).transport(NioTransport.INSTANCE)
                .listen("mqtt", new InetSocketAddress(loopback, 0), service)
                .listen("mqtts", new InetSocketAddress(loopback, 0), tls, service)
                .build().start();
        port = Integer.toString(broker.boundAddress("mqtt").getPort());
        tlsPort = Integer.toString(broker.boundAddress("mqtts").getPort());
    }

    @AfterAll
    static void stopBroker() throws IOException {
        if (broker != null) {
            broker.shutdown(Duration.ofSeconds(2));
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    /** The broker's service, noting where each connection comes from. */
    private record NotingSources(ProtocolService broker) implements ProtocolService {
        @Override
        public LoopService attach(EventLoop loop) {
            LoopService part = broker.attach(loop);
            return new LoopService() {
                @Override
                public ConnectionHandler accepted(Connection connection) {
                    SOURCES.add(connection.remoteAddress());
                    return part.accepted(connection);
                }

                @Override
                public void drain() {
                    part.drain();
                }

                @Override
                public void close() {
                    part.close();
                }
            };
        }

        @Override
        public void stopped() {
            broker.stopped();
        }
    }

    @Test
    void ifaddrSpreadsTheClientsOverTheSourceAddressesRoundRobin() throws InterruptedException {
        SOURCES.clear();
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", port, "-c", "6",
                "-R", "1000", "--ifaddr", "127.0.0.2,127.0.0.3", "--io", "nio", "--duration", "2");
        assertEquals(0, conn.await(TIMEOUT), conn.output());
        conn.assertTotals(List.of("connect_succ"), 6);
        List<String> seen = SOURCES.stream().map(a -> a.getAddress().getHostAddress()).sorted().toList();
        assertEquals(List.of("127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3", "127.0.0.3"), seen,
                conn.output());
    }

    @Test
    void anIfaddrThisHostDoesNotHaveIsAConnectError() throws InterruptedException {
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", port, "-c", "2",
                "--ifaddr", "192.0.2.1", "--io", "nio", "--duration", "20");
        assertEquals(1, conn.await(TIMEOUT), conn.output());
        conn.assertTotals(List.of("connect_fail"), 2);
        assertTrue(conn.output().contains("client(1): connect error - bind to 192.0.2.1"), conn.output());
        BenchRunner family = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", port, "-c", "1",
                "--ifaddr", "::1", "--io", "nio");
        assertEquals(1, family.await(TIMEOUT), family.output());
        assertTrue(family.output().contains("is not of the address family of 127.0.0.1\n"),
                family.output());
    }

    @Test
    void pubAndSubOverTlsOnBothTransports() throws InterruptedException {
        for (String io : List.of("nio", "uring")) {
            BenchRunner sub = BenchRunner.start("bench", "mqtt", "sub", "-S", "--cacertfile", certificates.ca().toString(),
                    "-h", "localhost", "-p", tlsPort, "-c", "2", "-i", "1", "-t", "tls/" + io + "/%i", "-q", "1",
                    "--io", io, "--duration", "5");
            sub.awaitLine("^1s sub total=2 ", TIMEOUT);
            BenchRunner pub = BenchRunner.start("bench", "mqtt", "pub", "-S", "-h", "127.0.0.1", "-p", tlsPort, "-c", "2",
                    "-i", "1", "-t", "tls/" + io + "/%i", "-I", "5", "-L", "200", "-s", "20000", "-q", "1", "--io", io,
                    "--duration", "30");
            assertEquals(0, pub.await(TIMEOUT), pub.output());
            pub.assertTotals(List.of("pub", "pub_succ"), 200);
            assertEquals(0, sub.await(TIMEOUT), sub.output());
            sub.assertTotals(List.of("recv"), 200);
            sub.assertLatencyLine(200);
        }
    }

    @Test
    void aServerTheCaDidNotSignIsAConnectError() throws InterruptedException {
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-S", "--cacertfile",
                certificates.otherCa().toString(), "-h", "localhost", "-p", tlsPort, "-c", "2", "--io", "nio",
                "--duration", "20");
        assertEquals(1, conn.await(TIMEOUT), conn.output());
        conn.assertTotals(List.of("connect_fail"), 2);
        assertTrue(conn.output().contains("client(1): connect error - "), conn.output());
        BenchRunner plain = BenchRunner.start("bench", "mqtt", "conn", "-S", "-h", "127.0.0.1", "-p", port, "-c", "1",
                "--io", "nio", "--duration", "20");
        assertEquals(1, plain.await(TIMEOUT), plain.output());
        assertTrue(plain.output().contains("client(1): connect error - "), "TLS to a plain listener fails\n"
                + plain.output());
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
        sub.assertCorrectedLatencyLine(100);
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
