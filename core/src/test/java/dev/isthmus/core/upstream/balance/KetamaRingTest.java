package dev.isthmus.core.upstream.balance;

import static dev.isthmus.core.upstream.balance.Groups.hashKey;
import static dev.isthmus.core.upstream.balance.Groups.rejecting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;

class KetamaRingTest {
    private static final int KEYS = 10_000;

    private static List<Peer> fivePeers() {
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            peers.add(new Peer(i, "10.1.0." + (10 + i), 8080, 1));
        }
        return peers;
    }

    /** The name of the peer every key lands on, with every peer accepted. */
    private static String[] placement(List<Peer> peers, PeerFilter filter) {
        BackendSelection ring = BalanceAlgorithm.CONSISTENT_HASH.create(peers);
        String[] names = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            names[i] = ring.select(hashKey(ring, "device-" + i), filter).name();
        }
        return names;
    }

    private static List<Peer> without(List<Peer> peers, int removed) {
        List<Peer> rest = new ArrayList<>(peers);
        rest.remove(removed);
        return Groups.reindexed(rest);
    }

    @Test
    void removingAPeerMovesOnlyTheKeysThatWereOnIt() {
        List<Peer> peers = fivePeers();
        String[] before = placement(peers, PeerFilter.ANY);
        for (int removed = 0; removed < peers.size(); removed++) {
            String removedName = peers.get(removed).name();
            String[] after = placement(without(peers, removed), PeerFilter.ANY);
            int moved = 0;
            for (int i = 0; i < KEYS; i++) {
                if (before[i].equals(removedName)) {
                    moved++;
                } else {
                    assertEquals(before[i], after[i], "key device-" + i + " moved though its peer stayed");
                }
            }
            assertTrue(moved > KEYS / 10 && moved < KEYS * 3 / 10,
                    moved + " keys were on " + removedName + ", expected about a fifth of " + KEYS);
        }
    }

    @Test
    void addingTheRemovedPeerBackRestoresTheMapping() {
        List<Peer> peers = fivePeers();
        String[] original = placement(peers, PeerFilter.ANY);
        List<Peer> four = without(peers, 2);
        List<Peer> fiveAgain = new ArrayList<>(four);
        fiveAgain.add(peers.get(2));
        assertArrayEquals(original, placement(Groups.reindexed(fiveAgain), PeerFilter.ANY),
                "placement must depend on the peers, not on their order");
    }

    @Test
    void aNewPeerTakesKeysOnlyForItself() {
        List<Peer> peers = fivePeers();
        String[] before = placement(peers, PeerFilter.ANY);
        List<Peer> six = new ArrayList<>(peers);
        six.add(new Peer(5, "10.1.0.99", 8080, 1));
        String[] after = placement(six, PeerFilter.ANY);
        int taken = 0;
        for (int i = 0; i < KEYS; i++) {
            if (!before[i].equals(after[i])) {
                assertEquals("10.1.0.99:8080", after[i]);
                taken++;
            }
        }
        assertTrue(taken > KEYS / 12 && taken < KEYS / 4, taken + " keys moved to the new peer");
    }

    @Test
    void aRejectedPeerIsTreatedAsIfRemoved() {
        List<Peer> peers = fivePeers();
        for (int rejected = 0; rejected < peers.size(); rejected++) {
            assertArrayEquals(placement(without(peers, rejected), PeerFilter.ANY), placement(peers, rejecting(rejected)));
        }
    }

    @Test
    void weightsSkewTheShare() {
        List<Peer> peers = List.of(new Peer(0, "10.1.0.10", 8080, 1), new Peer(1, "10.1.0.11", 8080, 1),
                new Peer(2, "10.1.0.12", 8080, 4));
        String[] placement = placement(peers, PeerFilter.ANY);
        int heavy = 0;
        for (String name : placement) {
            if (name.equals("10.1.0.12:8080")) {
                heavy++;
            }
        }
        assertTrue(heavy > KEYS / 2 && heavy < KEYS * 8 / 10, heavy + " of " + KEYS + " keys on the weight-4 peer");
    }

    @Test
    void returnsNullWhenEveryPeerIsRejectedOrTheGroupIsEmpty() {
        BackendSelection ring = BalanceAlgorithm.CONSISTENT_HASH.create(fivePeers());
        assertNull(ring.select(hashKey(ring, "device-1"), rejecting(0, 1, 2, 3, 4)));
        BackendSelection empty = BalanceAlgorithm.CONSISTENT_HASH.create(List.of());
        assertNull(empty.select(hashKey(empty, "device-1"), PeerFilter.ANY));
    }
}
