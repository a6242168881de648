package dev.isthmus.tools.bench;

import dev.isthmus.core.tls.TlsContext;
import dev.isthmus.tools.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchFlagsTest {
    private static BenchConfig pub(String... args) {
        BenchCommand.Pub pub = new BenchCommand.Pub();
        new CommandLine(pub).parseArgs(args);
        return pub.config();
    }

    private static BenchConfig sub(String... args) {
        BenchCommand.Sub sub = new BenchCommand.Sub();
        new CommandLine(sub).parseArgs(args);
        return sub.config();
    }

    private static BenchConfig conn(String... args) {
        BenchCommand.Conn conn = new BenchCommand.Conn();
        new CommandLine(conn).parseArgs(args);
        return conn.config();
    }

    @Test
    void emqttBenchDefaults() {
        BenchConfig c = pub("-t", "bench/%i");
        assertEquals("localhost", c.host());
        assertEquals(1883, c.port());
        assertEquals(5, c.versionFlag());
        assertEquals(200, c.count());
        assertEquals(0, c.startNumber());
        assertEquals(10_000_000L, c.clientIntervalNanos());
        assertEquals(1_000_000_000L, c.messageIntervalNanos());
        assertEquals(256, c.payload().length);
        assertTrue(c.stampPayload());
        assertEquals(0, c.qos());
        assertEquals(1, c.inflight());
        assertEquals(0, c.limit());
        assertEquals(300, c.keepAlive());
        assertTrue(c.clean());
        assertFalse(c.retain());
        assertEquals(1, c.loops());
        assertEquals("auto", c.io());
        assertEquals(0, c.durationSeconds());
    }

    @Test
    void flagsMeanWhatEmqttBenchMeans() {
        BenchConfig c = pub("-h", "10.0.0.1", "-p", "1884", "-V", "4", "-c", "1000", "-n", "500", "-R", "200",
                "-I", "5", "-t", "a/%s", "-s", "64", "-q", "2", "-r", "-L", "10000", "-F", "0", "-k", "60",
                "-C", "false", "-x", "3600", "-u", "user", "-P", "secret", "--prefix", "x", "--shortids",
                "--loops", "2", "--io", "nio", "--duration", "30");
        assertEquals("10.0.0.1", c.host());
        assertEquals(1884, c.port());
        assertEquals(4, c.versionFlag());
        assertEquals(1000, c.count());
        assertEquals(500, c.startNumber());
        assertEquals(5_000_000L, c.clientIntervalNanos(), "-R 200 overrides -i: 5 ms between connections");
        assertEquals(5_000_000L, c.messageIntervalNanos());
        assertEquals(64, c.payload().length);
        assertEquals(2, c.qos());
        assertTrue(c.retain());
        assertEquals(10000, c.limit());
        assertEquals(0, c.inflight());
        assertEquals(60, c.keepAlive());
        assertFalse(c.clean());
        assertEquals(3600, c.sessionExpiry());
        assertEquals("user", c.userName());
        assertEquals("secret", c.password());
        assertEquals("x", c.clientIdPrefix("host"));
        assertEquals(2, c.loops());
        assertEquals("nio", c.io());
        assertEquals(30, c.durationSeconds());
    }

    @Test
    void messageReplacesTheSizedPayloadAndCarriesNoTimestamp() {
        BenchConfig c = pub("-t", "t", "-m", "hello", "-s", "1000");
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), c.payload());
        assertFalse(c.stampPayload());
        assertFalse(pub("-t", "t", "-s", "7").stampPayload(), "fewer than 8 bytes cannot hold the timestamp");
    }

    @Test
    void subTakesSeveralTopicsAndTheExpectedInterval() {
        BenchConfig c = sub("-t", "a/%i", "-t", "b/#", "-q", "1", "--expected-interval-us", "10000");
        assertEquals(List.of("a/%i", "b/#"), c.topics());
        assertEquals(1, c.qos());
        assertEquals(10000, c.expectedIntervalMicros());
    }

    @Test
    void ifaddrTakesOneOrSeveralIpAddresses() {
        assertEquals(List.of(), conn().localAddresses());
        assertEquals(List.of(InetAddress.ofLiteral("127.0.0.2")), conn("--ifaddr", "127.0.0.2").localAddresses());
        assertEquals(List.of(InetAddress.ofLiteral("127.0.0.2"), InetAddress.ofLiteral("127.0.0.3"),
                InetAddress.ofLiteral("::1")), conn("--ifaddr", "127.0.0.2, 127.0.0.3,::1").localAddresses());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class, () -> conn("--ifaddr", "eth0"));
        assertTrue(name.getMessage().contains("--ifaddr takes IP addresses"), name.getMessage());
    }

    @Test
    void sslMeansTlsWithoutVerificationUnlessACaIsGiven() {
        assertNull(conn().tls(), "plain TCP by default");
        TlsContext tls = conn("-S").tls();
        assertTrue(tls.isClient());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), tls.protocols());
        assertEquals(List.of("TLSv1.2"), conn("--ssl-version", "tlsv1.2").tls().protocols(), "--ssl-version implies -S");
        assertEquals(List.of("TLSv1.3"), conn("-S", "--ssl-version", "tlsv1.3_nocompat").tls().protocols());
        assertNotNull(conn("-S", "--ciphers", "TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").tls());
    }

    @Test
    void tlsMistakesAreRefusedClearly() {
        assertRefused("TLS before 1.2 is broken", "--ssl-version", "tlsv1.1");
        assertRefused("--ssl-version must be", "--ssl-version", "sslv3");
        assertRefused("--signature-algs is not supported", "-S", "--signature-algs", "ecdsa_secp256r1_sha256");
        assertRefused("--keyex-algs is not supported", "-S", "--keyex-algs", "secp256r1");
        assertRefused("need -S", "--cacertfile", "ca.pem");
        assertRefused("--certfile and --keyfile go together", "-S", "--certfile", "client.pem");
        assertRefused("cipher suite ECDHE-RSA-AES128-GCM-SHA256 is not supported", "-S", "--ciphers",
                "ECDHE-RSA-AES128-GCM-SHA256");
        assertRefused("no-such-ca.pem", "-S", "--cacertfile", "no-such-ca.pem");
        assertThrows(IllegalArgumentException.class, () -> conn("-V", "6"));
        assertThrows(IllegalArgumentException.class, () -> pub("-t", "t", "-q", "3"));
    }

    private static void assertRefused(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conn(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void mistakesAreOneLineAndStatusTwoThroughTheCli() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int status = cli.execute("bench", "mqtt", "conn", "--ssl-version", "tlsv1");
        assertEquals(Main.EXIT_INVALID, status);
        assertTrue(err.toString().contains("isthmus: --ssl-version tlsv1 is not supported"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(Main.EXIT_INVALID, cli.execute("bench", "mqtt", "pub", "-c", "1"));
        assertTrue(err.toString().contains("--topic"), err.toString());
    }

    @Test
    void clientIdsFollowEmqttBench() {
        BenchConfig plain = conn();
        String prefix = plain.clientIdPrefix("myhost");
        assertTrue(prefix.matches("myhost_bench_conn_\\d+_"), prefix);
        assertEquals("p_bench_conn_", conn("--prefix", "p").clientIdPrefix("myhost"));
        assertEquals("", conn("--shortids").clientIdPrefix("myhost"));
        assertEquals("p", conn("--shortids", "--prefix", "p").clientIdPrefix("myhost"));
    }

    @Test
    void topicVariablesAreWholeLevels() {
        TopicTemplate t = new TopicTemplate("bench/%i/%c/%u/dev%i/%s");
        assertTrue(t.perMessage());
        String client = t.expandClient(7, "cid_7", "bob");
        assertEquals("bench/7/cid_7/bob/dev%i/%s", client);
        assertEquals("bench/7/cid_7/bob/dev%i/42", TopicTemplate.expandMessage(client, 42));
        assertEquals("x/%u", new TopicTemplate("x/%u").expandClient(1, "c", null), "%u stays without a user name");
        assertFalse(new TopicTemplate("a/b").perMessage());

        TopicTemplate.MessageTopic m = new TopicTemplate.MessageTopic("a/%s/b");
        m.set(12345);
        assertEquals("a/12345/b", new String(m.buffer, 0, m.length, StandardCharsets.UTF_8));
        m.set(9);
        assertEquals("a/9/b", new String(m.buffer, 0, m.length, StandardCharsets.UTF_8));
    }

    @Test
    void elapsedTimeIsWrittenLikeEmqttBench() {
        assertEquals("1s", StatsPrinter.formatElapsed(1));
        assertEquals("59s", StatsPrinter.formatElapsed(59));
        assertEquals("1m0s", StatsPrinter.formatElapsed(60));
        assertEquals("1h0m5s", StatsPrinter.formatElapsed(3605));
        assertEquals("1d0h0m0s", StatsPrinter.formatElapsed(86400));
    }
}
