package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * HTTP/1.0 clients: without keep-alive the proxy closes after the response; with
 * {@code Connection: keep-alive} the connection persists and the response says so.
 */
class Http10SemanticsTest extends OriginBehindProxy {
    @Test
    void withoutKeepAliveTheProxyClosesAfterTheResponse() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /echo?v=10-close HTTP/1.0\r\nHost: o\r\n\r\n");
            RawClient.Response response = wire.read("GET");
            assertEquals(200, response.status());
            assertTrue(response.text().startsWith("GET /echo?v=10-close\n"), response.text());
            assertFalse("keep-alive".equalsIgnoreCase(response.field("Connection")), response.head());
            assertNull(response.field("Keep-Alive"), response.head());
            assertTrue(wire.closedByPeer(), "a 1.0 connection without keep-alive ends after one response");
        }
        assertEquals("1.0 isthmus", origin.seen("/echo?v=10-close").field("Via"), "Via names the version received");
    }

    @Test
    void withKeepAliveTheConnectionPersistsAndTheResponseSaysSo() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 3; i++) {
                wire.send("GET /echo?v=10-ka-" + i + " HTTP/1.0\r\nHost: o\r\nConnection: keep-alive\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(200, response.status());
                assertEquals("keep-alive", response.field("Connection").toLowerCase(java.util.Locale.ROOT), response.head());
                assertTrue(response.has("Content-Length"), "a persistent 1.0 response needs a length");
                assertTrue(response.text().startsWith("GET /echo?v=10-ka-" + i + "\n"), response.text());
            }
            String body = "ten bytes!";
            wire.send("POST /echo?v=10-post HTTP/1.0\r\nHost: o\r\nConnection: keep-alive\r\nContent-Length: 10\r\n\r\n" + body);
            RawClient.Response posted = wire.read("POST");
            assertTrue(posted.text().contains("body-bytes: 10\n"), posted.text());
            assertEquals("keep-alive", posted.field("Connection").toLowerCase(java.util.Locale.ROOT));

            wire.send("GET /echo?v=10-last HTTP/1.0\r\nHost: o\r\n\r\n");
            RawClient.Response last = wire.read("GET");
            assertEquals(200, last.status());
            assertTrue(wire.closedByPeer(), "the request without keep-alive ends the connection");
        }
    }

    @Test
    void aCloseDelimitedAnswerEndsEvenAKeepAliveConnection() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /close/3000 HTTP/1.0\r\nHost: o\r\nConnection: keep-alive\r\n\r\n");
            RawClient.Response response = wire.read("GET");
            assertEquals(200, response.status());
            assertFalse("keep-alive".equalsIgnoreCase(response.field("Connection")),
                    "a body delimited by the close cannot be kept alive:\n" + response.head());
            assertEquals(3000, response.body().length);
        }
    }

    @Test
    void curlReusesAKeptHttp10Connection() throws Exception {
        Curl curl = Curl.run("-v", "-sS", "--http1.0", "-H", "Connection: keep-alive",
                proxy.url("/echo?v=curl-1"), proxy.url("/echo?v=curl-2"));
        assertEquals(0, curl.exitCode(), curl.stderr());
        assertTrue(curl.stdout().contains("GET /echo?v=curl-1\n") && curl.stdout().contains("GET /echo?v=curl-2\n"),
                curl.stdout());
        assertTrue(curl.stderr().contains("Re-using existing connection"), "curl kept the 1.0 connection:\n" + curl.stderr());
        assertTrue(curl.stderr().contains("< Connection: keep-alive"), curl.stderr());
    }
}
