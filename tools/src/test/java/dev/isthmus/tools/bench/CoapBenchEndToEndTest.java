package dev.isthmus.tools.bench;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.nio.NioTransport;
import dev.isthmus.protocol.coap.CoapResource;
import dev.isthmus.protocol.coap.CoapResources;
import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.CoapService;
import dev.isthmus.protocol.coap.CoapSettings;
import dev.isthmus.tools.GatewayCoapResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CoAP load tool against the Isthmus CoAP endpoint in-process, serving the gateway's own
 * resources ({@code /status}, {@code /telemetry}) and a {@code /slow} one that answers
 * separately: what the tool counts is what the server saw, and every request it sent is
 * answered, timed out or reset.
 */
class CoapBenchEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String LISTENER = "coap";
    private static MetricRegistry metrics;
    private static Server server;
    private static String port;

    @BeforeAll
    static void startServer() throws IOException {
        List<CoapResource> resources = new ArrayList<>(GatewayCoapResources.all());
        resources.add(CoapResource.at("/slow").handler((request, exchange) -> exchange.loop().timers().schedule(
                Timer.calling(now -> exchange.respond(CoapResponse.content("late"))),
                exchange.loop().now() + TimeUnit.MILLISECONDS.toNanos(100))).build());
        // The response of /slow comes after the piggyback window: an empty ACK first, then a CON of its own.
        // A CON not acknowledged within 500 ms is sent again (and counted).
        CoapSettings settings = new CoapSettings(Duration.ofMillis(500), 1.5, 4, 100_000, 1024, 1 << 20,
                Duration.ofMillis(20));
        metrics = new MetricRegistry(1);
        server = Server.builder().threads(1).transport(NioTransport.INSTANCE)
                .listenDatagram(LISTENER, new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0),
                        new CoapService(new CoapResources(resources), settings, metrics, LISTENER))
                .build().start();
        port = Integer.toString(server.boundAddress(LISTENER).getPort());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(2));
        }
    }

    /** A counter of the server's metrics, summed over its label sets. */
    private static long metric(String name) {
        long sum = 0;
        for (String line : metrics.scrape().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static BenchRunner coap(String... args) {
        List<String> all = new ArrayList<>(List.of("bench", "coap"));
        all.addAll(List.of(args));
        return BenchRunner.start(all.toArray(new String[0]));
    }

    private static void assertCounts(BenchRunner run, long sent, long recv, long ok, long error) {
        Map<String, String> s = run.summary();
        assertEquals(sent, Long.parseLong(s.get("sent")), "sent\n" + run.output());
        assertEquals(recv, Long.parseLong(s.get("recv")), "recv\n" + run.output());
        assertEquals(ok, Long.parseLong(s.get("ok")), "ok\n" + run.output());
        assertEquals(error, Long.parseLong(s.get("error")), "error\n" + run.output());
        assertEquals(Long.parseLong(s.get("sent")), Long.parseLong(s.get("recv")) + Long.parseLong(s.get("timeout"))
                + Long.parseLong(s.get("rst")), "every request answered, timed out or reset\n" + run.output());
    }

    @Test
    void closedLoopGetOfStatus() throws InterruptedException {
        long before = metric("isthmus_coap_requests_total");
        BenchRunner get = coap("get", "-h", "127.0.0.1", "-p", port, "--path", "/status", "-c", "4",
                "--outstanding", "2", "-N", "400");
        assertEquals(0, get.await(TIMEOUT), get.output());
        assertCounts(get, 400, 400, 400, 0);
        assertEquals(400, get.lastTotal("sent"), get.output());
        assertEquals(400, get.lastTotal("recv"), get.output());
        assertEquals(400, get.summaryValue("req_n"), "a latency for every 2.xx response");
        assertEquals(400, metric("isthmus_coap_requests_total") - before, "the server executed each request once");
        assertTrue(get.output().contains("\ncoap get /status CON: 4 clients; 400 responses in "), get.output());
    }

    @Test
    void nonConfirmableRequests() throws InterruptedException {
        BenchRunner get = coap("get", "-h", "127.0.0.1", "-p", port, "--path", "/status", "-c", "2", "--non",
                "-N", "200", "--timeout", "5");
        assertEquals(0, get.await(TIMEOUT), get.output());
        assertCounts(get, 200, 200, 200, 0);
        assertEquals("NON", get.summary().get("type"));
    }

    @Test
    void errorResponsesAreCountedApart() throws InterruptedException {
        BenchRunner missing = coap("get", "-h", "127.0.0.1", "-p", port, "--path", "/nothing", "-c", "2", "-N", "50");
        assertEquals(0, missing.await(TIMEOUT), missing.output());
        assertCounts(missing, 50, 50, 0, 50);
        assertTrue(missing.output().contains("error response 4.04"), missing.output());
        assertEquals(0, missing.summaryValue("req_n"), "errors have no latency");
        BenchRunner put = coap("put", "-h", "127.0.0.1", "-p", port, "--path", "/status", "-c", "1", "-N", "10");
        assertEquals(0, put.await(TIMEOUT), put.output());
        assertCounts(put, 10, 10, 0, 10);
        assertTrue(put.output().contains("error response 4.05 \"GET only\""), put.output());
    }

    @Test
    void separateResponsesAreAcknowledged() throws InterruptedException {
        long retransmitted = metric("isthmus_coap_retransmissions_total");
        BenchRunner slow = coap("get", "-h", "127.0.0.1", "-p", port, "--path", "/slow", "-c", "2", "-N", "10");
        assertEquals(0, slow.await(TIMEOUT), slow.output());
        assertCounts(slow, 10, 10, 10, 0);
        assertEquals(0, slow.summaryValue("retrans"), "the empty ACK stopped the retransmissions\n" + slow.output());
        // Unacknowledged, the server would send each separate response again after 500 to 750 ms.
        Thread.sleep(1_500);
        assertEquals(retransmitted, metric("isthmus_coap_retransmissions_total"), "every separate response was ACKed");
    }

    @Test
    void openLoopAtAFixedRate() throws InterruptedException {
        BenchRunner put = coap("post", "-h", "127.0.0.1", "-p", port, "--path", "/telemetry", "-c", "4", "-R", "400",
                "-N", "200", "-s", "32");
        assertEquals(0, put.await(TIMEOUT), put.output());
        assertCounts(put, 200, 200, 200, 0);
        assertEquals("400.00", put.summary().get("target_rate"));
        assertEquals(256, put.summaryValue("outstanding"));
    }

    @Test
    void durationEndsTheRun() throws InterruptedException {
        BenchRunner get = coap("get", "-h", "127.0.0.1", "-p", port, "--path", "/status", "-c", "2", "-d", "2");
        assertEquals(0, get.await(TIMEOUT), get.output());
        Map<String, String> s = get.summary();
        assertTrue(Long.parseLong(s.get("recv")) > 0, get.output());
        assertEquals(0, Long.parseLong(s.get("timeout")), get.output());
        assertTrue(get.lastTotal("recv") > 0, get.output());
    }

    @Test
    void retransmissionsThroughALossyPath() throws Exception {
        try (DroppingRelay relay = new DroppingRelay(server.boundAddress(LISTENER), 5)) {
            String relayPort = Integer.toString(relay.port());
            BenchRunner con = coap("get", "-h", "127.0.0.1", "-p", relayPort, "--path", "/status", "-c", "1",
                    "-N", "60", "--ack-timeout", "0.05", "--max-retransmit", "8");
            assertEquals(0, con.await(TIMEOUT), con.output());
            assertCounts(con, 60, 60, 60, 0);
            assertEquals(0, con.summaryValue("timeout"), con.output());
            assertTrue(con.summaryValue("retrans") > 0, con.output());
            assertTrue(relay.dropped.get() > 0);

            BenchRunner non = coap("get", "-h", "127.0.0.1", "-p", relayPort, "--path", "/status", "-c", "1",
                    "-N", "30", "--non", "--timeout", "0.3");
            assertEquals(0, non.await(TIMEOUT), non.output());
            Map<String, String> s = non.summary();
            long timeouts = Long.parseLong(s.get("timeout"));
            assertTrue(timeouts > 0, "a lost NON is not sent again\n" + non.output());
            assertEquals(30, Long.parseLong(s.get("recv")) + timeouts, non.output());
            assertEquals(0, Long.parseLong(s.get("retrans")), non.output());
        }
    }

    @Test
    void observeTheTelemetrySink() throws InterruptedException {
        BenchRunner observe = coap("observe", "-h", "127.0.0.1", "-p", port, "--path", "/telemetry", "-c", "3",
                "--publishers", "1", "-R", "200", "-N", "200");
        assertEquals(0, observe.await(TIMEOUT), observe.output());
        Map<String, String> s = observe.summary();
        assertEquals(3, Long.parseLong(s.get("observe")), observe.output());
        assertEquals(200, Long.parseLong(s.get("sent")), observe.output());
        assertEquals(200, Long.parseLong(s.get("ok")), observe.output());
        // Every 20th notification is CON, and the next waits for its ACK: unacknowledged, each observer
        // would get about 20. Acknowledged, each gets about one per PUT.
        long notifications = Long.parseLong(s.get("notify"));
        assertTrue(notifications >= 3 * 40 && notifications <= 3 * 200, observe.output());
        assertEquals(notifications, Long.parseLong(s.get("notify_n")), "each notification carried its send time");
        assertEquals(s.get("notify_rate"), s.get("rate"));
        assertTrue(observe.output().contains("\nnotify latency p50="), observe.output());
        // At the end the observers deregister: the server holds no relation.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (metric("isthmus_coap_observers") != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, metric("isthmus_coap_observers"), observe.output());
    }

    @Test
    void observingWhatIsNotObservable() throws InterruptedException {
        BenchRunner observe = coap("observe", "-h", "127.0.0.1", "-p", port, "--path", "/status", "-c", "2",
                "-N", "10");
        assertEquals(1, observe.await(TIMEOUT), observe.output());
        assertEquals(2, observe.summaryValue("observe_fail"));
        assertEquals(0, observe.summaryValue("sent"), "nothing to measure: no PUT is sent");
        assertTrue(observe.output().contains("2.05 without Observe: the resource is not observable"), observe.output());
    }

    /** A UDP relay between one client and the server that drops every {@code nth} datagram each way. */
    private static final class DroppingRelay implements AutoCloseable {
        private final DatagramSocket front;
        private final DatagramSocket back;
        private final SocketAddress server;
        private final int nth;
        private final AtomicLong passed = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        private volatile SocketAddress client;
        private final Thread up;
        private final Thread down;

        DroppingRelay(SocketAddress server, int nth) throws IOException {
            this.server = server;
            this.nth = nth;
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            front = new DatagramSocket(0, loopback);
            back = new DatagramSocket(0, loopback);
            up = Thread.ofPlatform().daemon().start(() -> pump(front, back, true));
            down = Thread.ofPlatform().daemon().start(() -> pump(back, front, false));
        }

        int port() {
            return front.getLocalPort();
        }

        private void pump(DatagramSocket from, DatagramSocket to, boolean upstream) {
            byte[] buffer = new byte[65_536];
            try {
                while (true) {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    from.receive(packet);
                    if (upstream) {
                        client = packet.getSocketAddress();
                    }
                    if (passed.incrementAndGet() % nth == 0) {
                        dropped.incrementAndGet();
                        continue;
                    }
                    to.send(new DatagramPacket(packet.getData(), packet.getLength(), upstream ? server : client));
                }
            } catch (SocketException closed) {
                // the relay was closed
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            front.close();
            back.close();
            up.join();
            down.join();
        }
    }
}
