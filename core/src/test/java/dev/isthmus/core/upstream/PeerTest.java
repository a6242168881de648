package dev.isthmus.core.upstream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerTest {

    /** Every reading of the nanos clock, whatever its sign, must find a new peer usable. */
    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1, 0, 1, 759_185_072_911L, Long.MAX_VALUE})
    void newPeerIsUsableAtAnyClockReading(long now) {
        Peer peer = new Peer(0, "10.0.0.1", 80, 1);
        assertFalse(peer.isEjected(now));
        assertTrue(peer.isUsable(now));
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE})
    void ejectionHoldsUntilItsDeadline(long until) {
        Peer peer = new Peer(0, "10.0.0.1", 80, 1);
        peer.ejectUntil(until);
        assertTrue(peer.isEjected(until - 1));
        assertFalse(peer.isUsable(until - 1));
        assertFalse(peer.isEjected(until + 1));
        assertTrue(peer.isUsable(until + 1));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1_000})
    void activeHealthGatesUse(long now) {
        Peer peer = new Peer(0, "10.0.0.1", 80, 1);
        peer.setActiveHealthy(false);
        assertFalse(peer.isUsable(now));
        peer.setActiveHealthy(true);
        assertTrue(peer.isUsable(now));
    }
}
