package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One event loop serves 20 well-behaved clients correctly while other clients on the same
 * loop send garbage, stall half way through a head or a body, and reset mid-request.
 */
class IsolationTest {
    private static final int GOOD_CLIENTS = 20;
    private static final int REQUESTS_EACH = 10;

    private TestOrigin origin;
    private TestProxy proxy;
    private ExecutorService threads;
    private HttpClient http;

    @BeforeEach
    void start() throws IOException {
        origin = new TestOrigin();
        proxy = TestProxy.start(TestProxy.SHORT, 1, origin.address());
        threads = Executors.newVirtualThreadPerTaskExecutor();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        threads.shutdownNow();
        proxy.close();
        origin.close();
    }

    @Test
    void misbehavingClientsDoNotDisturbOthers() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch badActorsActive = new CountDownLatch(4);
        ConcurrentLinkedQueue<String> badActorAnswers = new ConcurrentLinkedQueue<>();
        List<RawClient> held = new ArrayList<>();
        AtomicInteger resets = new AtomicInteger();

        // Garbage: a head that is not HTTP, again and again; each gets 400.
        Future<?> garbage = threads.submit(() -> {
            while (!done.get()) {
                try (RawClient client = proxy.raw()) {
                    RawClient.Response response = client.send("\u0001\u0002 NOT HTTP \u00ff\u00fe\r\n\r\n").readOrNull();
                    badActorAnswers.add(response == null ? "no answer" : response.statusLine());
                }
                badActorsActive.countDown();
            }
            return null;
        });
        // Resets: a request promising a large body, part of it, then a reset.
        Future<?> resetter = threads.submit(() -> {
            while (!done.get()) {
                RawClient client = proxy.raw();
                client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n" + "r".repeat(3000));
                client.reset();
                resets.incrementAndGet();
                badActorsActive.countDown();
            }
            return null;
        });
        // Stalls: half a head, and a head with half a body; held open for the whole test.
        for (int i = 0; i < 5; i++) {
            held.add(proxy.raw().send("GET /echo HTTP/1.1\r\nHost: a\r\nX-Stall: "));
            held.add(proxy.raw().send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" + "s".repeat(100)));
        }
        badActorsActive.countDown();
        badActorsActive.countDown();
        assertTrue(badActorsActive.await(5, TimeUnit.SECONDS), "the misbehaving clients did not get going");

        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> good = new ArrayList<>();
        for (int c = 0; c < GOOD_CLIENTS; c++) {
            int clientIndex = c;
            good.add(threads.submit(() -> {
                go.await();
                int ok = 0;
                for (int r = 0; r < REQUESTS_EACH; r++) {
                    if (r % 2 == 0) {
                        int size = 1000 * (clientIndex + 1) + r;
                        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(proxy.uri("/bytes/" + size))
                                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
                        assertEquals(200, response.statusCode());
                        assertArrayEquals(TestOrigin.pattern(size), response.body(), "client " + clientIndex + " request " + r);
                    } else {
                        byte[] body = ("client " + clientIndex + " request " + r).repeat(50).getBytes(StandardCharsets.US_ASCII);
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.uri("/echo"))
                                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, response.statusCode());
                        assertTrue(response.body().contains("body-bytes: " + body.length + "\n"), response.body());
                        assertTrue(response.body().contains("body-hash: " + Arrays.hashCode(body) + "\n"), response.body());
                    }
                    ok++;
                }
                return ok;
            }));
        }
        go.countDown();
        for (Future<Integer> client : good) {
            assertEquals(REQUESTS_EACH, client.get(20, TimeUnit.SECONDS));
        }
        done.set(true);
        garbage.get(5, TimeUnit.SECONDS);
        resetter.get(5, TimeUnit.SECONDS);

        assertTrue(resets.get() > 0);
        assertTrue(badActorAnswers.stream().allMatch("HTTP/1.1 400 Bad Request"::equals), badActorAnswers.toString());
        // The stalled clients are still waiting, unharmed and unanswered (their timeouts are 5 s).
        for (RawClient client : held) {
            client.close();
        }
        // Only complete requests reach the origin as requests: exactly the good ones.
        assertEquals(GOOD_CLIENTS * REQUESTS_EACH, origin.requests.size());
    }
}
