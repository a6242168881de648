package dev.isthmus.core.upstream;

import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;

/**
 * An upstream connection as the pool sees it: which peer it leads to, and a place in that
 * peer's idle list. The protocol's upstream-side object extends this, so pooling needs no
 * allocation. Its timer is the idle timeout while pooled.
 */
public abstract class PooledConnection extends Timer {
    protected final Peer peer;
    PooledConnection nextIdle;
    PooledConnection previousIdle;
    boolean idle;
    UpstreamPool pool;

    protected PooledConnection(Peer peer) {
        this.peer = peer;
    }

    public final Peer peer() {
        return peer;
    }

    /** The transport connection. */
    public abstract Connection connection();

    /**
     * While idle it heard from its peer (bytes, end of stream): the peer closed it or broke the
     * protocol, so it leaves the pool, closed.
     */
    protected final void dropIdle() {
        pool.removeIdle(this);
        connection().close();
        pool.closed(this);
    }

    /** While idle its connection failed (the transport closed it): it leaves the pool. */
    protected final void idleFailed() {
        pool.removeIdle(this);
        pool.closed(this);
    }

    /** The idle timeout passed: the pool already removed it; close the connection. */
    @Override
    protected final void onTimeout(long nowNanos) {
        if (idle && pool != null) {
            pool.removeIdle(this);
            connection().close();
            pool.closed(this);
        }
    }
}
