package dev.isthmus.core.upstream.health;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.health.RecordingListener.Event;
import dev.isthmus.core.upstream.health.TestOrigin.Mode;
import dev.isthmus.core.upstream.health.TestOrigin.Probe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

// Safety net only: a checker that cannot be closed must fail the build, not hang it.
@Timeout(120)
class ActiveHealthCheckerTest {
    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    private static final int RISE = 2;
    private static final int FALL = 3;
    private static final ActiveCheck HTTP =
            new ActiveCheck(ActiveCheck.Kind.HTTP, "/health", 200, INTERVAL, TIMEOUT, RISE, FALL);
    private static final ActiveCheck TCP =
            new ActiveCheck(ActiveCheck.Kind.TCP, null, 200, INTERVAL, TIMEOUT, RISE, FALL);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    @Test
    void httpCheckGoesDownAfterFallFailuresAndUpAfterRiseSuccesses() {
        TestOrigin origin = origin(Mode.OK);
        Peer peer = origin.peer(0);
        start(List.of(peer), HTTP);

        awaitTrue("a few good probes", () -> origin.probes().size() >= FALL + 1);
        assertTrue(peer.isActiveHealthy());
        assertEquals(List.of(), listener.events());
        assertTrue(origin.probesIn(0).stream().allMatch(Probe::peerUpAtArrival), "a healthy origin stays up");

        int failing = origin.mode(Mode.ERROR);
        awaitTrue("the peer to go down", () -> !listener.events().isEmpty());
        assertEquals(List.of(Event.down(peer, "status 500")), listener.events());
        assertFalse(peer.isActiveHealthy());
        awaitTrue("one probe after going down", () -> origin.probesIn(failing).size() >= FALL + 1);
        List<Probe> failed = origin.probesIn(failing);
        for (int k = 0; k < FALL; k++) {
            assertTrue(failed.get(k).peerUpAtArrival(), "still up after " + k + " failed probes");
        }
        assertFalse(failed.get(FALL).peerUpAtArrival(), "down after " + FALL + " failed probes");

        int healed = origin.mode(Mode.OK);
        awaitTrue("the peer to come back", () -> listener.events().size() == 2);
        assertEquals(List.of(Event.down(peer, "status 500"), Event.up(peer)), listener.events());
        assertTrue(peer.isActiveHealthy());
        awaitTrue("one probe after coming back", () -> origin.probesIn(healed).size() >= RISE + 1);
        List<Probe> good = origin.probesIn(healed);
        for (int k = 0; k < RISE; k++) {
            assertFalse(good.get(k).peerUpAtArrival(), "still down after " + k + " good probes");
        }
        assertTrue(good.get(RISE).peerUpAtArrival(), "up after " + RISE + " good probes");
    }

    @Test
    void refusedConnectionsTakeThePeerDown() {
        TestOrigin origin = origin(Mode.OK);
        Peer peer = origin.peer(0);
        start(List.of(peer), HTTP);
        awaitTrue("a first probe", () -> !origin.probes().isEmpty());

        origin.mode(Mode.REFUSE);

        awaitTrue("the peer to go down", () -> !listener.events().isEmpty());
        assertEquals(List.of(Event.down(peer, "connection refused")), listener.events());
        assertFalse(peer.isActiveHealthy());
    }

    @Test
    void hungResponsesTakeThePeerDown() {
        TestOrigin origin = origin(Mode.HANG);
        Peer peer = origin.peer(0);
        start(List.of(peer), HTTP);

        awaitTrue("the peer to go down", () -> !listener.events().isEmpty());
        assertEquals(List.of(Event.down(peer, "timeout")), listener.events());
        assertFalse(peer.isActiveHealthy());
        assertTrue(origin.probes().size() >= FALL, "went down after " + origin.probes().size() + " probes");
    }

    @Test
    void malformedStatusLineIsAFailure() {
        TestOrigin origin = origin(Mode.GARBAGE);
        Peer peer = origin.peer(0);
        start(List.of(peer), HTTP);

        awaitTrue("the peer to go down", () -> !listener.events().isEmpty());
        assertEquals(List.of(Event.down(peer, "malformed status line")), listener.events());
    }

