package dev.isthmus.tools.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.isthmus.core.testing.MosquittoProcess;
import dev.isthmus.core.testing.TestCertificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The load tool against a real mosquitto: QoS 2 over 3.1.1, a 3.1 CONNECT, TLS (mosquitto's
 * OpenSSL against our client side, server verification and client certificates) and source
 * addresses as mosquitto logs them. Fails (not skips) without mosquitto or openssl.
 */
class MqttBenchMosquittoTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static TestCertificates certificates;
    private static MosquittoProcess mosquitto;
    private static String port;
    private static String tlsPort;
    private static String mutualTlsPort;

    @BeforeAll
    static void startMosquitto() throws Exception {
        certificates = TestCertificates.create();
        int tls = freePort();
        int mutual = freePort();
        String files = "cafile " + certificates.ca() + "\ncertfile " + certificates.serverCertificate()
                + "\nkeyfile " + certificates.serverKey() + "\n";
        mosquitto = MosquittoProcess.start("listener " + tls + " 127.0.0.1\n" + files
                + "listener " + mutual + " 127.0.0.1\n" + files + "require_certificate true\n");
        port = Integer.toString(mosquitto.port());
        tlsPort = Integer.toString(tls);
        mutualTlsPort = Integer.toString(mutual);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    @AfterAll
    static void stopMosquitto() throws Exception {
        if (mosquitto != null) {
            mosquitto.close();
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    @Test
    void pubAndSubOverTlsVerifyingMosquitto() throws InterruptedException {
        BenchRunner sub = BenchRunner.start("bench", "mqtt", "sub", "-S", "--cacertfile", certificates.ca().toString(),
                "-h", "localhost", "-p", tlsPort, "-c", "2", "-i", "1", "-t", "tls/%i", "-q", "1", "--duration", "5");
        sub.awaitLine("^1s sub total=2 ", TIMEOUT);
        BenchRunner pub = BenchRunner.start("bench", "mqtt", "pub", "--ssl-version", "tlsv1.2", "--cacertfile",
                certificates.ca().toString(), "-h", "127.0.0.1", "-p", tlsPort, "-c", "2", "-i", "1", "-t", "tls/%i",
                "-I", "10", "-L", "100", "-s", "3000", "-q", "1", "-F", "4", "--duration", "30");
        assertEquals(0, pub.await(TIMEOUT), pub.output());
        pub.assertTotals(List.of("pub", "pub_succ"), 100);
        assertEquals(0, sub.await(TIMEOUT), sub.output());
        sub.assertTotals(List.of("recv"), 100);
        sub.assertLatencyLine(100);
        assertFalse(mosquitto.log().contains("OpenSSL Error"), mosquitto.log());
    }

    @Test
    void clientCertificatesWhereMosquittoRequiresThem() throws InterruptedException {
        BenchRunner with = BenchRunner.start("bench", "mqtt", "conn", "-S", "--certfile",
                certificates.clientCertificate().toString(), "--keyfile", certificates.clientKey().toString(),
                "-h", "127.0.0.1", "-p", mutualTlsPort, "-c", "3", "-R", "100", "--duration", "2");
        assertEquals(0, with.await(TIMEOUT), with.output());
        with.assertTotals(List.of("connect_succ"), 3);
        BenchRunner without = BenchRunner.start("bench", "mqtt", "conn", "-S", "-h", "127.0.0.1", "-p", mutualTlsPort,
                "-c", "2", "--duration", "20");
        assertEquals(1, without.await(TIMEOUT), without.output());
        without.assertTotals(List.of("connect_fail"), 2);
    }

    @Test
    void connectionsToMosquittoComeFromTheIfaddrAddresses() throws Exception {
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", port, "-c", "4",
                "-R", "100", "--ifaddr", "127.0.0.2,127.0.0.3", "--prefix", "ifaddr", "--duration", "6");
        conn.awaitLine("connect_succ total=4 ", TIMEOUT);
        // The kernel's own table of established connections (mosquitto's stdout log is flushed too late to read).
        Map<String, Long> sources = establishedSourcesTo(mosquitto.port());
        assertEquals(0, conn.await(TIMEOUT), conn.output());
        assertEquals(Map.of("127.0.0.2", 2L, "127.0.0.3", 2L), sources, conn.output());
    }

    /** Source address -> established connections to 127.0.0.1:{@code port}, from /proc/net/tcp. */
    private static Map<String, Long> establishedSourcesTo(int port) throws IOException {
        Map<String, Long> sources = new TreeMap<>();
        List<String> table = Files.readAllLines(Path.of("/proc/net/tcp"));
        for (String line : table.subList(1, table.size())) {
            String[] fields = line.trim().split("\\s+");
            String[] local = fields[1].split(":");
            String[] remote = fields[2].split(":");
            if (fields[3].equals("01") && Integer.parseInt(remote[1], 16) == port && remote[0].equals("0100007F")) {
                int ip = Integer.reverseBytes((int) Long.parseLong(local[0], 16));
                String source = (ip >>> 24) + "." + (ip >>> 16 & 0xff) + "." + (ip >>> 8 & 0xff) + "." + (ip & 0xff);
                sources.merge(source, 1L, Long::sum);
            }
        }
        return sources;
    }

    @Test
    void qos2Over311() throws InterruptedException {
        BenchRunner sub = BenchRunner.start("bench", "mqtt", "sub", "-h", "127.0.0.1", "-p", port, "-c", "2",
                "-i", "1", "-t", "m/%i", "-q", "2", "-V", "4", "--duration", "5");
        sub.awaitLine("^1s sub total=2 ", TIMEOUT);
        BenchRunner pub = BenchRunner.start("bench", "mqtt", "pub", "-h", "127.0.0.1", "-p", port, "-c", "2",
                "-i", "1", "-t", "m/%i", "-I", "10", "-L", "100", "-q", "2", "-F", "4", "-V", "4", "--duration", "30");
        assertEquals(0, pub.await(TIMEOUT), pub.output());
        pub.assertTotals(List.of("pub", "pub_succ"), 100);
        assertEquals(0, sub.await(TIMEOUT), sub.output());
        sub.assertTotals(List.of("recv"), 100);
        sub.assertLatencyLine(100);
    }

    @Test
    void mqtt31Connect() throws InterruptedException {
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", port, "-c", "3",
                "-V", "3", "--shortids", "--prefix", "c31-", "--duration", "2");
        assertEquals(0, conn.await(TIMEOUT), conn.output());
        conn.assertTotals(List.of("connect_succ"), 3);
    }
}
