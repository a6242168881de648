package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.isthmus.protocol.http1.codec.HeadLimits;

/**
 * Requests the proxy must refuse itself: each gets its exact status line, the connection
 * closes, the origin never sees the request, and the proxy serves the next client normally.
 */
class HostileRequestTest {
    private static final int MAX_BODY = 1000;
    private static final HttpProxySettings SETTINGS = TestProxy.SHORT
            .withHeadLimits(new HeadLimits(4096, 256, 20, 8192))
            .withMaxBodyBytes(MAX_BODY);

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

    static Stream<Arguments> refusedBeforeForwarding() {
        String manyFields = "X-F: v\r\n".repeat(25);
        return Stream.of(
                Arguments.of("Content-Length and Transfer-Encoding",
                        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        "HTTP/1.1 400 Bad Request"),
                Arguments.of("two different Content-Lengths",
                        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                        "HTTP/1.1 400 Bad Request"),
                Arguments.of("obs-fold", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n",
                        "HTTP/1.1 400 Bad Request"),
                Arguments.of("bare CR in a field value", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n",
                        "HTTP/1.1 400 Bad Request"),
                Arguments.of("space before colon", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n",
                        "HTTP/1.1 400 Bad Request"),
                Arguments.of("HTTP/1.1 without Host", "GET /echo HTTP/1.1\r\nX-A: b\r\n\r\n",
                        "HTTP/1.1 400 Bad Request"),
                Arguments.of("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                        "HTTP/1.1 405 Method Not Allowed"),
                Arguments.of("TRACE", "TRACE /echo HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
                Arguments.of("target over the limit", "GET /" + "a".repeat(300) + " HTTP/1.1\r\nHost: a\r\n\r\n",
                        "HTTP/1.1 414 URI Too Long"),
                Arguments.of("head over the limit", "GET /echo HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(5000) + "\r\n\r\n",
                        "HTTP/1.1 431 Request Header Fields Too Large"),
                Arguments.of("too many fields", "GET /echo HTTP/1.1\r\nHost: a\r\n" + manyFields + "\r\n",
                        "HTTP/1.1 431 Request Header Fields Too Large"),
                Arguments.of("Content-Length over the max body size",
                        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(2000),
                        "HTTP/1.1 413 Content Too Large"),
                Arguments.of("Expect other than 100-continue",
                        "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\nhi",
                        "HTTP/1.1 417 Expectation Failed"),
                Arguments.of("Transfer-Encoding br, chunked",
                        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
                        "HTTP/1.1 501 Not Implemented"),
                Arguments.of("HTTP/2.0 request line", "GET /echo HTTP/2.0\r\nHost: a\r\n\r\n",
                        "HTTP/1.1 505 HTTP Version Not Supported"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedBeforeForwarding")
    void refusedWithItsStatusAndNeverForwarded(String name, String request, String statusLine) throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.send(request).readOrNull();
            assertNotNull(response, name + ": no response");
            assertEquals(statusLine, response.statusLine(), name);
            assertEquals("close", response.field("connection"), name);
            assertTrue(client.endsWithoutData(), name + ": connection stays open after the refusal");
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        assertEquals(1, proxy.metric("isthmus_http_requests_total{listener=\"http\",code=\"" + status / 100 + "xx\"}"));
        assertEquals(1, proxy.metric("isthmus_http_bad_requests_total"));
        assertEquals(0, proxy.upstreamConnectionsOpened(), name + ": an upstream connection was opened");
        assertServesAGoodRequest();
        assertEquals(List.of("/good"), origin.requests.stream().map(TestOrigin.Request::target).toList(), name);
    }

    /**
     * The control for the body cases below: well-formed bodies that arrive in the same packet
     * as their head (so before the upstream connection exists) are forwarded whole.
     */
    @Test
    void bodiesSentWithTheHeadAreForwarded() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response sized = client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").readOrNull();
            assertNotNull(sized, "no response to a POST with Content-Length");
            assertEquals("HTTP/1.1 200 OK", sized.statusLine());
            assertTrue(sized.text().contains("body-bytes: 5\n"), sized.text());
            RawClient.Response chunked = client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n").readOrNull();
            assertNotNull(chunked, "no response to a chunked POST");
            assertEquals("HTTP/1.1 200 OK", chunked.statusLine());
            assertTrue(chunked.text().contains("body-bytes: 5\n"), chunked.text());
        }
    }

    /**
     * A body, then pipelined requests, all in one packet: forwarding the body slice must leave
     * the rest of the client's input intact for the requests behind it.
     */
    @Test
    void requestsPipelinedBehindABodyAreServed() throws IOException {
        try (RawClient client = proxy.raw()) {
            client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                    + "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
                    + "GET /bytes/5 HTTP/1.1\r\nHost: a\r\n\r\n");
            RawClient.Response first = client.readOrNull();
            assertNotNull(first);
            assertEquals("HTTP/1.1 200 OK", first.statusLine());
            assertTrue(first.text().contains("body-bytes: 3\n"), first.text());
            RawClient.Response second = client.readOrNull();
            assertNotNull(second);
            assertEquals("HTTP/1.1 200 OK", second.statusLine());
            assertTrue(second.text().contains("body-bytes: 2\n"), second.text());
            RawClient.Response third = client.readOrNull();
            assertNotNull(third);
            assertEquals("HTTP/1.1 200 OK", third.statusLine());
            assertEquals(5, third.body().length);
        }
        assertEquals(List.of("/echo", "/echo", "/bytes/5"), origin.requests.stream().map(TestOrigin.Request::target).toList());
    }

    /**
     * A chunked body turns out malformed only after the head went upstream (the head is
     * forwarded once connected, before the body is scanned). The client gets 400, never a
     * success, and the upstream connection that carried the half request is closed, not pooled.
     */
    @Test
    void badChunkSizeInTheFirstBodyBytes() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\nhello\r\n0\r\n\r\n").readOrNull();
            assertNotNull(response);
            assertEquals("HTTP/1.1 400 Bad Request", response.statusLine());
            assertEquals("close", response.field("connection"));
            assertTrue(client.endsWithoutData());
        }
        assertHalfRequestNotReused();
    }

    @Test
    void badChunkSizeAfterAGoodChunk() throws IOException {
        try (RawClient client = proxy.raw()) {
            client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            TestProxy.await("the origin has the connection carrying the head", () -> origin.connections() == 1);
            RawClient.Response response = client.send("1x\r\n").readOrNull();
            assertNotNull(response);
            assertEquals("HTTP/1.1 400 Bad Request", response.statusLine());
            assertTrue(client.endsWithoutData());
        }
        assertHalfRequestNotReused();
    }

    @Test
    void chunkedBodyOverTheMaxBodySize() throws IOException {
        String chunk = Integer.toHexString(800) + "\r\n" + "y".repeat(800) + "\r\n";
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk + chunk + "0\r\n\r\n").readOrNull();
            assertNotNull(response);
            assertEquals("HTTP/1.1 413 Content Too Large", response.statusLine());
            assertEquals("close", response.field("connection"));
            assertTrue(client.endsWithoutData());
        }
        assertHalfRequestNotReused();
    }

    /** curl sends a body over the limit (with its own Expect handling) and gets 413 without the origin hearing of it. */
    @Test
    void curlPostOverTheMaxBodySize(@TempDir Path dir) throws Exception {
        Path body = dir.resolve("body");
        Files.write(body, new byte[MAX_BODY * 2]);
        Process curl;
        try {
            curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                    "--data-binary", "@" + body, proxy.uri("/echo").toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("curl is required for this test and could not be started: " + e.getMessage());
            return;
        }
        assertTrue(curl.waitFor(10, TimeUnit.SECONDS), "curl did not finish");
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals("413", output);
        assertEquals(0, proxy.upstreamConnectionsOpened());
        assertServesAGoodRequest();
        assertEquals(List.of("/good"), origin.requests.stream().map(TestOrigin.Request::target).toList());
    }

    /**
     * The refused request reached the origin at most as an incomplete message on a connection
     * of its own; that connection was closed, so the next request needs a new one.
     */
    private void assertHalfRequestNotReused() throws IOException {
        assertTrue(origin.requests.isEmpty(), "the origin received a complete request: " + origin.requests);
        assertEquals(1, proxy.upstreamConnectionsOpened());
        assertServesAGoodRequest();
        assertEquals(2, proxy.upstreamConnectionsOpened(), "the connection that carried the bad request was reused");
        assertEquals(2, origin.connections());
        assertEquals(List.of("/good"), origin.requests.stream().map(TestOrigin.Request::target).toList());
    }

    private void assertServesAGoodRequest() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/good");
            assertNotNull(response, "no response to a good request");
            assertEquals("HTTP/1.1 200 OK", response.statusLine());
            assertEquals("ok\n", response.text());
            assertFalse(response.truncated());
        }
    }

}
