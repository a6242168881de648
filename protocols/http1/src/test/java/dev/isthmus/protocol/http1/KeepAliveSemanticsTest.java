package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Keep-alive on both sides of the proxy: a client connection carries many requests, and the
 * upstream connections they use are pooled and reused rather than opened per request.
 */
class KeepAliveSemanticsTest {

    @Test
    void sequentialRequestsOnOneClientConnectionUseOneUpstreamConnection() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (int i = 0; i < 200; i++) {
                if (i % 2 == 0) {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(proxy.uri("/echo?seq=" + i)).build(),
                            HttpResponse.BodyHandlers.ofString(UTF_8));
                    assertEquals(200, response.statusCode());
                    assertTrue(response.body().startsWith("GET /echo?seq=" + i + "\n"), response.body());
                } else {
                    int size = 1 + i * 331;
                    HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(proxy.uri("/bytes/" + size)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, response.statusCode());
                    assertArrayEquals(TestOrigin.pattern(size), response.body(), "body of /bytes/" + size);
                }
            }
            assertEquals(1, proxy.acceptedConnections(), "the JDK client kept one connection to the proxy");
            assertEquals(1, origin.connections(), "200 sequential requests must reuse one upstream connection");
            assertEquals(1, proxy.upstreamConnectionsOpened());
            assertEquals(200, origin.requests.size());
        }
    }

    @Test
    void sequentialRequestsOnOneRawConnectionUseOneUpstreamConnection() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 200; i++) {
                wire.send("GET /echo?raw=" + i + " HTTP/1.1\r\nHost: origin.test\r\n\r\n");
                RawClient.Response response = wire.readFinal("GET");
                assertEquals(200, response.status());
                assertTrue(response.text().startsWith("GET /echo?raw=" + i + "\n"), response.text());
                assertNull(response.field("Connection"), "a keep-alive 1.1 answer needs no Connection field");
            }
            assertEquals(1, origin.connections());
        }
    }

    @Test
    void aClientsConnectionCloseEndsOnlyTheClientConnection() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(HttpProxySettings.DEFAULT, 1, origin.address())) {
            for (int i = 0; i < 3; i++) {
                try (RawClient wire = new RawClient(proxy.address())) {
                    wire.send("GET /echo?close=" + i + " HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n");
                    RawClient.Response response = wire.read("GET");
                    assertEquals(200, response.status());
                    assertEquals("close", response.field("Connection"), "the client is told the connection ends");
                    assertTrue(wire.closedByPeer(), "the proxy closes after the response");
                }
            }
            assertTrue(origin.requests.stream().allMatch(r -> r.field("Connection") == null),
                    "Connection: close is the client's hop only");
            assertEquals(1, origin.connections(), "the upstream connection outlives the client connections");
        }
    }

    @Test
    void anOriginsConnectionCloseEndsOnlyTheUpstreamConnection() throws Exception {
        String answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        try (ScriptedOrigin origin = new ScriptedOrigin(java.util.Map.of("/once", answer));
             TestProxy proxy = TestProxy.start(HttpProxySettings.DEFAULT, 1, origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            for (int i = 0; i < 3; i++) {
                wire.send("GET /once HTTP/1.1\r\nHost: o\r\n\r\n");
                RawClient.Response response = wire.read("GET");
                assertEquals("ok", response.text());
                assertNull(response.field("Connection"), "the origin's close is not the client's:\n" + response.head());
            }
            assertEquals(3, origin.connections(), "a connection the origin closes is never reused");
        }
    }

    @Test
    void concurrentClientsUseAtMostOneUpstreamConnectionPerConcurrentRequest() throws Exception {
        int clients = 50;
        int requestsEach = 20;
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch allConnected = new CountDownLatch(clients);
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int clientId = c;
                results.add(threads.submit(() -> {
                    try (RawClient wire = new RawClient(proxy.address())) {
                        allConnected.countDown();
                        allConnected.await(TestProxy.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                        for (int r = 0; r < requestsEach; r++) {
                            if ((clientId + r) % 3 == 0) {
                                int size = 1000 + clientId * 997 + r * 131;
                                wire.send("GET /bytes/" + size + " HTTP/1.1\r\nHost: origin.test\r\n\r\n");
                                RawClient.Response response = wire.readFinal("GET");
                                assertEquals(200, response.status());
                                assertArrayEquals(TestOrigin.pattern(size), response.body(), "client " + clientId + " request " + r);
                            } else {
                                String target = "/echo?client=" + clientId + "&r=" + r;
                                byte[] body = ("payload " + clientId + "/" + r).getBytes(UTF_8);
                                wire.send("POST " + target + " HTTP/1.1\r\nHost: origin.test\r\nContent-Length: " + body.length
                                        + "\r\n\r\n" + new String(body, UTF_8));
                                RawClient.Response response = wire.readFinal("POST");
                                assertEquals(200, response.status());
                                assertTrue(response.text().startsWith("POST " + target + "\n"), response.text());
                                assertTrue(response.text().contains("body-bytes: " + body.length + "\n"), response.text());
                                assertTrue(response.text().contains("body-hash: " + java.util.Arrays.hashCode(body) + "\n"),
                                        response.text());
                            }
                        }
                        return requestsEach;
                    }
                }));
            }
            int done = 0;
            for (Future<Integer> result : results) {
                done += result.get(60, TimeUnit.SECONDS);
            }
            assertEquals(clients * requestsEach, done);
            assertEquals(clients * requestsEach, origin.requests.size());
            assertEquals(clients, proxy.acceptedConnections());
            assertTrue(origin.connections() <= clients, "at most one upstream connection per concurrent request, got "
                    + origin.connections() + " for " + clients + " concurrent clients");
            assertEquals(origin.connections(), proxy.upstreamConnectionsOpened());
        }
    }
}
