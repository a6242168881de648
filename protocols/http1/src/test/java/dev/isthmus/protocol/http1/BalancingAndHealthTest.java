package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.PassiveCheck;

/**
 * Balancing and active health checks seen through the proxy: where requests from a real
 * client end up, counted at three origins. One event loop, so one balancer state decides.
 */
class BalancingAndHealthTest {
    private final List<TestOrigin> origins = new ArrayList<>();
    private TestProxy proxy;
    private HttpClient http;

    @BeforeEach
    void start() throws IOException {
        for (int i = 0; i < 3; i++) {
            origins.add(new TestOrigin());
        }
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        if (proxy != null) {
            proxy.close();
        }
        for (TestOrigin origin : origins) {
            origin.close();
        }
    }

    @Test
    void roundRobinSplitsEvenly() throws Exception {
        startProxy(BalanceAlgorithm.ROUND_ROBIN, null, null, null, 3);
        for (int i = 0; i < 300; i++) {
            assertEquals(200, get("/echo?n=" + i, null).statusCode());
        }
        assertEquals(List.of(100L, 100L, 100L), served(3));
    }

    @Test
    void weightedRoundRobinFollowsTheWeightsExactly() throws Exception {
        startProxy(BalanceAlgorithm.WEIGHTED_ROUND_ROBIN, null, new int[] {3, 1, 1}, null, 3);
        for (int i = 0; i < 250; i++) {
            assertEquals(200, get("/echo?n=" + i, null).statusCode());
        }
        assertEquals(List.of(150L, 50L, 50L), served(3));
    }

    @Test
    void consistentHashOnAHeaderKeepsEachDeviceOnOneOrigin() throws Exception {
        startProxy(BalanceAlgorithm.CONSISTENT_HASH, HashKey.parse("header:X-Device-Id"), null, null, 3);
        Map<String, Integer> home = new HashMap<>();
        int request = 0;
        for (int round = 0; round < 3; round++) {
            for (int device = 0; device < 100; device++) {
                String id = "device-" + device;
                String target = "/echo?r=" + request++;
                assertEquals(200, get(target, id).statusCode());
                int servedBy = originOf(target);
                Integer previous = home.putIfAbsent(id, servedBy);
                if (previous != null) {
                    assertEquals(previous, servedBy, id + " moved to another origin in round " + round);
                }
            }
        }
        assertEquals(3, home.values().stream().distinct().count(), "100 devices should reach all 3 origins");
    }

    /**
     * One peer's health endpoint turns to 500: after {@code fall} failed probes it gets no
     * traffic; back to 200, after {@code rise} good probes it gets its share again.
     */
    @Test
    void activeHttpCheckTakesAPeerOutAndBringsItBack() throws Exception {
        int rise = 2;
        int fall = 2;
        UpstreamGroup group = startProxy(BalanceAlgorithm.ROUND_ROBIN, null, null,
                new ActiveCheck(ActiveCheck.Kind.HTTP, "/health", 200, Duration.ofMillis(50), Duration.ofMillis(500), rise, fall),
                2);
        Peer first = group.peers().get(0);
        TestOrigin sick = origins.get(0);

        sendTwenty("before");
        assertEquals(List.of(10L, 10L), served(2), "both peers serve while healthy");

        int mark = sick.healthAnswers.size();
        sick.healthStatus = 500;
        TestProxy.await("the failing peer goes down", () -> !first.isActiveHealthy());
        assertTrue(answersSince(sick, mark, 500) >= fall, "down before " + fall + " failed probes");
        sendTwenty("down");
        assertEquals(List.of(0L, 20L), served(2, "down"), "a down peer got traffic");

        mark = sick.healthAnswers.size();
        sick.healthStatus = 200;
        TestProxy.await("the peer comes back", first::isActiveHealthy);
        assertTrue(answersSince(sick, mark, 200) >= rise, "up before " + rise + " good probes");
        sendTwenty("up");
        assertEquals(List.of(10L, 10L), served(2, "up"), "the recovered peer is back in rotation");
    }

