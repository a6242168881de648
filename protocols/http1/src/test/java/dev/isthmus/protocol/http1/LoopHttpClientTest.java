package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.testing.NginxProcess;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.protocol.http1.client.HttpClientSettings;
import dev.isthmus.protocol.http1.client.HttpFailure;
import dev.isthmus.protocol.http1.client.HttpHeader;
import dev.isthmus.protocol.http1.client.HttpRequest;
import dev.isthmus.protocol.http1.client.HttpResponse;
import dev.isthmus.protocol.http1.client.HttpResponseHandler;
import dev.isthmus.protocol.http1.codec.HeadLimits;
import dev.isthmus.protocol.http1.client.LoopHttpClient;

/**
 * The event-loop HTTP client against a real nginx (Content-Length and chunked bodies, HEAD and
 * 204, keep-alive seen through nginx's own {@code $connection}), against origins scripted byte
 * by byte (interim responses, close-delimited bodies, a kept connection that dies on reuse),
 * a peer that is down, one that never answers, and bodies over the limit.
 */
class LoopHttpClientTest {
    private static final String LOOPBACK = NginxProcess.LOOPBACK;
    private static final HttpClientSettings SETTINGS = new HttpClientSettings(Duration.ofSeconds(2),
            Duration.ofSeconds(15), 1 << 20, HeadLimits.DEFAULT);

    private static NginxProcess nginx;
    private static InetSocketAddress nginxAddress;
    private static byte[] text;
    private static EventLoop loop;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxProcess.prepare();
        Path directory = nginx.directory();
        Path files = Files.createDirectories(directory.resolve("www/files"));
        text = "a line of text that compresses well\n".repeat(20_000).getBytes(ISO_8859_1);
        Files.write(files.resolve("text.txt"), text);
        for (Path p : List.of(directory.resolve("www"), files, files.resolve("text.txt"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        int port = NginxProcess.freePort();
        nginx.start("""
                keepalive_requests 1000;
                server {
                    listen %2$s:%3$d;
                    root %1$s/www;
                    add_header X-Conn $connection always;
                    location = /ready { return 200 "ready"; }
                    location = /json { default_type application/json; return 200 '{"temperature":21.5}'; }
                    location = /length { default_type text/plain; return 200 "sent $content_length bytes"; }
                    location = /empty { return 204; }
                    location /files/ { gzip on; gzip_types text/plain; gzip_min_length 0; }
                }
                """.formatted(directory, LOOPBACK, port), port);
        nginxAddress = new InetSocketAddress(LOOPBACK, port);
        loop = new EventLoop(0, TestProxy.TRANSPORT, LoopSettings.DEFAULT);
        loop.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (loop != null) {
            loop.stop();
            loop.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    /** What a request came to: a response or a failure. */
    private record Outcome(HttpResponse response, HttpFailure failure, String detail) {
        HttpResponse ok() {
            assertNotNull(response, () -> "no response: " + failure + " (" + detail + ")");
            return response;
        }
    }

    private static LoopHttpClient client(HttpClientSettings settings) throws Exception {
        return loop.submit(() -> new LoopHttpClient(loop, settings)).get(10, TimeUnit.SECONDS);
    }

    private static Outcome call(LoopHttpClient client, UpstreamGroup group, HttpRequest request) throws Exception {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        loop.execute(() -> client.send(group, request, new HttpResponseHandler() {
            @Override
            public void onResponse(HttpResponse response) {
                outcome.complete(new Outcome(response, null, null));
            }

            @Override
            public void onFailure(HttpFailure failure, String detail) {
                outcome.complete(new Outcome(null, failure, detail));
            }
        }));
        return outcome.get(TestProxy.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    private static HttpRequest get(String target, HttpHeader... headers) {
        return HttpRequest.of("GET", target, List.of(headers), "192.0.2.7");
    }

    private static int idle(LoopHttpClient client, UpstreamGroup group) throws Exception {
        return loop.submit(() -> client.idleConnections(group.peers().get(0))).get(10, TimeUnit.SECONDS);
    }

    @Test
    void contentLengthBodiesComeWholeOverOneKeptConnection() throws Exception {
        LoopHttpClient client = client(SETTINGS);
        UpstreamGroup group = TestProxy.group(nginxAddress);
        HttpResponse first = call(client, group, get("/json")).ok();
        assertEquals(200, first.status());
        assertEquals("OK", first.reason());
        assertEquals("application/json", first.header("content-type"));
        assertEquals("{\"temperature\":21.5}", new String(first.body(), UTF_8));
        assertEquals(1, idle(client, group));

        HttpResponse second = call(client, group, get("/json?again=1")).ok();
        assertEquals(first.header("X-Conn"), second.header("X-Conn"), "nginx saw a second connection");
        assertEquals(1, idle(client, group));

        HttpResponse posted = call(client, group, new HttpRequest("POST", "/length",
                List.of(new HttpHeader("Content-Type", "text/plain")), "twelve bytes".getBytes(UTF_8), null)).ok();
        assertEquals("sent 12 bytes", new String(posted.body(), UTF_8));
        assertEquals(first.header("X-Conn"), posted.header("X-Conn"));

        loop.submit(() -> {
            client.drain();
            return null;
        }).get(10, TimeUnit.SECONDS);
        assertEquals(0, idle(client, group), "a drain closes the kept connections");
        assertEquals(200, call(client, group, get("/json")).ok().status());
        assertEquals(0, idle(client, group), "nothing is kept once draining");
    }

    @Test
    void chunkedBodiesAreDecoded() throws Exception {
        LoopHttpClient client = client(SETTINGS);
        UpstreamGroup group = TestProxy.group(nginxAddress);
        HttpResponse gzipped = call(client, group, get("/files/text.txt", new HttpHeader("Accept-Encoding", "gzip"))).ok();
        assertEquals(200, gzipped.status());
        assertEquals("chunked", gzipped.header("Transfer-Encoding"));
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
            assertArrayEquals(text, in.readAllBytes());
        }
        HttpResponse plain = call(client, group, get("/files/text.txt")).ok();
        assertArrayEquals(text, plain.body());
        assertEquals(gzipped.header("X-Conn"), plain.header("X-Conn"));
    }

    @Test
    void headAndNoContentAnswersHaveNoBodyAndKeepTheConnection() throws Exception {
        LoopHttpClient client = client(SETTINGS);
        UpstreamGroup group = TestProxy.group(nginxAddress);
        HttpResponse head = call(client, group, HttpRequest.of("HEAD", "/files/text.txt", List.of(), null)).ok();
        assertEquals(200, head.status());
        assertEquals(String.valueOf(text.length), head.header("Content-Length"));
        assertEquals(0, head.body().length);
        HttpResponse empty = call(client, group, get("/empty")).ok();
        assertEquals(204, empty.status());
        assertEquals(0, empty.body().length);
        assertEquals(head.header("X-Conn"), empty.header("X-Conn"));
        assertEquals(1, idle(client, group));
    }

    @Test
    void interimResponsesAreSkippedAndABodyMayEndWithTheConnection() throws Exception {
        try (ScriptedOrigin origin = new ScriptedOrigin(Map.of(
                "/early", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 100 Continue\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
                "/until-close", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                        + "ended by the origin closing"))) {
            LoopHttpClient client = client(SETTINGS);
            UpstreamGroup group = TestProxy.group(origin.address());
            HttpResponse early = call(client, group, get("/early")).ok();
            assertEquals(200, early.status());
            assertEquals("final", new String(early.body(), UTF_8));
            assertEquals(null, early.header("Link"));

            HttpResponse untilClose = call(client, group, get("/until-close")).ok();
            assertEquals("ended by the origin closing", new String(untilClose.body(), UTF_8));
            assertEquals(0, idle(client, group));
            assertEquals(1, origin.connections());
        }
    }

    @Test
    void aKeptConnectionThatDiesOnReuseIsReplacedForIdempotentRequests() throws Exception {
        // The first connection answers one request, then closes when the next one arrives, as an
        // origin does whose keep-alive timeout passed while the request was on its way.
        AtomicInteger accepted = new AtomicInteger();
        try (OriginListener origin = new OriginListener(16, socket -> {
            boolean dying = accepted.incrementAndGet() == 1;
            MessageReader reader = new MessageReader(new BufferedInputStream(socket.getInputStream()), false);
            for (int served = 0; reader.line() != null; served++) {
                for (String field = reader.line(); field != null && !field.isEmpty(); field = reader.line()) {
                    // the request's fields: a GET has nothing else
                }
                if (dying && served == 1) {
                    return;
                }
                socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(ISO_8859_1));
            }
        })) {
            LoopHttpClient client = client(SETTINGS);
            UpstreamGroup group = TestProxy.group(origin.address());
            assertEquals("ok", new String(call(client, group, get("/one")).ok().body(), UTF_8));
            assertEquals("ok", new String(call(client, group, get("/two")).ok().body(), UTF_8));
            assertEquals(2, origin.connections());
        }
    }

    @Test
    void aPeerThatIsDownIsPassedOverAndFailsAlone() throws Exception {
        LoopHttpClient client = client(SETTINGS);
        InetSocketAddress down = TestProxy.deadAddress();
        UpstreamGroup both = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null, null, PassiveCheck.OFF, 1,
                PoolSettings.DEFAULT, null, down, nginxAddress);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, call(client, both, get("/json")).ok().status());
        }

        UpstreamGroup alone = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null, null,
                new PassiveCheck(1, Duration.ofMinutes(5)), 0, PoolSettings.DEFAULT, null, down);
        Outcome refused = call(client, alone, get("/json"));
        assertEquals(HttpFailure.CONNECT_FAILED, refused.failure(), refused.toString());
        assertTrue(refused.detail().contains(alone.peers().get(0).name()), refused.detail());
        // One failure ejected it: nothing is left to try.
        Outcome ejected = call(client, alone, get("/json"));
        assertEquals(HttpFailure.NO_PEER, ejected.failure(), ejected.toString());
    }

