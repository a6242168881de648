package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Request bodies reach the origin intact whatever their framing and however they are cut
 * into writes; {@code Expect: 100-continue} is answered by the proxy before the body is sent,
 * or refused with 413 (before any upstream contact) when the announced body is too large.
 */
class RequestBodySemanticsTest extends OriginBehindProxy {
    private static final long MAX_BODY = 9L << 20;

    RequestBodySemanticsTest() {
        super(HttpProxySettings.DEFAULT.withMaxBodyBytes(MAX_BODY));
    }


    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The origin's /echo answer says how many body bytes it read and their hash. */
    private static void assertEchoedBody(String echo, byte[] body) {
        assertTrue(echo.contains("body-bytes: " + body.length + "\n"), echo);
        assertTrue(echo.contains("body-hash: " + Arrays.hashCode(body) + "\n"), echo);
    }

    @Test
    void postWithContentLengthFromTheJdkClient() throws Exception {
        byte[] body = random(300_000, 1);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(proxy.uri("/echo?case=jdk-post"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, response.statusCode());
            assertEchoedBody(response.body(), body);
        }
        TestOrigin.Request request = origin.seen("/echo?case=jdk-post");
        assertEquals("300000", request.field("Content-Length"));
        assertArrayEquals(body, request.body());
    }

