package dev.isthmus.core.upstream.balance;

import java.util.List;

import dev.isthmus.core.upstream.Peer;

/**
 * nginx's smooth weighted round-robin: each pick adds every acceptable peer's weight to its
 * current weight, takes the peer with the highest current weight (the first one on ties) and
 * subtracts the sum of the weights added from it. Over {@code sum(weights)} picks every peer
 * gets exactly its weight, interleaved rather than in bursts: weights 5, 1, 1 give
 * {@code a a b a c a a}.
 *
 * <p>Same sequence as an nginx worker whose upstream has the same peers in the same order.
 * Unlike nginx, the weight does not drop temporarily after a failure (nginx's
 * {@code effective_weight}); health is the filter's business here.
 */
final class SmoothWeightedRoundRobin implements BackendSelection {
    private final List<Peer> peers;
    private final Peer[] ring;
    private final int[] weights;
    private final long[] currentWeights;

    SmoothWeightedRoundRobin(List<Peer> peers) {
        this.peers = peers;
        this.ring = peers.toArray(new Peer[0]);
        this.weights = new int[ring.length];
        for (int i = 0; i < ring.length; i++) {
            weights[i] = ring[i].weight();
        }
        this.currentWeights = new long[ring.length];
    }

    @Override
    public Peer select(long keyHash, PeerFilter filter) {
        int best = -1;
        long total = 0;
        for (int i = 0; i < ring.length; i++) {
            if (!filter.accept(ring[i])) {
                continue;
            }
            currentWeights[i] += weights[i];
            total += weights[i];
            if (best < 0 || currentWeights[i] > currentWeights[best]) {
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        currentWeights[best] -= total;
        return ring[best];
    }

    @Override
    public List<Peer> peers() {
        return peers;
    }
}
