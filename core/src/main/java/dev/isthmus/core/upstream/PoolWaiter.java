package dev.isthmus.core.upstream;

/**
 * A request waiting for a connection to a peer that is at its connection limit. It is told
 * exactly once: handed an idle connection, or allowed to open a new one.
 */
public interface PoolWaiter {
    /** A connection was released for this waiter; it is no longer in the pool. */
    void connectionAvailable(PooledConnection connection);

    /** A connection slot freed up; the waiter may open a new connection (already counted). */
    void slotAvailable();
}
