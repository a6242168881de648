package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A request target in absolute form ({@code GET http://host/path HTTP/1.1}, what clients send
 * to a forward proxy) reaches the origin in origin form, with the URI's authority as the Host
 * (which replaces any Host field the client sent, RFC 9112 §3.2.2).
 */
class AbsoluteFormSemanticsTest extends OriginBehindProxy {
    @Test
    void originSeesOriginFormAndTheAuthorityAsHost() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET http://example.test/path?q HTTP/1.1\r\nHost: example.test\r\n\r\n");
            assertEquals(200, wire.read("GET").status());
            TestOrigin.Request request = origin.seen("/path?q");
            assertEquals("example.test", request.field("Host"));
            assertEquals(1, request.fields().get("host").size());

            wire.send("GET http://example.test/echo?form=absolute HTTP/1.1\r\nHost: example.test\r\n\r\n");
            RawClient.Response echo = wire.read("GET");
            assertTrue(echo.text().startsWith("GET /echo?form=absolute\n"), echo.text());
        }
    }

    @Test
    void theAuthorityReplacesADifferentHostField() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET http://api.example.test:8080/a/b HTTP/1.1\r\nHost: wrong.test\r\nAccept: */*\r\n\r\n");
            assertEquals(200, wire.read("GET").status());
            TestOrigin.Request request = origin.seen("/a/b");
            assertEquals("api.example.test:8080", request.field("Host"), "one Host, from the URI: " + request.fields());
            assertEquals("*/*", request.field("Accept"));
        }
    }

    @Test
    void anEmptyPathBecomesSlash() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET http://root.test HTTP/1.1\r\nHost: root.test\r\n\r\n");
            assertEquals(200, wire.read("GET").status());
            assertEquals("root.test", origin.seen("/").field("Host"));

            wire.send("GET http://query.test?only=query HTTP/1.1\r\nHost: query.test\r\n\r\n");
            assertEquals(200, wire.read("GET").status());
            assertEquals("query.test", origin.seen("/?only=query").field("Host"));
        }
    }

    @Test
    void curlUsingTheProxyAsAForwardProxy() throws Exception {
        // curl -x sends the absolute form, and Proxy-Connection, which must not be forwarded.
        Curl curl = Curl.run("-sS", "-v", "-x", "http://127.0.0.1:" + proxy.port(),
                "http://forward.example.test/echo?via=curl-proxy");
        assertEquals(0, curl.exitCode(), curl.stderr());
        assertTrue(curl.stderr().contains("> GET http://forward.example.test/echo?via=curl-proxy HTTP/1.1"), curl.stderr());
        assertTrue(curl.stdout().startsWith("GET /echo?via=curl-proxy\n"), curl.stdout());
        TestOrigin.Request request = origin.seen("/echo?via=curl-proxy");
        assertEquals("forward.example.test", request.field("Host"));
        assertNull(request.field("Proxy-Connection"));
    }
}
