package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.protocol.http1.codec.HeadLimits;

/**
 * The error paths of the phase API: a phase that throws gives the client 500;
 * errorWhileProxy and logging hear every failure with the right {@link ProxyError}, and
 * logging is called exactly once per request; failToConnect returning true moves the request
 * to another peer.
 */
class PhaseErrorTest {
    private static final HttpProxySettings SETTINGS = new HttpProxySettings(HeadLimits.DEFAULT, 0,
            Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMillis(300),
            Duration.ofMillis(300), Duration.ofMillis(500), HttpProxySettings.DEFAULT_SPLICE_THRESHOLD);

    private TestOrigin origin;
    private static TestProxy.Blackhole blackhole;
    private Recording recording;
    private TestProxy proxy;

    /** One call of errorWhileProxy, logging or failToConnect as the proxy made it. */
    record Call(String phase, String target, ProxyError error, Throwable cause, int triedPeers) {
    }

    /**
     * Chooses peers by path and throws in the phase a path names: /throw/PHASE. /refused goes to
     * a port that refuses, /hang to one where connecting hangs, /retry first to the refusing
     * port and then (failToConnect says yes) to the origin; everything else to the origin.
     */
    static final class Recording implements ProxyHttp<Object> {
        final Peer live;
        final Peer refusing;
        final Peer hanging;
        volatile boolean throwInNewContext;
        final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

        Recording(Peer live, Peer refusing, Peer hanging) {
            this.live = live;
            this.refusing = refusing;
            this.hanging = hanging;
        }

        private static void maybeThrow(HttpSession session, String phase) {
            if (session.path().toString().equals("/throw/" + phase)) {
                throw new IllegalStateException("thrown in " + phase);
            }
        }

        @Override
        public Object newContext() {
            if (throwInNewContext) {
                throw new IllegalStateException("thrown in newContext");
            }
            return new Object();
        }

        @Override
        public boolean requestFilter(HttpSession session, Object ctx) {
            maybeThrow(session, "requestFilter");
            return false;
        }

        @Override
        public Peer upstreamPeer(HttpSession session, Object ctx) {
            maybeThrow(session, "upstreamPeer");
            String path = session.path().toString();
            calls.add(new Call("upstreamPeer", path, null, null, session.triedPeers()));
            if (path.equals("/retry")) {
                return session.hasTried(refusing) ? live : refusing;
            }
            return switch (path) {
                case "/refused" -> refusing;
                case "/hang" -> hanging;
                default -> live;
            };
        }

        @Override
        public void upstreamRequestFilter(HttpSession session, HeaderEdits upstreamRequest, Object ctx) {
            maybeThrow(session, "upstreamRequestFilter");
        }

        @Override
        public void responseFilter(HttpSession session, HeaderEdits upstreamResponse, Object ctx) {
            maybeThrow(session, "responseFilter");
        }

        @Override
        public boolean failToConnect(HttpSession session, Peer peer, ProxyError error, Object ctx) {
            calls.add(new Call("failToConnect", session.path().toString(), error, null, session.triedPeers()));
            return session.path().toString().equals("/retry") && peer == refusing;
        }

        @Override
        public void errorWhileProxy(HttpSession session, ProxyError error, Throwable cause, Object ctx) {
            calls.add(new Call("errorWhileProxy", String.valueOf(session.path()), error, cause, session.triedPeers()));
        }

        @Override
        public void logging(HttpSession session, ProxyError error, Object ctx) {
            calls.add(new Call("logging", String.valueOf(session.path()), error, null, session.triedPeers()));
        }

        List<Call> of(String phase) {
            return calls.stream().filter(c -> c.phase().equals(phase)).toList();
        }

        List<Call> of(String phase, String target) {
            return calls.stream().filter(c -> c.phase().equals(phase) && c.target().equals(target)).toList();
        }
    }

    @BeforeAll
    static void makeBlackhole() throws IOException {
        blackhole = new TestProxy.Blackhole();
    }

    @AfterAll
    static void closeBlackhole() throws IOException {
        blackhole.close();
    }

    @BeforeEach
    void start() throws IOException {
        origin = new TestOrigin();
        InetSocketAddress dead = TestProxy.deadAddress();
        recording = new Recording(new Peer(0, origin.address().getHostString(), origin.port(), 1),
                new Peer(1, dead.getHostString(), dead.getPort(), 1),
                new Peer(2, blackhole.address().getHostString(), blackhole.address().getPort(), 1));
        proxy = TestProxy.custom(recording, SETTINGS, 1);
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        origin.close();
    }

