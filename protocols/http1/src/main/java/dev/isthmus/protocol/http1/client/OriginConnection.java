package dev.isthmus.protocol.http1.client;

import java.io.IOException;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PooledConnection;

/**
 * A client connection to an origin peer, for its whole life: serving one exchange at a time, or
 * idle in the client's pool. While idle any event means the origin closed it or broke the
 * protocol, so it leaves the pool at once.
 */
final class OriginConnection extends PooledConnection implements ConnectionHandler {
    Connection connection;
    ClientExchange exchange;
    /** Requests sent on it so far; more than zero means it is being reused. */
    int served;

    OriginConnection(Peer peer) {
        super(peer);
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public void onConnected(Connection c) {
        if (exchange != null) {
            exchange.connected(this);
        }
    }

    @Override
    public void onConnectFailed(Connection c, IOException cause) {
        if (exchange != null) {
            exchange.connectFailed(this, cause);
        }
    }

    @Override
    public void onRead(Connection c, Chunk data) {
        if (exchange == null) {
            data.release();
            dropIdle();
        } else {
            exchange.data(data);
        }
    }

    @Override
    public void onReadEnd(Connection c) {
        if (exchange == null) {
            dropIdle();
        } else {
            exchange.ended(null);
        }
    }

    @Override
    public void onError(Connection c, IOException cause) {
        if (exchange == null) {
            idleFailed();
        } else {
            exchange.ended(cause);
        }
    }
}
