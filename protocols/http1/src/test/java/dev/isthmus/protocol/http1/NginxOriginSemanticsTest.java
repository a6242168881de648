package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.NginxProcess;

/**
 * A real nginx, which nobody here wrote, as the origin behind the proxy: small answers, a
 * static file (whole, ranged, conditional, gzipped and therefore chunked), uploads stored by
 * its WebDAV module, and its own view of connection reuse ({@code $connection},
 * {@code $connection_requests} in response fields).
 */
class NginxOriginSemanticsTest {
    private static final String LOOPBACK = NginxProcess.LOOPBACK;
    private static final int FILE_BYTES = 5 << 20;

    private static NginxProcess nginx;
    private static Path directory;
    private static int nginxPort;
    private static byte[] file;
    private static byte[] text;
    private static TestProxy proxy;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxProcess.prepare();
        directory = nginx.directory();
        Path files = Files.createDirectories(directory.resolve("www/files"));
        Path dav = Files.createDirectories(directory.resolve("www/dav"));
        Files.setPosixFilePermissions(dav, PosixFilePermissions.fromString("rwxrwxrwx"));
        file = new byte[FILE_BYTES];
        new Random(10).nextBytes(file);
        Files.write(files.resolve("big.bin"), file);
        text = "a line of text that compresses well\n".repeat(20_000).getBytes(ISO_8859_1);
        Files.write(files.resolve("text.txt"), text);
        for (Path p : List.of(files, files.resolve("big.bin"), files.resolve("text.txt"), directory.resolve("www"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        nginxPort = NginxProcess.freePort();
        nginx.start(httpDirectives(), nginxPort);
        proxy = TestProxy.start(new InetSocketAddress(LOOPBACK, nginxPort));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    private static String httpDirectives() {
        return """
                keepalive_requests 1000;
                keepalive_timeout 60s;
                server {
                    listen %2$s:%3$d;
                    root %1$s/www;
                    client_max_body_size 20m;
                    add_header X-Conn $connection always;
                    add_header X-Conn-Requests $connection_requests always;
                    location = /ready { return 200 "ready"; }
                    location = /small { default_type text/plain; return 200 "small body from nginx\\n"; }
                    location = /early { default_type text/plain; return 200 "answered early\\n"; }
                    location = /post {
                        proxy_pass http://%2$s:%3$d/accepted;
                        proxy_hide_header X-Conn;
                        proxy_hide_header X-Conn-Requests;
                    }
                    location = /accepted { default_type text/plain; return 200 "accepted $content_length\\n"; }
                    location /files/ { gzip on; gzip_proxied any; gzip_types text/plain; gzip_min_length 0; }
                    location /dav/ { dav_methods PUT; create_full_put_path on; }
                }
                """.formatted(directory, LOOPBACK, nginxPort);
    }

    @Test
    void smallAnswersAndTheStaticFileArriveIntact() throws Exception {
        HttpResponse<String> small = client.send(HttpRequest.newBuilder(proxy.uri("/small")).build(),
                HttpResponse.BodyHandlers.ofString(UTF_8));
        assertEquals(200, small.statusCode());
        assertEquals("small body from nginx\n", small.body());
        assertTrue(small.headers().firstValue("X-Conn").isPresent(), small.headers().toString());

        HttpResponse<byte[]> big = client.send(HttpRequest.newBuilder(proxy.uri("/files/big.bin")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, big.statusCode());
        assertEquals(FILE_BYTES, big.body().length);
        assertArrayEquals(file, big.body());

        Path downloaded = Files.createTempFile("isthmus-nginx-", ".bin");
        try {
            Curl curl = Curl.run("-sS", "-o", downloaded.toString(), "-w", "%{http_code}",
                    proxy.url("/files/big.bin"));
            assertEquals(0, curl.exitCode(), curl.stderr());
            assertEquals("200", curl.stdout());
            assertArrayEquals(file, Files.readAllBytes(downloaded));
        } finally {
            Files.deleteIfExists(downloaded);
        }
    }

    @Test
    void rangedConditionalAndHeadRequestsForTheStaticFile() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            wire.send("GET /files/big.bin HTTP/1.1\r\nHost: nginx.test\r\nRange: bytes=1000-1999\r\n\r\n");
            RawClient.Response ranged = wire.read("GET");
            assertEquals(206, ranged.status());
            assertEquals("bytes 1000-1999/" + FILE_BYTES, ranged.field("Content-Range"));
            assertArrayEquals(java.util.Arrays.copyOfRange(file, 1000, 2000), ranged.body());

            wire.send("HEAD /files/big.bin HTTP/1.1\r\nHost: nginx.test\r\n\r\n");
            RawClient.Response head = wire.read("HEAD");
            assertEquals(200, head.status());
            assertEquals(Integer.toString(FILE_BYTES), head.field("Content-Length"));
            String etag = head.field("ETag");
            assertTrue(etag != null && !etag.isEmpty(), head.head());

            wire.send("GET /files/big.bin HTTP/1.1\r\nHost: nginx.test\r\nIf-None-Match: " + etag + "\r\n\r\n");
            RawClient.Response notModified = wire.read("GET");
            assertEquals(304, notModified.status());
            assertEquals(etag, notModified.field("ETag"));

            wire.send("GET /small HTTP/1.1\r\nHost: nginx.test\r\n\r\n");
            RawClient.Response small = wire.read("GET");
            assertEquals("small body from nginx\n", small.text(), "the connection is intact after 206, HEAD and 304");
            assertEquals(ranged.field("X-Conn"), small.field("X-Conn"), "all four went over one nginx connection");
        }
    }

    @Test
    void gzippedStaticFileComesChunkedAndDecodesToTheFile() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 2; i++) {
                wire.send("GET /files/text.txt HTTP/1.1\r\nHost: nginx.test\r\nAccept-Encoding: gzip\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(200, response.status());
                assertEquals("gzip", response.field("Content-Encoding"));
                assertTrue(response.chunked(), "nginx does not know the compressed length up front:\n" + response.head());
                try (GZIPInputStream unzip = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
                    assertArrayEquals(text, unzip.readAllBytes());
                }
            }
        }
    }

