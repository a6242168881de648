package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every way an origin can delimit a response body reaches the client intact: Content-Length,
 * chunked (with its trailer), and the end of the connection (then the proxy must close the
 * client connection too, since it cannot frame the body otherwise); and a large body.
 */
class ResponseFramingSemanticsTest extends OriginBehindProxy {
    private static final int TEN_MIB = 10 << 20;

    private static HttpClient client;

    @BeforeAll
    static void startClient() {
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    @Test
    void contentLengthBodiesArriveIntactOnAKeptConnection() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            for (int size : new int[] {0, 1, 4095, 4096, 65_537, 300_000}) {
                wire.send("GET /bytes/" + size + " HTTP/1.1\r\nHost: origin.test\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(200, response.status());
                assertEquals(Integer.toString(size), response.field("Content-Length"));
                assertNull(response.field("Transfer-Encoding"));
                assertArrayEquals(TestOrigin.pattern(size), response.body(), "/bytes/" + size);
            }
        }
    }

    @Test
    void chunkedBodyAndTrailerReachARawClient() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            for (int size : new int[] {5_000, 123_456}) {
                wire.send("GET /chunked/" + size + " HTTP/1.1\r\nHost: origin.test\r\nTE: trailers\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(200, response.status());
                assertTrue(response.chunked(), "the chunked framing is forwarded:\n" + response.head());
                assertNull(response.field("Content-Length"));
                assertEquals("X-Digest", response.field("Trailer"));
                assertArrayEquals(TestOrigin.pattern(size), response.body(), "/chunked/" + size);
                assertEquals("done", response.trailer("X-Digest"), "the trailer reaches the client");
                assertTrue(response.chunkSizes().startsWith("3e8 3e8 "), response.chunkSizes());
            }
            wire.send("GET /echo?after=chunked HTTP/1.1\r\nHost: origin.test\r\n\r\n");
            assertTrue(wire.read("GET").text().startsWith("GET /echo?after=chunked\n"));
        }
    }

    @Test
    void chunkedBodyArrivesIntactThroughTheJdkClient() throws Exception {
        int size = 777_777;
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(proxy.uri("/chunked/" + size)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertArrayEquals(TestOrigin.pattern(size), response.body());
    }

    @Test
    void closeDelimitedBodyIsForwardedAndThenTheClientConnectionCloses() throws Exception {
        for (int size : new int[] {10, 200_000}) {
            try (RawClient wire = new RawClient(proxy.address())) {
                wire.send("GET /close/" + size + " HTTP/1.1\r\nHost: origin.test\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(200, response.status());
                assertNull(response.field("Content-Length"));
                assertNull(response.field("Transfer-Encoding"));
                assertEquals("close", response.field("Connection"), "the client is told the connection ends");
                // read() took everything up to the end of the stream: the proxy closed after the body.
                assertArrayEquals(TestOrigin.pattern(size), response.body(), "/close/" + size);
            }
        }
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(proxy.uri("/close/654321")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertArrayEquals(TestOrigin.pattern(654_321), response.body());
    }

    @Test
    void closeDelimitedBodyWhoseEndTheOriginSignalsWithAHalfCloseIsComplete() throws Exception {
        String answer = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end";
        try (ScriptedOrigin scripted = new ScriptedOrigin(Map.of("/legacy", answer));
             TestProxy own = TestProxy.start(scripted.address());
             RawClient wire = new RawClient(own.address())) {
            wire.send("GET /legacy HTTP/1.1\r\nHost: origin.test\r\n\r\n");
            RawClient.Response response = wire.read("GET");
            assertEquals(200, response.status());
            assertTrue(response.statusLine().startsWith("HTTP/1.1 "), "the proxy states its own version");
            assertEquals("until the end", response.text());
        }
    }

    @Test
    void largeBodiesReachAClientThatReadsSlowlyIntactAndInOrder() throws Exception {
        // A small receive buffer keeps the proxy's writes to the client incomplete most of the time.
        try (RawClient wire = new RawClient(proxy.address(), 4096)) {
            wire.send("GET /bytes/" + TEN_MIB + " HTTP/1.1\r\nHost: o\r\n\r\nGET /chunked/3000000 HTTP/1.1\r\nHost: o\r\n\r\n"
                    + "GET /echo?after=large HTTP/1.1\r\nHost: o\r\n\r\n");
            assertArrayEquals(TestOrigin.pattern(TEN_MIB), wire.read("GET").body());
            RawClient.Response chunked = wire.read("GET");
            assertArrayEquals(TestOrigin.pattern(3_000_000), chunked.body());
            assertEquals("done", chunked.trailer("X-Digest"));
            assertTrue(wire.read("GET").text().startsWith("GET /echo?after=large\n"));
        }
    }

    @Test
    void tenMebibyteBodiesArriveIntact() throws Exception {
        byte[] expected = TestOrigin.pattern(TEN_MIB);
        HttpResponse<byte[]> viaLength = client.send(HttpRequest.newBuilder(proxy.uri("/bytes/" + TEN_MIB)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, viaLength.statusCode());
        assertEquals(TEN_MIB, viaLength.body().length);
        assertArrayEquals(expected, viaLength.body());

        HttpResponse<byte[]> viaChunks = client.send(HttpRequest.newBuilder(proxy.uri("/chunked/" + TEN_MIB)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(expected, viaChunks.body());

        Path file = Files.createTempFile("isthmus-10mib-", ".bin");
        try {
            Curl curl = Curl.run("-sS", "-o", file.toString(), "-w", "%{http_code} %{size_download}",
                    proxy.url("/bytes/" + TEN_MIB));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertEquals("200 " + TEN_MIB, curl.stdout());
            assertArrayEquals(expected, Files.readAllBytes(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
