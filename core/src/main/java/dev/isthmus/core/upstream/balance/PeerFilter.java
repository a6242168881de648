package dev.isthmus.core.upstream.balance;

import dev.isthmus.core.upstream.Peer;

/**
 * Says whether a peer may take the request being balanced. The proxy passes one that checks
 * the peer's health and skips peers already tried for this request, so a balancer never has
 * to know about retries.
 *
 * <p>Called on the event loop, possibly several times per pick: keep it cheap, side-effect
 * free and allocation free.
 */
@FunctionalInterface
public interface PeerFilter {
    /** Accepts every peer. */
    PeerFilter ANY = peer -> true;

    boolean accept(Peer peer);
}
