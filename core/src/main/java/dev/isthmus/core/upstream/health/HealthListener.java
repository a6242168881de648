package dev.isthmus.core.upstream.health;

import dev.isthmus.core.upstream.Peer;

import java.time.Duration;

/**
 * Hears health transitions of upstream peers; metrics and access logs hook in here.
 *
 * <p>Every method defaults to doing nothing, so an implementation overrides only what it
 * needs. Each transition is reported once, after it has been published on the {@link Peer}.
 *
 * <p>Caveats: calls come from the thread that saw the transition: an active checker's probe
 * thread (one virtual thread per peer, so calls for different peers may be concurrent) or,
 * for passive ejections, an event loop. Implementations must therefore be thread-safe, quick
 * and non-blocking. An exception thrown here is logged and otherwise ignored.
 */
public interface HealthListener {

    /**
     * The active check took {@code peer} out of rotation after {@code fall} failed probes in a
     * row; {@code reason} describes the last failure ("connection refused", "timeout",
     * "status 500", ...).
     */
    default void peerDown(Peer peer, String reason) {
    }

    /** The active check put {@code peer} back into rotation after {@code rise} good probes in a row. */
    default void peerUp(Peer peer) {
    }

    /** Passive checking ejected {@code peer} for {@code coolDown} after consecutive failed requests. */
    default void peerEjected(Peer peer, Duration coolDown) {
    }
}
