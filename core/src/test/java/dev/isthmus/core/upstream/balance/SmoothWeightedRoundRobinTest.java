package dev.isthmus.core.upstream.balance;

import static dev.isthmus.core.upstream.balance.Groups.picks;
import static dev.isthmus.core.upstream.balance.Groups.rejecting;
import static dev.isthmus.core.upstream.balance.Groups.weighted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;

class SmoothWeightedRoundRobinTest {

    @Test
    void weightsFiveOneOneInterleaveAsNginxDoes() {
        BackendSelection selection = BalanceAlgorithm.WEIGHTED_ROUND_ROBIN.create(weighted(5, 1, 1));
        assertEquals("aabacaa" + "aabacaa" + "aabacaa", picks(selection, 21, PeerFilter.ANY));
    }

    @Test
    void everyCycleGivesEachPeerExactlyItsWeight() {
        int[] weights = {3, 1, 7, 2, 10};
        BackendSelection selection = BalanceAlgorithm.WEIGHTED_ROUND_ROBIN.create(weighted(weights));
        int cycles = 1_000;
        int[] counts = new int[weights.length];
        for (int i = 0; i < cycles * Arrays.stream(weights).sum(); i++) {
            counts[selection.select(0, PeerFilter.ANY).index()]++;
        }
        int[] expected = new int[weights.length];
        for (int i = 0; i < weights.length; i++) {
            expected[i] = weights[i] * cycles;
        }
        assertArrayEquals(expected, counts);
    }

    @Test
    void rejectedPeersAreLeftOutAndTheOthersKeepTheirRatio() {
        BackendSelection selection = BalanceAlgorithm.WEIGHTED_ROUND_ROBIN.create(weighted(5, 2, 1));
        assertEquals("bcbbcb", picks(selection, 6, rejecting(0)));
    }

    @Test
    void returnsNullWhenEveryPeerIsRejected() {
        BackendSelection selection = BalanceAlgorithm.WEIGHTED_ROUND_ROBIN.create(weighted(5, 1, 1));
        assertNull(selection.select(0, rejecting(0, 1, 2)));
        Peer next = selection.select(0, PeerFilter.ANY);
        assertEquals(0, next.index(), "a pick that found nobody must not disturb the sequence");
    }
}
