package dev.isthmus.core.upstream.balance;

import java.util.List;

import dev.isthmus.core.upstream.Peer;

/**
 * Peers in turn, weights ignored. Peers the filter rejects are skipped; the cycle resumes after
 * the peer that was picked.
 */
final class RoundRobin implements BackendSelection {
    private final List<Peer> peers;
    private final Peer[] ring;
    private int next;

    RoundRobin(List<Peer> peers) {
        this.peers = peers;
        this.ring = peers.toArray(new Peer[0]);
    }

    @Override
    public Peer select(long keyHash, PeerFilter filter) {
        int count = ring.length;
        int candidate = next;
        for (int tried = 0; tried < count; tried++) {
            Peer peer = ring[candidate];
            candidate = candidate + 1 == count ? 0 : candidate + 1;
            if (filter.accept(peer)) {
                next = candidate;
                return peer;
            }
        }
        return null;
    }

    @Override
    public List<Peer> peers() {
        return peers;
    }
}
