package dev.isthmus.core.upstream.balance;

import static dev.isthmus.core.upstream.balance.Groups.picks;
import static dev.isthmus.core.upstream.balance.Groups.rejecting;
import static dev.isthmus.core.upstream.balance.Groups.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;

class LeastConnectionsTest {

    @Test
    void inFlightRequestsSpreadInProportionToWeight() {
        BackendSelection selection = BalanceAlgorithm.LEAST_CONN.create(weighted(1, 3, 2));
        int[] inflight = new int[3];
        for (int i = 0; i < 60; i++) {
            inflight[selection.select(0, PeerFilter.ANY).index()]++;
        }
        assertEquals(10, inflight[0]);
        assertEquals(30, inflight[1]);
        assertEquals(20, inflight[2]);
    }

    @Test
    void picksTheLeastLoadedAndReleaseFreesIt() {
        BackendSelection selection = BalanceAlgorithm.LEAST_CONN.create(weighted(1, 1, 1));
        Peer a = selection.select(0, PeerFilter.ANY);
        Peer b = selection.select(0, PeerFilter.ANY);
        Peer c = selection.select(0, PeerFilter.ANY);
        assertEquals("abc", "" + Groups.letter(a) + Groups.letter(b) + Groups.letter(c));
        selection.release(b);
        assertEquals(b, selection.select(0, PeerFilter.ANY), "b is the only peer with nothing in flight");
        selection.release(c);
        selection.release(a);
        assertEquals("ca", picks(selection, 2, PeerFilter.ANY));
    }

    @Test
    void tiesRotateRoundRobin() {
        BackendSelection selection = BalanceAlgorithm.LEAST_CONN.create(weighted(2, 2, 2));
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            Peer peer = selection.select(0, PeerFilter.ANY);
            order.append(Groups.letter(peer));
            selection.release(peer);
        }
        assertEquals("abcabca", order.toString());
    }

    @Test
    void rejectedPeersAreSkippedAndNullWhenNoneIsLeft() {
        BackendSelection selection = BalanceAlgorithm.LEAST_CONN.create(weighted(1, 1, 1));
        assertEquals("bbb", picks(selection, 3, rejecting(0, 2)));
        assertNull(selection.select(0, rejecting(0, 1, 2)));
        assertEquals("caca", picks(selection, 4, PeerFilter.ANY), "b still has three in flight");
    }

    @Test
    void releaseWithoutSelectDoesNotMakeAPeerLookEmptier() {
        BackendSelection selection = BalanceAlgorithm.LEAST_CONN.create(weighted(1, 1));
        Peer a = selection.peers().get(0);
        selection.release(a);
        selection.release(a);
        assertEquals("abab", picks(selection, 4, PeerFilter.ANY));
    }
}
