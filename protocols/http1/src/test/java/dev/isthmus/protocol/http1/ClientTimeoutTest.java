package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.protocol.http1.codec.HeadLimits;

/** Clients that are too slow: a stalled head gets 408, an idle keep-alive connection is closed silently. */
class ClientTimeoutTest {
    private static final HttpProxySettings SETTINGS = new HttpProxySettings(HeadLimits.DEFAULT, 0,
            Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(500),
            Duration.ofSeconds(5), Duration.ofMillis(500), HttpProxySettings.DEFAULT_SPLICE_THRESHOLD);

    private TestOrigin origin;
    private TestProxy proxy;

    @BeforeEach
    void start() throws IOException {
        origin = new TestOrigin();
        proxy = TestProxy.start(SETTINGS, 1, origin.address());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        origin.close();
    }

    @Test
    void halfAHeadThenSilenceGets408AndTheConnectionCloses() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.send("GET /echo HTTP/1.1\r\nHost: a\r\nX-Partial: y").readOrNull();
            assertNotNull(response, "no 408 before the connection ended");
            assertEquals("HTTP/1.1 408 Request Timeout", response.statusLine());
            assertEquals("close", response.field("connection"));
            assertTrue(client.endsWithoutData());
        }
        assertTrue(origin.requests.isEmpty());
        assertEquals(0, proxy.upstreamConnectionsOpened());
        assertEquals(1, proxy.metric("isthmus_http_bad_requests_total"));
        assertServesAGoodRequest();
    }

    @Test
    void idleKeepAliveConnectionIsClosedWithoutAResponse() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response first = client.get("/first");
            assertEquals("HTTP/1.1 200 OK", first.statusLine());
            assertNotEquals("close", first.field("connection"), "the first response must keep the connection alive");
            // Nothing is sent now; the proxy must end the connection after clientIdle, sending nothing.
            assertTrue(client.endsWithoutData(), "the proxy sent bytes to an idle connection");
        }
        assertEquals(List.of("/first"), origin.targets());
        assertEquals(0, proxy.metric("isthmus_http_bad_requests_total"), "an idle close is not a bad request");
        assertServesAGoodRequest();
    }

    /** A body that stops half way: 408, and the upstream connection that carried the half request is not reused. */
    @Test
    void bodyThatStallsGets408() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf!").readOrNull();
            assertNotNull(response);
            assertEquals("HTTP/1.1 408 Request Timeout", response.statusLine());
            assertEquals("close", response.field("connection"));
            assertTrue(client.endsWithoutData());
        }
        assertTrue(origin.requests.isEmpty(), "the origin received a complete request: " + origin.requests);
        assertServesAGoodRequest();
        assertEquals(2, origin.connections(), "the connection that carried the half request was reused");
        assertEquals(List.of("/good"), origin.targets());
    }

    private void assertServesAGoodRequest() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/good");
            assertNotNull(response);
            assertEquals("HTTP/1.1 200 OK", response.statusLine());
            assertEquals("ok\n", response.text());
        }
    }
}
