package dev.isthmus.core.server;

import dev.isthmus.core.transport.Acceptor;

/**
 * The part of a {@link ProtocolService} that lives on one event loop. All methods run on
 * that loop's thread.
 */
public interface LoopService extends Acceptor {
    /**
     * Graceful shutdown began: listeners are closed. Finish what is in flight, then close;
     * close idle connections now. The server waits for the loop's connections to reach zero
     * or for the grace period to end.
     */
    default void drain() {
    }

    /** The loop is ending; everything still open will be closed by the transport. */
    default void close() {
    }
}