    @ParameterizedTest(name = "{0} throws")
    @ValueSource(strings = {"requestFilter", "upstreamPeer", "upstreamRequestFilter", "responseFilter"})
    void phaseThatThrowsGets500AndOneLogging(String phase) throws IOException {
        String path = "/throw/" + phase;
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get(path);
            assertNotNull(response);
            assertEquals("HTTP/1.1 500 Internal Server Error", response.statusLine());
        }
        assertServesAGoodRequest();
        List<Call> errors = recording.of("errorWhileProxy", path);
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(ProxyError.INTERNAL, errors.get(0).error());
        assertInstanceOf(IllegalStateException.class, errors.get(0).cause());
        assertEquals("thrown in " + phase, errors.get(0).cause().getMessage());
        assertLoggedOnce(path, ProxyError.INTERNAL);
        // Only the response filter runs after the request went upstream.
        boolean forwarded = phase.equals("responseFilter");
        assertEquals(forwarded ? List.of(path, "/good") : List.of("/good"), origin.targets());
    }

    @Test
    void newContextThatThrowsGets500AndOneLogging() throws IOException {
        recording.throwInNewContext = true;
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/anything");
            assertNotNull(response);
            assertEquals("HTTP/1.1 500 Internal Server Error", response.statusLine());
        }
        recording.throwInNewContext = false;
        assertServesAGoodRequest();
        assertLoggedOnce("/anything", ProxyError.INTERNAL);
        assertEquals(List.of("/good"), origin.targets());
    }

    @Test
    void refusedConnectIsReportedAsConnectFailed() throws IOException {
        assertStatus("/refused", "HTTP/1.1 502 Bad Gateway");
        assertEquals(List.of(new Call("failToConnect", "/refused", ProxyError.CONNECT_FAILED, null, 1)),
                recording.of("failToConnect"));
        assertErrorReported("/refused", ProxyError.CONNECT_FAILED);
    }

    @Test
    void hangingConnectIsReportedAsConnectTimeout() throws IOException {
        assertStatus("/hang", "HTTP/1.1 504 Gateway Timeout");
        assertEquals(List.of(new Call("failToConnect", "/hang", ProxyError.CONNECT_TIMEOUT, null, 1)),
                recording.of("failToConnect"));
        assertErrorReported("/hang", ProxyError.CONNECT_TIMEOUT);
    }

    @Test
    void garbageResponseIsReportedAsUpstreamBroken() throws IOException {
        assertStatus("/garbage", "HTTP/1.1 502 Bad Gateway");
        assertErrorReported("/garbage", ProxyError.UPSTREAM_BROKEN);
    }

    @Test
    void resetIsReportedAsUpstreamBroken() throws IOException {
        assertStatus("/reset", "HTTP/1.1 502 Bad Gateway");
        assertErrorReported("/reset", ProxyError.UPSTREAM_BROKEN);
    }

    @Test
    void slowResponseIsReportedAsUpstreamTimeout() throws IOException {
        assertStatus("/slow/3000", "HTTP/1.1 504 Gateway Timeout");
        assertErrorReported("/slow/3000", ProxyError.UPSTREAM_TIMEOUT);
    }

    @Test
    void failToConnectReturningTrueTriesAnotherPeer() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/retry");
            assertNotNull(response);
            assertEquals("HTTP/1.1 200 OK", response.statusLine());
        }
        assertServesAGoodRequest();
        assertEquals(List.of(new Call("upstreamPeer", "/retry", null, null, 0),
                        new Call("upstreamPeer", "/retry", null, null, 1)),
                recording.of("upstreamPeer", "/retry"), "upstreamPeer is asked again after the failure");
        assertEquals(List.of(new Call("failToConnect", "/retry", ProxyError.CONNECT_FAILED, null, 1)),
                recording.of("failToConnect"));
        assertTrue(recording.of("errorWhileProxy").isEmpty(), "a retried connect failure is no error of the request");
        assertLoggedOnce("/retry", null);
        assertEquals(1, proxy.connectFailures());
        assertEquals(List.of("/retry", "/good"), origin.targets());
    }

    @Test
    void successIsLoggedOnceWithoutError() throws IOException {
        assertServesAGoodRequest();
        assertTrue(recording.of("errorWhileProxy").isEmpty());
        assertLoggedOnce("/good", null);
    }

    /** The request to {@code path} gets {@code statusLine}; then a good request is served. */
    private void assertStatus(String path, String statusLine) throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get(path);
            assertNotNull(response, path + ": no response");
            assertEquals(statusLine, response.statusLine());
        }
        assertServesAGoodRequest();
    }

    private void assertErrorReported(String path, ProxyError error) {
        List<Call> errors = recording.of("errorWhileProxy", path);
        assertEquals(1, errors.size(), errors.toString());
        assertEquals(error, errors.get(0).error());
        assertLoggedOnce(path, error);
    }

    /**
     * Logging for {@code path} happened exactly once with {@code error}. Called after a later
     * request on the same loop was logged, so the earlier request's logging cannot still be due.
     */
    private void assertLoggedOnce(String path, ProxyError error) {
        List<Call> logged = recording.of("logging", path);
        assertEquals(1, logged.size(), "logging calls for " + path + ": " + logged);
        assertEquals(error, logged.get(0).error());
    }

    private void assertServesAGoodRequest() throws IOException {
        try (RawClient client = proxy.raw()) {
            RawClient.Response response = client.get("/good");
            assertNotNull(response);
            assertEquals("HTTP/1.1 200 OK", response.statusLine());
            assertFalse(response.truncated());
        }
        TestProxy.await("the good request is logged", () -> !recording.of("logging", "/good").isEmpty());
    }
}