    @Test
    void aPeerThatNeverAnswersTimesOut() throws Exception {
        // The kernel completes connects into the backlog; nobody ever reads or answers.
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            LoopHttpClient client = client(new HttpClientSettings(Duration.ofSeconds(2), Duration.ofMillis(300),
                    1 << 20, HeadLimits.DEFAULT));
            UpstreamGroup group = TestProxy.group((InetSocketAddress) silent.getLocalSocketAddress());
            Outcome outcome = call(client, group, get("/json"));
            assertEquals(HttpFailure.TIMEOUT, outcome.failure(), outcome.toString());
        }
    }

    @Test
    void bodiesOverTheLimitFailWhateverTheirFraming() throws Exception {
        LoopHttpClient client = client(new HttpClientSettings(Duration.ofSeconds(2), Duration.ofSeconds(15), 1000,
                HeadLimits.DEFAULT));
        UpstreamGroup group = TestProxy.group(nginxAddress);
        Outcome length = call(client, group, get("/files/text.txt"));
        assertEquals(HttpFailure.BODY_TOO_LARGE, length.failure(), length.toString());
        Outcome chunked = call(client, group, get("/files/text.txt", new HttpHeader("Accept-Encoding", "gzip")));
        assertEquals(HttpFailure.BODY_TOO_LARGE, chunked.failure(), chunked.toString());
        assertEquals(200, call(client, group, get("/json")).ok().status());
    }
}