    @Test
    void chunkedPostAndExpectContinueFromTheJdkClient() throws Exception {
        byte[] streamed = random(1_500_000, 7);
        byte[] expecting = random(2_000_000, 8);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            // A body of unknown length goes out chunked.
            HttpResponse<String> chunked = client.send(HttpRequest.newBuilder(proxy.uri("/echo?case=jdk-chunked"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(streamed))).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, chunked.statusCode());
            assertEchoedBody(chunked.body(), streamed);

            // The JDK client waits for 100 (Continue) before it sends this body.
            HttpResponse<String> continued = client.send(HttpRequest.newBuilder(proxy.uri("/echo?case=jdk-expect"))
                    .expectContinue(true).POST(HttpRequest.BodyPublishers.ofByteArray(expecting)).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, continued.statusCode());
            assertEchoedBody(continued.body(), expecting);
        }
        assertEquals("chunked", origin.seen("/echo?case=jdk-chunked").field("Transfer-Encoding"));
        assertArrayEquals(streamed, origin.seen("/echo?case=jdk-chunked").body());
        assertArrayEquals(expecting, origin.seen("/echo?case=jdk-expect").body());
    }

    @Test
    void bodySentInTheSameWriteAsTheHead() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 5; i++) {
                String body = "small body number " + i;
                wire.send("POST /echo?case=one-write-" + i + " HTTP/1.1\r\nHost: o\r\nContent-Type: text/plain\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
                RawClient.Response response = wire.read("POST");
                assertEquals(200, response.status());
                assertEchoedBody(response.text(), body.getBytes(ISO_8859_1));
            }
        }
    }

    @Test
    void bodySentInPiecesAfterTheHead() throws Exception {
        byte[] body = random(200_000, 2);
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("PUT /echo?case=pieces HTTP/1.1\r\nHost: o\r\nContent-Length: " + body.length + "\r\n\r\n");
            for (int offset = 0; offset < body.length; offset += 30_000) {
                wire.send(Arrays.copyOfRange(body, offset, Math.min(body.length, offset + 30_000)));
                Thread.sleep(5);
            }
            assertEchoedBody(wire.read("PUT").text(), body);
        }
        assertArrayEquals(body, origin.seen("/echo?case=pieces").body());
    }

    @Test
    void chunkedUploadFromARawClientWithExtensionsAndTrailer() throws Exception {
        byte[] body = random(50_000, 3);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        message.writeBytes("POST /echo?case=raw-chunked HTTP/1.1\r\nHost: o\r\nTransfer-Encoding: chunked\r\n\r\n"
                .getBytes(ISO_8859_1));
        for (int offset = 0, n = 1; offset < body.length; offset += n, n = n * 3 + 1) {
            int size = Math.min(n, body.length - offset);
            message.writeBytes((Integer.toHexString(size) + ";ext=" + n + "\r\n").getBytes(ISO_8859_1));
            message.write(body, offset, size);
            message.writeBytes("\r\n".getBytes(ISO_8859_1));
        }
        message.writeBytes("0\r\nX-Checksum: 42\r\n\r\n".getBytes(ISO_8859_1));
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send(message.toByteArray());
            assertEchoedBody(wire.read("POST").text(), body);
            wire.send("GET /echo?case=after-raw-chunked HTTP/1.1\r\nHost: o\r\n\r\n");
            assertEquals(200, wire.read("GET").status());
        }
        TestOrigin.Request request = origin.seen("/echo?case=raw-chunked");
        assertEquals("chunked", request.field("Transfer-Encoding"));
        assertArrayEquals(body, request.body());
    }

    @Test
    void chunkedUploadOfEightMebibytesFromCurl() throws Exception {
        byte[] body = random(8 << 20, 4);
        Path file = Files.createTempFile("isthmus-upload-", ".bin");
        try {
            Files.write(file, body);
            Curl curl = Curl.run("-sS", "-T", file.toString(), "-H", "Transfer-Encoding: chunked",
                    proxy.url("/echo?case=curl-chunked"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertTrue(curl.stdout().startsWith("PUT /echo?case=curl-chunked\n"), curl.stdout());
            assertEchoedBody(curl.stdout(), body);
        } finally {
            Files.deleteIfExists(file);
        }
        TestOrigin.Request request = origin.seen("/echo?case=curl-chunked");
        assertEquals("chunked", request.field("Transfer-Encoding"));
        assertEquals(body.length, request.bodyBytes());
        assertArrayEquals(body, request.body());
    }

    @Test
    void curlWaitsForAndGetsOneHundredContinue() throws Exception {
        byte[] body = random(2 << 20, 5);
        Path file = Files.createTempFile("isthmus-upload-", ".bin");
        try {
            Files.write(file, body);
            // curl asks for 100-continue for uploads above 1 MiB.
            Curl curl = Curl.run("-v", "-sS", "-T", file.toString(), proxy.url("/echo?case=curl-expect"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertTrue(curl.stderr().contains("> Expect: 100-continue"), curl.stderr());
            assertTrue(curl.stderr().contains("< HTTP/1.1 100 Continue"), "curl must see the proxy's 100:\n" + curl.stderr());
            assertTrue(curl.stderr().contains("< HTTP/1.1 200 "), curl.stderr());
            assertEchoedBody(curl.stdout(), body);
        } finally {
            Files.deleteIfExists(file);
        }
        TestOrigin.Request request = origin.seen("/echo?case=curl-expect");
        assertNull(request.field("Expect"), "the proxy met the expectation itself");
        assertArrayEquals(body, request.body());
    }

    @Test
    void oneHundredContinueComesBeforeTheBodyIsSent() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 3; i++) {
                String body = "the body " + i;
                wire.send("POST /echo?case=expect-" + i + " HTTP/1.1\r\nHost: o\r\nExpect: 100-continue\r\nContent-Length: "
                        + body.length() + "\r\n\r\n");
                RawClient.Response interim = wire.read("POST");
                assertEquals(100, interim.status(), "100 Continue must come while the client holds the body back");
                assertEquals("HTTP/1.1 100 Continue", interim.statusLine());
                wire.send(body);
                RawClient.Response response = wire.read("POST");
                assertEquals(200, response.status(), "exactly one 100, then the final response:\n" + response.head());
                assertEchoedBody(response.text(), body.getBytes(ISO_8859_1));
            }
        }
    }

    @Test
    void aClientThatSendsTheBodyWithoutWaitingGetsOneHundredAndTheResponse() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            String body = "impatient";
            wire.send("POST /echo?case=impatient HTTP/1.1\r\nHost: o\r\nExpect: 100-continue\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body);
            List<RawClient.Response> interim = new ArrayList<>();
            RawClient.Response response = wire.readFinal("POST", interim);
            assertTrue(interim.size() <= 1, "at most one 100");
            assertEchoedBody(response.text(), body.getBytes(ISO_8859_1));
            wire.send("GET /echo?case=after-impatient HTTP/1.1\r\nHost: o\r\n\r\n");
            assertEquals(200, wire.read("GET").status());
        }
    }

    @Test
    void tooLargeAnnouncedBodyGets413InsteadOf100AndNeverReachesTheOrigin() throws Exception {
        try (TestOrigin untouched = new TestOrigin();
             TestProxy limited = TestProxy.start(HttpProxySettings.DEFAULT.withMaxBodyBytes(1 << 20), 2,
                     untouched.address());
             RawClient wire = new RawClient(limited.address())) {
            wire.send("POST /echo?case=too-large HTTP/1.1\r\nHost: o\r\nExpect: 100-continue\r\nContent-Length: "
                    + (2 << 20) + "\r\n\r\n");
            RawClient.Response response = wire.read("POST");
            assertEquals(413, response.status(), "no 100 for a body the proxy will refuse:\n" + response.head());
            assertEquals("close", response.field("Connection"));
            assertTrue(wire.closedByPeer(), "the proxy closes after refusing the body");
            assertEquals(0, untouched.connections(), "the origin is never contacted");
            assertTrue(untouched.requests.isEmpty());

            // A body within the limit still passes through the same proxy.
            try (RawClient next = new RawClient(limited.address())) {
                next.send("POST /echo?case=small-enough HTTP/1.1\r\nHost: o\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
                assertEquals(100, next.read("POST").status());
                next.send("body");
                assertEchoedBody(next.read("POST").text(), "body".getBytes(ISO_8859_1));
            }
        }
    }

    @Test
    void curlIsRefusedWith413WithoutSendingItsBody() throws Exception {
        try (TestOrigin untouched = new TestOrigin();
             TestProxy limited = TestProxy.start(HttpProxySettings.DEFAULT.withMaxBodyBytes(1 << 20), 2,
                     untouched.address())) {
            Path file = Files.createTempFile("isthmus-upload-", ".bin");
            try {
                Files.write(file, random(3 << 20, 6));
                Curl curl = Curl.run("-v", "-sS", "-T", file.toString(), limited.url("/echo?case=curl-413"));
                assertTrue(curl.stderr().contains("< HTTP/1.1 413 "), curl.stderr());
                assertFalse(curl.stderr().contains("< HTTP/1.1 100 "), curl.stderr());
                assertTrue(untouched.requests.isEmpty());
                assertEquals(0, untouched.connections());
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