    @Test
    void tcpCheckFollowsTheListeningSocket() {
        TestOrigin origin = origin(Mode.OK);
        Peer peer = origin.peer(0);
        start(List.of(peer), TCP);
        awaitTrue("a few good probes", () -> origin.probes().size() >= FALL + 1);
        assertTrue(peer.isActiveHealthy());
        assertEquals(List.of(), listener.events());

        origin.mode(Mode.REFUSE);
        awaitTrue("the peer to go down", () -> !listener.events().isEmpty());
        assertEquals(List.of(Event.down(peer, "connection refused")), listener.events());
        assertFalse(peer.isActiveHealthy());

        int listening = origin.mode(Mode.OK);
        awaitTrue("the peer to come back", () -> listener.events().size() == 2);
        assertEquals(List.of(Event.down(peer, "connection refused"), Event.up(peer)), listener.events());
        assertTrue(peer.isActiveHealthy());
        // The kernel completes a probe's connect before the origin's accept loop records it.
        awaitTrue("probes reached the port listening again", () -> origin.probesIn(listening).size() >= RISE);
    }

    @Test
    void closeStopsProbing() throws InterruptedException {
        TestOrigin origin = origin(Mode.OK);
        Peer peer = origin.peer(0);
        ActiveHealthChecker checker = start(List.of(peer), HTTP);
        awaitTrue("a few probes", () -> origin.probes().size() >= 2);

        checker.close();
        // Let connections made before close reach the origin's accept loop, then watch for more.
        Thread.sleep(INTERVAL.multipliedBy(4));
        int seen = origin.probes().size();
        Thread.sleep(INTERVAL.multipliedBy(10));

        assertEquals(seen, origin.probes().size(), "no probe after close");
        assertTrue(peer.isActiveHealthy());
        assertEquals(List.of(), listener.events());
    }

    @Test
    void hungProbeDelaysNoOtherPeerAndCloseInterruptsIt() {
        TestOrigin hung = origin(Mode.HANG);
        TestOrigin failing = origin(Mode.ERROR);
        Peer hungPeer = hung.peer(0);
        Peer failingPeer = failing.peer(1);
        // A timeout far beyond the test's own keeps the first probe of hungPeer blocked throughout;
        // fall 1 would take hungPeer down if the probe that close() interrupts were counted.
        ActiveCheck slow = new ActiveCheck(ActiveCheck.Kind.HTTP, "/health", 200, INTERVAL, Duration.ofMinutes(10),
                RISE, 1);
        ActiveHealthChecker checker = start(List.of(hungPeer, failingPeer), slow);
        awaitTrue("the hung peer's first probe", () -> hung.probes().size() == 1);

        awaitTrue("the failing peer to go down", () -> !listener.events().isEmpty());
        assertEquals(List.of(Event.down(failingPeer, "status 500")), listener.events());
        awaitTrue("more probes of the failing peer", () -> failing.probes().size() >= 3);
        assertEquals(1, hung.probes().size(), "the hung peer is still in its first probe");
        assertTrue(hungPeer.isActiveHealthy());

        // Returns only once every probe thread has ended, the blocked one included.
        checker.close();
        assertTrue(hungPeer.isActiveHealthy(), "the interrupted probe is not counted");
        assertEquals(List.of(Event.down(failingPeer, "status 500")), listener.events());
    }

    private TestOrigin origin(Mode mode) {
        TestOrigin origin = new TestOrigin(mode);
        resources.add(origin);
        return origin;
    }

    private ActiveHealthChecker start(List<Peer> peers, ActiveCheck check) {
        ActiveHealthChecker checker = new ActiveHealthChecker(peers, check, listener);
        resources.add(checker);
        checker.start();
        return checker;
    }

    /** Polls an asynchronous outcome for up to 10 s; how soon it comes is not under test. */
    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("gave up waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what);
            }
        }
    }
}
