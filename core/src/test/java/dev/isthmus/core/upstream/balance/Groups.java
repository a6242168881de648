package dev.isthmus.core.upstream.balance;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.upstream.Peer;

/** Upstream groups and keys for the balancer tests. */
final class Groups {
    private Groups() {
    }

    /** Peers 10.0.0.1:80, 10.0.0.2:80, ... with the given weights. */
    static List<Peer> weighted(int... weights) {
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            peers.add(new Peer(i, "10.0.0." + (i + 1), 80, weights[i]));
        }
        return peers;
    }

    /** The same hosts and ports as {@code group}, re-indexed by position. */
    static List<Peer> reindexed(List<Peer> group) {
        List<Peer> peers = new ArrayList<>();
        for (Peer peer : group) {
            peers.add(new Peer(peers.size(), peer.host(), peer.port(), peer.weight()));
        }
        return peers;
    }

    static UnsafeBuffer key(String text) {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.UTF_8));
    }

    static long hashKey(BackendSelection selection, String text) {
        UnsafeBuffer key = key(text);
        return selection.hashKey(key, 0, key.capacity());
    }

    /** {@code count} picks through {@code filter}, as peer letters (a = index 0, - = none). */
    static String picks(BackendSelection selection, int count, PeerFilter filter) {
        StringBuilder letters = new StringBuilder();
        for (int i = 0; i < count; i++) {
            Peer peer = selection.select(0, filter);
            letters.append(peer == null ? "-" : letter(peer));
        }
        return letters.toString();
    }

    static char letter(Peer peer) {
        return (char) ('a' + peer.index());
    }

    static PeerFilter rejecting(int... indexes) {
        return peer -> {
            for (int index : indexes) {
                if (peer.index() == index) {
                    return false;
                }
            }
            return true;
        };
    }
}
