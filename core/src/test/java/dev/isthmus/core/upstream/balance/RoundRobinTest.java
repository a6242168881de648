package dev.isthmus.core.upstream.balance;

import static dev.isthmus.core.upstream.balance.Groups.picks;
import static dev.isthmus.core.upstream.balance.Groups.rejecting;
import static dev.isthmus.core.upstream.balance.Groups.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

class RoundRobinTest {

    @Test
    void cyclesThroughPeersIgnoringWeights() {
        BackendSelection selection = BalanceAlgorithm.ROUND_ROBIN.create(weighted(5, 1, 1));
        assertEquals("abcabcabc", picks(selection, 9, PeerFilter.ANY));
    }

    @Test
    void skipsRejectedPeersAndResumesAfterThePick() {
        BackendSelection selection = BalanceAlgorithm.ROUND_ROBIN.create(weighted(1, 1, 1, 1));
        assertEquals("ab", picks(selection, 2, PeerFilter.ANY));
        assertEquals("dada", picks(selection, 4, rejecting(1, 2)));
        assertEquals("bcd", picks(selection, 3, PeerFilter.ANY));
    }

    @Test
    void returnsNullWhenEveryPeerIsRejectedOrTheGroupIsEmpty() {
        assertNull(BalanceAlgorithm.ROUND_ROBIN.create(weighted(1, 1)).select(0, rejecting(0, 1)));
        assertNull(BalanceAlgorithm.ROUND_ROBIN.create(List.of()).select(0, PeerFilter.ANY));
    }
}
