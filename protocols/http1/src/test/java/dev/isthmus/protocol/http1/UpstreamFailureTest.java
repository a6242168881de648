package dev.isthmus.protocol.http1;

import static dev.isthmus.protocol.http1.TestProxy.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.protocol.http1.codec.HeadLimits;

/**
 * Upstreams that fail: 502 when one refuses, resets, answers garbage or cuts a body short;
 * 503 at once when no peer is usable, and when the per-peer connection limit keeps a request
 * waiting; 504 when connecting or answering takes too long. Each time the client gets the
 * exact status line (or, once a response has started, a cut connection) and the proxy goes
 * on serving.
 */
class UpstreamFailureTest {
    private static final Duration CONNECT = Duration.ofMillis(300);
    private static final Duration RESPONSE = Duration.ofMillis(300);
    private static final HttpProxySettings SETTINGS = new HttpProxySettings(HeadLimits.DEFAULT, 0,
            Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5), CONNECT, Duration.ofSeconds(5),
            Duration.ofMillis(500), HttpProxySettings.DEFAULT_SPLICE_THRESHOLD);

    private TestOrigin origin;
    private TestProxy proxy;

    @BeforeEach
    void startOrigin() throws IOException {
        origin = new TestOrigin();
    }

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        origin.close();
    }

    /** "/" goes to the live origin, {@code prefix} to {@code group}. */
    private void start(HttpProxySettings settings, String prefix, UpstreamGroup group) throws IOException {
        proxy = TestProxy.routing(settings, 1,
                List.of(route(prefix, group), route("/", TestProxy.group(origin.address()))));
    }

    // ---------------------------------------------------------------- 502

    @Test
    void refusedConnectGets502AndTheClientConnectionStaysUsable() throws IOException {
        start(SETTINGS, "/refused", TestProxy.group(TestProxy.deadAddress()));
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/refused");
            assertNotNull(response);
            assertEquals("HTTP/1.1 502 Bad Gateway", response.statusLine());
            assertEquals(1, proxy.connectFailures());
            // The request was read completely, so the client connection survives the upstream's failure.
            assertGood(client.get("/good"));
        }
        assertEquals(List.of("/good"), origin.targets());
    }

    @Test
    void upstreamResetGets502() throws IOException {
        start(SETTINGS, "/none", TestProxy.group(origin.address()));
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/reset");
            assertNotNull(response, "the client got no response when the upstream reset the connection");
            assertEquals("HTTP/1.1 502 Bad Gateway", response.statusLine());
        }
        assertServesAGoodRequest();
    }

    @Test
    void upstreamGarbageGets502() throws IOException {
        start(SETTINGS, "/none", TestProxy.group(origin.address()));
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/garbage");
            assertNotNull(response, "the client got no response to an upstream's garbage");
            assertEquals("HTTP/1.1 502 Bad Gateway", response.statusLine());
        }
        assertServesAGoodRequest();
    }

    /** The head went out already, so there is no 502 to give: the client connection is cut instead. */
    @Test
    void upstreamClosingMidBodyCutsTheClientConnection() throws IOException {
        start(SETTINGS, "/none", TestProxy.group(origin.address()));
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/short/1000");
            assertNotNull(response);
            assertEquals("HTTP/1.1 200 OK", response.statusLine());
            assertEquals("1000", response.field("content-length"));
            assertTrue(response.truncated(), "a body cut short upstream arrived whole");
            assertTrue(client.endsWithoutData());
        }
        assertServesAGoodRequest();
        assertEquals(2, origin.connections(), "the broken upstream connection was reused");
        assertEquals(2, proxy.upstreamConnectionsOpened());
    }

    // ---------------------------------------------------------------- 503

    @Test
    void everyPeerDownByTheActiveCheckAnswers503WithoutConnecting() throws IOException {
        UpstreamGroup down = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null,
                new ActiveCheck(ActiveCheck.Kind.TCP, null, 200, Duration.ofMillis(50), Duration.ofMillis(200), 1, 1),
                PassiveCheck.OFF, 1, PoolSettings.DEFAULT, null, TestProxy.deadAddress(), TestProxy.deadAddress());
        start(SETTINGS, "/down", down);
        TestProxy.await("the active check marks both peers down",
                () -> down.peers().stream().noneMatch(Peer::isActiveHealthy));
        try (RawClient client = proxy.raw()) {
            assertEquals("HTTP/1.1 503 Service Unavailable", client.get("/down").statusLine());
            assertGood(client.get("/good"));
        }
        assertEquals(0, proxy.connectFailures());
        assertEquals(1, proxy.upstreamConnectionsOpened(), "only the good request may connect");
    }

    @Test
    void peerFailingItsHttpHealthCheckGetsNoTraffic() throws IOException {
        TestOrigin sick = new TestOrigin();
        try (sick) {
            sick.healthStatus = 500;
            UpstreamGroup group = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null,
                    new ActiveCheck(ActiveCheck.Kind.HTTP, "/health", 200, Duration.ofMillis(50), Duration.ofMillis(500), 1, 2),
                    PassiveCheck.OFF, 0, PoolSettings.DEFAULT, null, sick.address());
            start(SETTINGS, "/sick", group);
            TestProxy.await("the HTTP check marks the peer down", () -> !group.peers().get(0).isActiveHealthy());
            try (RawClient client = proxy.raw()) {
                assertEquals("HTTP/1.1 503 Service Unavailable", client.get("/sick").statusLine());
                assertGood(client.get("/good"));
            }
            assertTrue(sick.requests.stream().allMatch(r -> r.target().equals("/health")),
                    "a down peer received traffic: " + sick.requests);
        }
    }

    @Test
    void everyPeerEjectedByPassiveHealthAnswers503WithoutConnecting() throws IOException {
        UpstreamGroup group = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null, null,
                new PassiveCheck(1, Duration.ofSeconds(60)), 1, PoolSettings.DEFAULT, null,
                TestProxy.deadAddress(), TestProxy.deadAddress());
        start(SETTINGS, "/ejected", group);
        try (RawClient client = proxy.raw()) {
            // Both peers refuse (the first try and the one retry): 502, and each is ejected.
            assertEquals("HTTP/1.1 502 Bad Gateway", client.get("/ejected").statusLine());
            assertEquals(2, proxy.connectFailures());
            long now = System.nanoTime();
            assertTrue(group.peers().stream().allMatch(p -> p.isEjected(now)), "both peers should be ejected");
            assertEquals("HTTP/1.1 503 Service Unavailable", client.get("/ejected").statusLine());
            assertEquals(2, proxy.connectFailures(), "an ejected peer was tried");
            assertGood(client.get("/good"));
        }
        assertEquals(List.of("/good"), origin.targets());
    }

    @Test
    void peerEjectedAfterBrokenResponsesGetsNoMoreConnections() throws IOException {
        TestOrigin breaking = new TestOrigin();
        try (breaking) {
            UpstreamGroup group = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null, null,
                    new PassiveCheck(2, Duration.ofSeconds(60)), 0, PoolSettings.DEFAULT, null, breaking.address());
            start(SETTINGS, "/reset", group);
            try (RawClient client = proxy.raw()) {
                assertEquals("HTTP/1.1 502 Bad Gateway", client.get("/reset").statusLine());
            }
            try (RawClient client = proxy.raw()) {
                assertEquals("HTTP/1.1 502 Bad Gateway", client.get("/reset").statusLine());
            }
            // Broken responses count against the peer in logging, which may follow the 502 on the wire.
            TestProxy.await("the peer is ejected", () -> group.peers().get(0).isEjected(System.nanoTime()));
            int connections = breaking.connections();
            try (RawClient client = proxy.raw()) {
                assertEquals("HTTP/1.1 503 Service Unavailable", client.get("/reset").statusLine());
            }
            assertEquals(connections, breaking.connections(), "an ejected peer was connected to");
        }
        assertServesAGoodRequest();
    }

    /**
     * One connection per peer: while it serves a held request, the next request waits for it
     * and gives up after the connect timeout with 503, without reaching the origin.
     */
    @Test
    void waitingLongerThanTheConnectTimeoutAtTheConnectionLimitGets503() throws IOException {
        UpstreamGroup limited = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null, null, PassiveCheck.OFF, 0,
                new PoolSettings(8, Duration.ofSeconds(60), 1), null, origin.address());
        proxy = TestProxy.routing(SETTINGS, 1, limited);
        try (RawClient held = proxy.raw(); RawClient queued = proxy.raw()) {
            held.send("GET /gate HTTP/1.1\r\nHost: a\r\n\r\n");
            TestProxy.await("the origin holds /gate", () -> origin.targets().contains("/gate"));
            RawClient.Response refused = queued.get("/queued");
            assertNotNull(refused);
            assertEquals("HTTP/1.1 503 Service Unavailable", refused.statusLine());
            origin.gate.countDown();
            RawClient.Response released = held.readOrNull();
            assertNotNull(released);
            assertEquals("HTTP/1.1 200 OK", released.statusLine());
            assertEquals("gate\n", released.text());
            // The slot is free again: the refused client's connection serves its next request.
            assertGood(queued.get("/good"));
        }
        assertEquals(List.of("/gate", "/good"), origin.targets());
        assertEquals(1, proxy.upstreamConnectionsOpened(), "the limit of one connection was exceeded");
    }

    // ---------------------------------------------------------------- 504

    @Test
    void upstreamSilentPastTheResponseTimeoutGets504() throws IOException {
        HttpProxySettings settings = SETTINGS.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(5), CONNECT, RESPONSE);
        start(settings, "/none", TestProxy.group(origin.address()));
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/slow/3000");
            assertNotNull(response);
            assertEquals("HTTP/1.1 504 Gateway Timeout", response.statusLine());
            assertGood(client.get("/good"));
        }
        assertEquals(2, origin.connections(), "the timed-out upstream connection was reused");
    }

    @Test
    void connectThatHangsPastTheConnectTimeoutGets504() throws IOException {
        try (TestProxy.Blackhole hole = new TestProxy.Blackhole()) {
            start(SETTINGS, "/hang", TestProxy.group(hole.address()));
            try (RawClient client = proxy.raw()) {
                RawClient.Response response = client.get("/hang");
                assertNotNull(response);
                assertEquals("HTTP/1.1 504 Gateway Timeout", response.statusLine());
                assertEquals(1, proxy.connectFailures());
                assertGood(client.get("/good"));
            }
        }
        assertEquals(List.of("/good"), origin.targets());
    }

    // ---------------------------------------------------------------- helpers

    private static void assertGood(RawClient.Response response) {
        assertNotNull(response, "no response to a good request");
        assertEquals("HTTP/1.1 200 OK", response.statusLine());
        assertEquals("ok\n", response.text());
        assertFalse(response.truncated());
    }

    private void assertServesAGoodRequest() throws IOException {
        try (RawClient client = proxy.raw()) {
            assertGood(client.get("/good"));
        }
    }
}
