package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * What the proxy adds and removes on the way: X-Forwarded-For, X-Forwarded-Proto and Via
 * are added (appended to incoming ones where the field is a list), hop-by-hop fields
 * (Connection and every field it names, Keep-Alive, Proxy-Connection, TE, Upgrade outside an
 * upgrade) are not forwarded in either direction, and end-to-end fields are.
 */
class ForwardingFieldsSemanticsTest extends OriginBehindProxy {
    @Test
    void hopByHopRequestFieldsAreDroppedAndForwardingFieldsAdded() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("""
                    GET /echo?case=hop HTTP/1.1\r
                    Host: app.test\r
                    X-Forwarded-For: 203.0.113.9\r
                    X-Forwarded-Proto: https\r
                    Via: 1.1 edge-a\r
                    Connection: keep-alive, X-Hop-One, x-hop-two\r
                    X-Hop-One: a\r
                    X-Hop-Two: b\r
                    Keep-Alive: timeout=30\r
                    Proxy-Connection: keep-alive\r
                    TE: trailers\r
                    Upgrade: websocket\r
                    X-End-To-End: kept\r
                    Accept: text/plain\r
                    User-Agent: semantics-test/1\r
                    Cache-Control: no-cache\r
                    \r
                    """);
            RawClient.Response response = wire.readFinal("GET");
            assertEquals(200, response.status());

            TestOrigin.Request request = origin.seen("/echo?case=hop");
            assertEquals("203.0.113.9, 127.0.0.1", request.field("X-Forwarded-For"));
            assertEquals(1, request.fields().get("x-forwarded-for").size(), "one X-Forwarded-For field");
            assertEquals("http", request.field("X-Forwarded-Proto"), "the proxy states the scheme it received");
            assertEquals("1.1 edge-a, 1.1 isthmus", request.field("Via"));
            for (String hop : List.of("Connection", "X-Hop-One", "X-Hop-Two", "Keep-Alive", "Proxy-Connection", "TE",
                    "Upgrade")) {
                assertNull(request.field(hop), hop + " is hop-by-hop and must not be forwarded: " + request.fields());
            }
            assertEquals("kept", request.field("X-End-To-End"));
            assertEquals("text/plain", request.field("Accept"));
            assertEquals("semantics-test/1", request.field("User-Agent"));
            assertEquals("no-cache", request.field("Cache-Control"));
            assertEquals("app.test", request.field("Host"));

            // The connection stays usable and the next request carries no leftover of the previous one.
            wire.send("GET /echo?case=plain HTTP/1.1\r\nHost: app.test\r\n\r\n");
            assertEquals(200, wire.readFinal("GET").status());
            TestOrigin.Request plain = origin.seen("/echo?case=plain");
            assertEquals("127.0.0.1", plain.field("X-Forwarded-For"));
            assertEquals("1.1 isthmus", plain.field("Via"));
            assertEquals("http", plain.field("X-Forwarded-Proto"));
        }
    }

    @Test
    void severalIncomingForwardedForAndViaFieldsAreCombinedInOrder() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /echo?case=lists HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 198.51.100.1\r\n"
                    + "Via: 1.0 first\r\nX-Forwarded-For: 198.51.100.2, 198.51.100.3\r\nVia: 1.1 second\r\n\r\n");
            assertEquals(200, wire.readFinal("GET").status());
            TestOrigin.Request request = origin.seen("/echo?case=lists");
            assertEquals("198.51.100.1, 198.51.100.2, 198.51.100.3, 127.0.0.1", request.field("X-Forwarded-For"));
            assertEquals("1.0 first, 1.1 second, 1.1 isthmus", request.field("Via"));
        }
    }

    @Test
    void originsHopByHopResponseFieldsDoNotReachTheClient() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /echo?case=response HTTP/1.1\r\nHost: app.test\r\n\r\n");
            RawClient.Response response = wire.readFinal("GET");
            assertEquals(200, response.status());
            // TestOrigin answers with "Connection: keep-alive" and "Keep-Alive: timeout=5".
            assertNull(response.field("Keep-Alive"), response.head());
            assertNull(response.field("Connection"), response.head());
            assertEquals("text/plain", response.field("Content-Type"), "end-to-end fields reach the client");
        }
    }

    @Test
    void fieldsTheOriginNamesInConnectionAreDroppedOnTheWayBack() throws Exception {
        String answer = "HTTP/1.1 200 OK\r\nConnection: X-Origin-Hop, Keep-Alive\r\nX-Origin-Hop: secret\r\n"
                + "Keep-Alive: timeout=9, max=100\r\nProxy-Connection: keep-alive\r\nX-Origin-End: visible\r\n"
                + "Content-Length: 5\r\n\r\nhello";
        try (ScriptedOrigin scripted = new ScriptedOrigin(Map.of("/hop", answer));
             TestProxy own = TestProxy.start(scripted.address());
             RawClient wire = new RawClient(own.address())) {
            for (int i = 0; i < 2; i++) {
                wire.send("GET /hop HTTP/1.1\r\nHost: app.test\r\n\r\n");
                RawClient.Response response = wire.readFinal("GET");
                assertEquals(200, response.status());
                assertEquals("hello", response.text());
                assertEquals("visible", response.field("X-Origin-End"));
                for (String hop : List.of("Connection", "X-Origin-Hop", "Keep-Alive", "Proxy-Connection")) {
                    assertFalse(response.has(hop), hop + " must not reach the client:\n" + response.head());
                }
            }
            assertEquals(1, scripted.connections(), "the origin kept its connection alive, so the proxy reuses it");
        }
    }

    @Test
    void jdkClientSeesNoKeepAliveFieldAndOriginSeesItsAddress() throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(proxy.uri("/echo?case=jdk"))
                    .header("Via", "1.1 jdk-gateway").header("X-Trace", "t-1").build(), HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Keep-Alive").isEmpty(), response.headers().toString());
            assertTrue(response.headers().firstValue("Connection").isEmpty(), response.headers().toString());
            // /echo answers with what it received: the client can read the forwarding fields too.
            assertTrue(response.body().contains("x-forwarded-for: 127.0.0.1\n"), response.body());
            assertTrue(response.body().contains("via: 1.1 jdk-gateway, 1.1 isthmus\n"), response.body());
            assertTrue(response.body().contains("x-trace: t-1\n"), response.body());
        }
    }

    @Test
    void curlSeesTheForwardingFieldsTheOriginGot() throws Exception {
        Curl curl = Curl.run("-sS", "-D", "-", "-H", "X-Forwarded-For: 192.0.2.44", "-H", "Via: 1.0 corp-proxy",
                "-H", "Connection: X-Curl-Hop", "-H", "X-Curl-Hop: 1", proxy.url("/echo?case=curl"));
        assertEquals(0, curl.exitCode(), curl.stderr());
        String out = curl.stdout();
        assertTrue(out.startsWith("HTTP/1.1 200 "), out);
        assertFalse(out.toLowerCase(java.util.Locale.ROOT).contains("keep-alive:"), out);
        assertTrue(out.contains("x-forwarded-for: 192.0.2.44, 127.0.0.1\n"), out);
        assertTrue(out.contains("via: 1.0 corp-proxy, 1.1 isthmus\n"), out);
        assertTrue(out.contains("x-forwarded-proto: http\n"), out);
        assertFalse(out.contains("x-curl-hop"), out);
    }
}
