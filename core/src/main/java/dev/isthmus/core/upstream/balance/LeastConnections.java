package dev.isthmus.core.upstream.balance;

import java.util.List;

import dev.isthmus.core.upstream.Peer;

/**
 * The acceptable peer with the fewest requests in flight relative to its weight: peer a beats
 * peer b when {@code inflight(a) * weight(b) < inflight(b) * weight(a)}. Among equally loaded
 * peers the search starts after the previous pick, so ties go round-robin.
 *
 * <p>Counts are this event loop's own ({@link #select} adds one, {@link #release} takes it
 * away), not the group's global load: with several loops, each balances its own share. A
 * {@code release} without a matching {@code select} is ignored rather than driving a count
 * below zero.
 */
final class LeastConnections implements BackendSelection {
    private final List<Peer> peers;
    private final Peer[] ring;
    private final int[] weights;
    private final long[] inflight;
    private int start;

    LeastConnections(List<Peer> peers) {
        this.peers = peers;
        this.ring = peers.toArray(new Peer[0]);
        this.weights = new int[ring.length];
        for (int i = 0; i < ring.length; i++) {
            weights[i] = ring[i].weight();
        }
        this.inflight = new long[ring.length];
    }

    @Override
    public Peer select(long keyHash, PeerFilter filter) {
        int count = ring.length;
        int best = -1;
        int candidate = start;
        for (int scanned = 0; scanned < count; scanned++) {
            if (filter.accept(ring[candidate])
                    && (best < 0 || inflight[candidate] * weights[best] < inflight[best] * weights[candidate])) {
                best = candidate;
            }
            candidate = candidate + 1 == count ? 0 : candidate + 1;
        }
        if (best < 0) {
            return null;
        }
        inflight[best]++;
        start = best + 1 == count ? 0 : best + 1;
        return ring[best];
    }

    @Override
    public void release(Peer peer) {
        int index = peer.index();
        if (index < ring.length && ring[index] == peer && inflight[index] > 0) {
            inflight[index]--;
        }
    }

    @Override
    public List<Peer> peers() {
        return peers;
    }
}
