package dev.isthmus.core.server;

import dev.isthmus.core.loop.EventLoop;

/**
 * A protocol served on one or more listeners (the HTTP proxy, later MQTT and CoAP). The
 * server attaches it to every event loop once; the per-loop part owns that loop's state
 * (pools, balancer cursors, sessions) so the hot path needs no locks.
 */
public interface ProtocolService {
    /** Called on {@code loop}'s thread before the loop's listeners open. */
    LoopService attach(EventLoop loop);

    /** Called once when the server has stopped, after every loop ended (release shared resources). */
    default void stopped() {
    }
}
