package dev.isthmus.tools;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.TestCertificates;
import dev.isthmus.core.tls.TlsContext;
import dev.isthmus.core.transport.nio.NioTransport;
import dev.isthmus.protocol.mqtt.MqttBrokerService;
import dev.isthmus.protocol.mqtt.MqttSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Where Conscrypt's native library cannot load (here: a JVM that refuses native access, so its
 * JNI library is refused like io_uring's downcalls), TLS still works on the JDK's provider,
 * said in one log line: {@code isthmus bench mqtt conn -S} in such a process against the
 * embedded broker behind a TLS listener.
 */
class TlsProviderFallbackTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static TestCertificates certificates;
    private static Server broker;

    @BeforeAll
    static void startBroker() throws Exception {
        certificates = TestCertificates.create();
        TlsContext tls = TlsContext.server(certificates.serverCertificate(), certificates.serverKey()).build();
        broker = Server.builder().threads(1).transport(NioTransport.INSTANCE)
                .listen("mqtts", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), tls,
                        new MqttBrokerService(MqttSettings.DEFAULT, new MetricRegistry(1), "mqtt"))
                .build().start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.shutdown(Duration.ofSeconds(2));
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    @Test
    void withoutNativeAccessTlsRunsOnTheJdkProvider() throws Exception {
        String port = Integer.toString(broker.boundAddress("mqtts").getPort());
        // Long enough for the JDK's handshake code to run interpreted (the launcher's flags compile with C2 only).
        try (ChildJvm bench = ChildJvm.isthmusWithoutNativeAccess("bench", "mqtt", "conn", "-S", "--cacertfile",
                certificates.ca().toString(), "-h", "localhost", "-p", port, "-c", "2", "--duration", "60")) {
            bench.await(Pattern.compile("WARN +TlsProvider: Conscrypt is unavailable \\(.*\\); TLS uses the JDK's "
                    + "provider$"), ChildJvm.STARTUP);
            bench.await(Pattern.compile("connect_succ total=2 "), ChildJvm.STARTUP);
            bench.terminate();
            assertEquals(128 + 15, bench.awaitExit(DEADLINE), "ended by the SIGTERM, as a JVM is\n" + bench.output());
            String output = bench.output();
            assertEquals(1, output.lines().filter(line -> line.contains("Conscrypt")).count(),
                    "the fallback is said once\n" + output);
            assertFalse(output.contains("connect_fail"), output);
        }
    }
}