    @Test
    void oneClientConnectionReusesOneNginxConnection() throws Exception {
        try (TestProxy own = TestProxy.start(HttpProxySettings.DEFAULT, 1, new InetSocketAddress(LOOPBACK, nginxPort));
             RawClient wire = new RawClient(own.address())) {
            String connection = null;
            for (int i = 1; i <= 100; i++) {
                wire.send("GET /small HTTP/1.1\r\nHost: nginx.test\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(200, response.status());
                assertEquals("small body from nginx\n", response.text());
                if (connection == null) {
                    connection = response.field("X-Conn");
                }
                assertEquals(connection, response.field("X-Conn"), "request " + i + " went over another nginx connection");
                assertEquals(Integer.toString(i), response.field("X-Conn-Requests"), "nginx counts the requests on its connection");
            }
            assertEquals(1, own.upstreamConnectionsOpened());
        }
    }

    @Test
    void http10ClientsKeepTheirConnectionWithNginxBehind() throws Exception {
        try (RawClient wire = new RawClient(proxy.address())) {
            for (String target : List.of("/small", "/files/text.txt", "/small")) {
                wire.send("GET " + target + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals(200, response.status(), response.head());
                assertEquals("keep-alive", response.field("Connection").toLowerCase(java.util.Locale.ROOT), response.head());
                assertEquals(target.equals("/small") ? "small body from nginx\n" : new String(text, ISO_8859_1),
                        response.text());
            }
            wire.send("GET /small HTTP/1.0\r\n\r\n");
            assertEquals("small body from nginx\n", wire.read("GET").text());
            assertTrue(wire.closedByPeer());
        }
    }

    @Test
    void uploadsAreStoredIntactByNginx() throws Exception {
        byte[] body = new byte[4 << 20];
        new Random(11).nextBytes(body);
        Path upload = Files.createTempFile("isthmus-nginx-upload-", ".bin");
        try {
            Files.write(upload, body);
            Curl chunked = Curl.run("-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", upload.toString(),
                    "-H", "Transfer-Encoding: chunked", proxy.url("/dav/chunked.bin"));
            assertEquals(0, chunked.exitCode(), chunked.stderr());
            assertTrue(chunked.stdout().equals("201") || chunked.stdout().equals("204"), "PUT answered " + chunked.stdout());
            assertArrayEquals(body, Files.readAllBytes(directory.resolve("www/dav/chunked.bin")),
                    "the chunked upload nginx stored");
        } finally {
            Files.deleteIfExists(upload);
        }

        byte[] second = java.util.Arrays.copyOf(body, 1_000_000);
        HttpResponse<String> put = client.send(HttpRequest.newBuilder(proxy.uri("/dav/sized.bin"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(second)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(put.statusCode() == 201 || put.statusCode() == 204, "PUT answered " + put.statusCode());
        assertArrayEquals(second, Files.readAllBytes(directory.resolve("www/dav/sized.bin")));
    }

    @Test
    void postBodiesAreReadByNginxAndBothConnectionsAreReused() throws Exception {
        // nginx reads the whole body before answering (it proxies /post to itself) and says how much it got.
        try (RawClient wire = new RawClient(proxy.address())) {
            String connection = null;
            for (int i = 0; i < 5; i++) {
                byte[] body = new byte[100_000 * (i + 1)];
                new Random(i).nextBytes(body);
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                request.writeBytes(("POST /post HTTP/1.1\r\nHost: nginx.test\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(ISO_8859_1));
                request.writeBytes(body);
                wire.send(request.toByteArray());
                RawClient.Response response = wire.read("POST");
                assertEquals(200, response.status(), response.head());
                assertEquals("accepted " + body.length + "\n", response.text());
                if (connection == null) {
                    connection = response.field("X-Conn");
                }
                assertEquals(connection, response.field("X-Conn"), "one nginx connection for every POST");
            }
        }
    }

    @Test
    void bodiesNginxAnswersBeforeReadingLeaveTheClientConnectionInStep() throws Exception {
        // nginx's "return" answers as soon as the head is in; the proxy must drop exactly the rest
        // of the body (by Content-Length or chunked framing) to find the client's next request.
        try (RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 6; i++) {
                byte[] body = new byte[100_000 * (i + 1)];
                new Random(i).nextBytes(body);
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                if (i % 2 == 0) {
                    request.writeBytes(("POST /early HTTP/1.1\r\nHost: nginx.test\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(ISO_8859_1));
                    request.writeBytes(body);
                } else {
                    request.writeBytes("POST /early HTTP/1.1\r\nHost: nginx.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                            .getBytes(ISO_8859_1));
                    for (int offset = 0; offset < body.length; offset += 16_384) {
                        int n = Math.min(16_384, body.length - offset);
                        request.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(ISO_8859_1));
                        request.write(body, offset, n);
                        request.writeBytes("\r\n".getBytes(ISO_8859_1));
                    }
                    request.writeBytes("0\r\n\r\n".getBytes(ISO_8859_1));
                }
                wire.send(request.toByteArray());
                RawClient.Response response = wire.read("POST");
                assertEquals(200, response.status());
                assertEquals("answered early\n", response.text());
                wire.send("GET /small HTTP/1.1\r\nHost: nginx.test\r\n\r\n");
                RawClient.Response after = wire.read("GET");
                assertEquals("small body from nginx\n", after.text(), "the request after body " + i);
                assertNull(after.field("Connection"));
            }
        }
    }
}
