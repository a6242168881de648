package dev.isthmus.core.upstream.health;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.health.RecordingListener.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** All times are synthetic values on the nanos clock: nothing here sleeps. */
class PassiveHealthTest {
    private static final Duration COOL_DOWN = Duration.ofSeconds(10);
    private static final long COOL_NANOS = COOL_DOWN.toNanos();
    private static final PassiveCheck THREE_FAILS = new PassiveCheck(3, COOL_DOWN);

    private final List<Peer> peers = List.of(new Peer(0, "10.0.0.1", 80, 1), new Peer(1, "10.0.0.2", 80, 1));
    private final Peer peer = peers.getFirst();
    private final RecordingListener listener = new RecordingListener();

    @Test
    void ejectsAfterExactlyMaxFailsInARow() {
        PassiveHealth health = new PassiveHealth(peers, THREE_FAILS, listener);
        long now = 1_000;

        health.recordFailure(peer, now);
        health.recordFailure(peer, now);
        assertTrue(peer.isUsable(now), "two failures are not enough");
        assertEquals(List.of(), listener.events());

        health.recordFailure(peer, now);
        assertFalse(peer.isUsable(now));
        assertTrue(peer.isEjected(now));
        assertEquals(List.of(Event.ejected(peer, COOL_DOWN)), listener.events());
        assertTrue(peers.get(1).isUsable(now), "counters are per peer");
    }

    @Test
    void successInBetweenStartsTheCountAgain() {
        PassiveHealth health = new PassiveHealth(peers, THREE_FAILS, listener);
        long now = 1_000;

        health.recordFailure(peer, now);
        health.recordFailure(peer, now);
        health.recordSuccess(peer);
        health.recordFailure(peer, now);
        health.recordFailure(peer, now);
        assertTrue(peer.isUsable(now), "only two failures since the success");

        health.recordFailure(peer, now);
        assertFalse(peer.isUsable(now));
        assertEquals(List.of(Event.ejected(peer, COOL_DOWN)), listener.events());
    }

    @Test
    void successesWithoutFailuresChangeNothing() {
        PassiveHealth health = new PassiveHealth(peers, THREE_FAILS, listener);
        for (int i = 0; i < 10; i++) {
            health.recordSuccess(peer);
        }
        health.recordFailure(peer, 0);
        health.recordFailure(peer, 0);
        assertTrue(peer.isUsable(0));
        health.recordFailure(peer, 0);
        assertFalse(peer.isUsable(0));
    }

    /** Includes clock readings around zero and just before the nanos clock wraps. */
    @ParameterizedTest
    @ValueSource(longs = {0, 123_456_789, -5_000_000_000L, Long.MAX_VALUE - 1_000_000})
    void ejectionLastsCoolDownFromTheFailingMoment(long start) {
        PassiveHealth health = new PassiveHealth(peers, THREE_FAILS, listener);
        long ejectedAt = start + 2_000;

        health.recordFailure(peer, start);
        health.recordFailure(peer, start + 1_000);
        health.recordFailure(peer, ejectedAt);

        assertFalse(peer.isUsable(ejectedAt));
        assertFalse(peer.isUsable(ejectedAt + COOL_NANOS - 1), "still ejected 1 ns before the cool-down ends");
        assertTrue(peer.isUsable(ejectedAt + COOL_NANOS), "back when the cool-down ends");
    }

    @Test
    void failuresWhileEjectedNeitherExtendNorCount() {
        PassiveHealth health = new PassiveHealth(peers, THREE_FAILS, listener);
        long ejectedAt = 1_000;
        for (int i = 0; i < 3; i++) {
            health.recordFailure(peer, ejectedAt);
        }

        long during = ejectedAt + COOL_NANOS / 2;
        for (int i = 0; i < 10; i++) {
            health.recordFailure(peer, during);
        }
        long over = ejectedAt + COOL_NANOS;
        assertTrue(peer.isUsable(over), "late failures did not extend the ejection");
        assertEquals(1, listener.events().size());

        health.recordFailure(peer, over);
        health.recordFailure(peer, over);
        assertTrue(peer.isUsable(over), "the count started again at the ejection");
        health.recordFailure(peer, over);
        assertFalse(peer.isUsable(over));
        assertFalse(peer.isUsable(over + COOL_NANOS - 1));
        assertTrue(peer.isUsable(over + COOL_NANOS));
        assertEquals(List.of(Event.ejected(peer, COOL_DOWN), Event.ejected(peer, COOL_DOWN)), listener.events());
    }

    @Test
    void disabledDoesNothing() {
        PassiveHealth health = new PassiveHealth(peers, PassiveCheck.OFF, listener);
        for (int i = 0; i < 100; i++) {
            health.recordFailure(peer, 0);
        }
        health.recordSuccess(peer);
        assertTrue(peer.isUsable(0));
        assertEquals(List.of(), listener.events());
    }

    @Test
    void concurrentFailuresEjectOnce() throws Exception {
        int threads = 8;
        PassiveHealth health = new PassiveHealth(peers, new PassiveCheck(2, COOL_DOWN), listener);
        CyclicBarrier go = new CyclicBarrier(threads);
        long now = 1_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < 10_000; i++) {
                    health.recordFailure(peer, now);
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }

        assertEquals(List.of(Event.ejected(peer, COOL_DOWN)), listener.events());
        assertTrue(peer.isEjected(now));
        assertTrue(peer.isUsable(now + COOL_NANOS));
    }

    @Test
    void peersMustSitAtTheirIndex() {
        List<Peer> shuffled = List.of(peers.get(1), peers.get(0));
        assertThrows(IllegalArgumentException.class, () -> new PassiveHealth(shuffled, THREE_FAILS, listener));
    }
}
