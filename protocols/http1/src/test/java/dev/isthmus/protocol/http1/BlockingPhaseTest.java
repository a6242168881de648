package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.server.Blocking;
import dev.isthmus.core.upstream.Peer;

/**
 * Phases marked {@link Blocking} run on virtual threads, not on the event loop: with a single
 * loop, a request whose phase is blocked does not hold up another request, which completes
 * while the first one still waits (shown with latches, not timing).
 */
class BlockingPhaseTest {
    private TestOrigin origin;
    private Peer peer;
    private TestProxy proxy;

    @BeforeEach
    void startOrigin() throws IOException {
        origin = new TestOrigin();
        peer = new Peer(0, origin.address().getHostString(), origin.port(), 1);
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        origin.close();
    }

    /** What a phase saw about the thread it ran on. */
    record PhaseThread(String request, Thread thread, boolean virtual) {
    }

    /** Authenticates on a virtual thread; a request carrying X-Hold waits there for the test. */
    static final class BlockingAuth implements ProxyHttp<Void> {
        final Peer peer;
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ConcurrentLinkedQueue<PhaseThread> filterThreads = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Thread> peerThreads = new ConcurrentLinkedQueue<>();

        BlockingAuth(Peer peer) {
            this.peer = peer;
        }

        @Blocking
        @Override
        public boolean requestFilter(HttpSession session, Void ctx) throws Exception {
            String target = session.target().toString();
            filterThreads.add(new PhaseThread(target, Thread.currentThread(), Thread.currentThread().isVirtual()));
            if (session.header("X-Hold") != null) {
                held.countDown();
                if (!release.await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            CharSequence auth = session.header("Authorization");
            if (auth == null || !auth.toString().equals("Bearer good")) {
                session.respond(401, "text/plain", "who are you?\n".getBytes(StandardCharsets.US_ASCII),
                        "WWW-Authenticate", "Bearer");
                return true;
            }
            return false;
        }

        @Override
        public Peer upstreamPeer(HttpSession session, Void ctx) {
            peerThreads.add(Thread.currentThread());
            return peer;
        }
    }

    /** Picks the peer on a virtual thread; a request carrying X-Hold waits there for the test. */
    static final class BlockingPeerLookup implements ProxyHttp<Void> {
        final Peer peer;
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ConcurrentLinkedQueue<PhaseThread> peerThreads = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Thread> filterThreads = new ConcurrentLinkedQueue<>();

        BlockingPeerLookup(Peer peer) {
            this.peer = peer;
        }

        @Override
        public boolean requestFilter(HttpSession session, Void ctx) {
            filterThreads.add(Thread.currentThread());
            return false;
        }

        @Blocking
        @Override
        public Peer upstreamPeer(HttpSession session, Void ctx) throws Exception {
            peerThreads.add(new PhaseThread(session.target().toString(), Thread.currentThread(),
                    Thread.currentThread().isVirtual()));
            if (session.header("X-Hold") != null) {
                held.countDown();
                if (!release.await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            return peer;
        }
    }

    @Test
    void blockingRequestFilterRunsOnAVirtualThreadWhileTheLoopServesOthers() throws Exception {
        BlockingAuth auth = new BlockingAuth(peer);
        proxy = TestProxy.custom(auth, TestProxy.SHORT, 1);
        Thread loopThread = proxy.server.loops().get(0).thread();
        try (RawClient blocked = proxy.raw(); RawClient other = proxy.raw()) {
            blocked.send("GET /echo?held HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer good\r\nX-Hold: 1\r\n\r\n");
            assertTrue(auth.held.await(5, TimeUnit.SECONDS), "the blocking filter never ran");

            // The only loop is free while the filter blocks: another request goes all the way through.
            RawClient.Response served = other.send("GET /echo?other HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer good\r\n\r\n")
                    .readOrNull();
            assertNotNull(served);
            assertEquals("HTTP/1.1 200 OK", served.statusLine());
            assertEquals(1, auth.release.getCount(), "the blocked request was released early");

            auth.release.countDown();
            RawClient.Response released = blocked.readOrNull();
            assertNotNull(released);
            assertEquals("HTTP/1.1 200 OK", released.statusLine());
            assertTrue(released.text().startsWith("GET /echo?held\n"), released.text());
        }
        List<PhaseThread> filters = List.copyOf(auth.filterThreads);
        assertEquals(2, filters.size());
        for (PhaseThread phase : filters) {
            assertTrue(phase.virtual(), phase.request() + " filtered on a platform thread");
            assertNotSame(loopThread, phase.thread(), phase.request() + " filtered on the loop thread");
        }
        for (Thread thread : auth.peerThreads) {
            assertSame(loopThread, thread, "a phase without @Blocking must run on the loop");
        }
        assertEquals(List.of("/echo?other", "/echo?held"), origin.requests.stream().map(TestOrigin.Request::target).toList());
    }

    /** A blocking filter answers 401 itself: the origin never hears of it, and the connection goes on. */
    @Test
    void blockingRequestFilterAnswersDirectly() throws Exception {
        BlockingAuth auth = new BlockingAuth(peer);
        proxy = TestProxy.custom(auth, TestProxy.SHORT, 1);
        try (RawClient client = proxy.raw()) {
            RawClient.Response refused = client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").readOrNull();
            assertNotNull(refused);
            assertEquals("HTTP/1.1 401 Unauthorized", refused.statusLine());
            assertEquals("Bearer", refused.field("www-authenticate"));
            assertEquals("who are you?\n", refused.text());
            RawClient.Response allowed = client.send("GET /echo HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer good\r\n\r\n").readOrNull();
            assertNotNull(allowed, "the connection did not survive the direct answer");
            assertEquals("HTTP/1.1 200 OK", allowed.statusLine());
        }
        assertEquals(1, origin.requests.size());
        assertFalse(origin.requests.peek().fields().containsKey("content-length"), "the refused POST reached the origin");
    }

    @Test
    void blockingUpstreamPeerRunsOnAVirtualThreadWhileTheLoopServesOthers() throws Exception {
        BlockingPeerLookup lookup = new BlockingPeerLookup(peer);
        proxy = TestProxy.custom(lookup, TestProxy.SHORT, 1);
        Thread loopThread = proxy.server.loops().get(0).thread();
        try (RawClient blocked = proxy.raw(); RawClient other = proxy.raw()) {
            blocked.send("GET /echo?held HTTP/1.1\r\nHost: a\r\nX-Hold: 1\r\n\r\n");
            assertTrue(lookup.held.await(5, TimeUnit.SECONDS), "the blocking peer lookup never ran");

            RawClient.Response served = other.get("/echo?other");
            assertNotNull(served);
            assertEquals("HTTP/1.1 200 OK", served.statusLine());
            assertEquals(1, lookup.release.getCount());

            lookup.release.countDown();
            RawClient.Response released = blocked.readOrNull();
            assertNotNull(released);
            assertEquals("HTTP/1.1 200 OK", released.statusLine());
        }
        List<PhaseThread> lookups = List.copyOf(lookup.peerThreads);
        assertEquals(2, lookups.size());
        for (PhaseThread phase : lookups) {
            assertTrue(phase.virtual(), phase.request() + " looked up on a platform thread");
            assertNotSame(loopThread, phase.thread());
        }
        for (Thread thread : lookup.filterThreads) {
            assertSame(loopThread, thread, "a phase without @Blocking must run on the loop");
        }
        assertEquals(List.of("/echo?other", "/echo?held"), origin.requests.stream().map(TestOrigin.Request::target).toList());
    }
}
