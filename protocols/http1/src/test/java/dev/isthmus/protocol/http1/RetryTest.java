package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.health.PassiveCheck;

/**
 * Retries: a dead peer next to a live one costs the client nothing and is ejected after
 * max-fails failures, after which it is not even tried; a pooled connection the origin closed
 * just before reuse is replaced transparently for a request without a body.
 */
class RetryTest {
    private TestOrigin origin;
    private TestProxy proxy;
    private HttpClient http;

    @BeforeEach
    void start() throws IOException {
        origin = new TestOrigin();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        if (proxy != null) {
            proxy.close();
        }
        origin.close();
    }

    @Test
    void deadPeerIsRetriedOnTheLiveOneThenEjectedAndNoLongerTried() throws Exception {
        int maxFails = 2;
        UpstreamGroup group = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null, null,
                new PassiveCheck(maxFails, Duration.ofSeconds(60)), 1, PoolSettings.DEFAULT, null,
                TestProxy.deadAddress(), origin.address());
        Peer dead = group.peers().get(0);
        proxy = TestProxy.routing(TestProxy.SHORT, group);

        int sent = 0;
        while (!dead.isEjected(System.nanoTime())) {
            assertTrue(sent < 20, "the dead peer was never ejected; connect failures: " + proxy.connectFailures());
            assertOk(get("/echo?n=" + sent++));
        }
        assertEquals(maxFails, proxy.connectFailures(), "failures before the ejection");
        for (int i = 0; i < 20; i++) {
            assertOk(get("/echo?n=" + sent++));
        }
        assertEquals(maxFails, proxy.connectFailures(), "the ejected peer was tried again");
        assertEquals(sent, origin.requests.size(), "every request reached the live origin exactly once");
        int total = sent;
        // The count is updated when the exchange ends, just after the last response went out.
        TestProxy.await("every request is counted as 2xx",
                () -> proxy.metric("isthmus_http_requests_total{listener=\"http\",code=\"2xx\"}") == total);
    }

    /**
     * The origin answers /stale for keep-alive, then closes the connection when the next request
     * arrives on it, without answering: the proxy sends that request again on a new connection.
     */
    @Test
    void requestOnAStalePooledConnectionIsSentAgainOnAFreshOne() throws IOException {
        proxy = TestProxy.start(TestProxy.SHORT, 1, origin.address());
        try (RawClient client = proxy.raw()) {
            RawClient.Response first = client.get("/stale");
            assertEquals("HTTP/1.1 200 OK", first.statusLine());
            assertEquals("stale\n", first.text());
            TestProxy.await("the proxy pools the connection", () -> proxy.metric(
                    "isthmus_http_requests_total{listener=\"http\",code=\"2xx\"}") == 1);
            RawClient.Response second = client.get("/echo");
            assertNotNull(second, "no answer after the pooled connection died");
            assertEquals("HTTP/1.1 200 OK", second.statusLine());
            assertTrue(second.text().startsWith("GET /echo\n"), second.text());
        }
        assertEquals(List.of("/stale", "/echo"), origin.targets());
        assertEquals(2, origin.connections());
        assertEquals(2, proxy.upstreamConnectionsOpened());
        assertEquals(0, proxy.connectFailures());
    }

    /** A request with a body is not replayed (its body is gone): the client gets 502 instead. */
    @Test
    void requestWithABodyOnAStaleConnectionIsNotReplayed() throws IOException {
        proxy = TestProxy.start(TestProxy.SHORT, 1, origin.address());
        try (RawClient client = proxy.raw()) {
            assertEquals("HTTP/1.1 200 OK", client.get("/stale").statusLine());
            RawClient.Response second = client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").readOrNull();
            assertNotNull(second);
            assertEquals("HTTP/1.1 502 Bad Gateway", second.statusLine());
        }
        assertEquals(List.of("/stale"), origin.targets());
        try (RawClient client = proxy.raw()) {
            assertEquals("HTTP/1.1 200 OK", client.get("/good").statusLine());
        }
    }

    /**
     * The origin frames each response for keep-alive and closes right after it: the proxy
     * either sees the close while the connection is idle or loses the race and retries; the
     * client never notices.
     */
    @Test
    void originClosingAfterEveryResponseNeverFailsAGet() throws IOException {
        proxy = TestProxy.start(TestProxy.SHORT, 1, origin.address());
        try (RawClient client = proxy.raw()) {
            for (int i = 0; i < 50; i++) {
                RawClient.Response response = client.get("/fin");
                assertNotNull(response, "request " + i + " got no answer");
                assertEquals("HTTP/1.1 200 OK", response.statusLine(), "request " + i);
                assertEquals("fin\n", response.text());
            }
        }
        assertEquals(50, origin.connections());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(proxy.uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertOk(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        assertFalse(response.body().isEmpty());
    }
}