    /**
     * Least-connections counts each request once against its peer, also when connecting to the
     * peer failed and the retry found no usable peer at all (503): the failed peer was already
     * released when the connect failed, and must not be released again when the request ends.
     * Otherwise its count drops below the requests it really has, and it attracts traffic.
     */
    @Test
    void leastConnCountsStayRightWhenARetryFindsNoPeer() throws Exception {
        TestOrigin b = origins.get(0);
        List<Socket> heldAtA = new CopyOnWriteArrayList<>();
        ServerSocket a = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            // Accepts requests and never answers them, until the listener closes.
            try {
                while (true) {
                    Socket socket = a.accept();
                    heldAtA.add(socket);
                }
            } catch (IOException closed) {
                // the test closed the listener: from now on connecting to A is refused
            }
        });
        List<RawClient> clients = new ArrayList<>();
        try {
            UpstreamGroup group = TestProxy.group(BalanceAlgorithm.LEAST_CONN, null, null, PassiveCheck.OFF, 1,
                    PoolSettings.DEFAULT, null, (InetSocketAddress) a.getLocalSocketAddress(), b.address());
            proxy = TestProxy.routing(TestProxy.SHORT, group);
            Peer peerA = group.peers().get(0);
            Peer peerB = group.peers().get(1);

            // Two requests held at B, three at A (the other peer is ejected meanwhile to steer them).
            peerA.ejectUntil(System.nanoTime() + Duration.ofSeconds(60).toNanos());
            for (int i = 0; i < 2; i++) {
                clients.add(proxy.raw().send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            TestProxy.await("B holds two requests", () -> b.requests.size() == 2);
            peerA.ejectUntil(System.nanoTime());
            peerB.ejectUntil(System.nanoTime() + Duration.ofSeconds(60).toNanos());
            for (int i = 0; i < 3; i++) {
                clients.add(proxy.raw().send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            TestProxy.await("A holds three requests", () -> heldAtA.size() == 3);

            // A now refuses; B is ejected: each request fails to connect to A and finds no other peer.
            // The kernel may finish closing the listener after close() returns (the accept loop is
            // still waking up), and a connect in that window is accepted and then reset: wait for
            // refusals first.
            InetSocketAddress addressOfA = (InetSocketAddress) a.getLocalSocketAddress();
            a.close();
            TestProxy.await("A refuses connections", () -> refuses(addressOfA));
            for (int i = 0; i < 2; i++) {
                try (RawClient client = proxy.raw()) {
                    assertEquals("HTTP/1.1 503 Service Unavailable", client.get("/nowhere").statusLine());
                }
            }
            assertEquals(2, proxy.connectFailures());

            // In flight: A 3, B 2. With B back, least-connections must pick B without trying A.
            peerB.ejectUntil(System.nanoTime());
            try (RawClient client = proxy.raw()) {
                assertEquals("HTTP/1.1 200 OK", client.get("/after").statusLine());
            }
            assertEquals(2, proxy.connectFailures(), "A was picked: its in-flight count was released twice");
        } finally {
            b.gate.countDown();
            a.close();
            for (Socket socket : heldAtA) {
                socket.close();
            }
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    private void sendTwenty(String phase) throws Exception {
        for (int i = 0; i < 20; i++) {
            assertEquals(200, get("/echo?" + phase + "=" + i, null).statusCode());
        }
    }

    private UpstreamGroup startProxy(BalanceAlgorithm algorithm, HashKey key, int[] weights, ActiveCheck check, int peers)
            throws IOException {
        UpstreamGroup group = TestProxy.group(algorithm, key, check, PassiveCheck.OFF, 0, PoolSettings.DEFAULT, weights,
                origins.stream().limit(peers).map(TestOrigin::address).toArray(InetSocketAddress[]::new));
        proxy = TestProxy.routing(TestProxy.SHORT, group);
        return group;
    }

    private HttpResponse<String> get(String path, String deviceId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(proxy.uri(path)).timeout(Duration.ofSeconds(5));
        if (deviceId != null) {
            request.header("X-Device-Id", deviceId);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Requests (not health probes) each of the first {@code count} origins received. */
    private List<Long> served(int count) {
        return served(count, "");
    }

    /** Requests whose target contains {@code marker} that each origin received. */
    private List<Long> served(int count, String marker) {
        return origins.stream().limit(count)
                .map(o -> o.requests.stream().filter(r -> !r.target().equals("/health") && r.target().contains(marker)).count())
                .toList();
    }

    /** How many health probes after the first {@code mark} were answered with {@code status}. */
    private static long answersSince(TestOrigin origin, int mark, int status) {
        return origin.healthAnswers.stream().skip(mark).filter(s -> s == status).count();
    }

    private int originOf(String target) {
        int found = -1;
        for (int i = 0; i < origins.size(); i++) {
            long hits = origins.get(i).requests.stream().filter(r -> r.target().equals(target)).count();
            if (hits > 0) {
                assertEquals(-1, found, target + " reached two origins");
                assertEquals(1, hits, target + " reached an origin twice");
                found = i;
            }
        }
        assertTrue(found >= 0, target + " reached no origin");
        return found;
    }

    private static boolean refuses(InetSocketAddress address) {
        try (Socket probe = new Socket()) {
            probe.connect(address, 1000);
            return false;
        } catch (java.net.ConnectException refused) {
            return true;
        } catch (IOException other) {
            return false;
        }
    }
}
