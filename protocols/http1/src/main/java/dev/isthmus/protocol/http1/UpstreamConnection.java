package dev.isthmus.protocol.http1;

import java.io.IOException;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PooledConnection;

/**
 * A connection to an upstream peer, for its whole life: serving one exchange at a time, or
 * idle in the loop's pool. While idle, any event means the upstream closed it or broke the
 * protocol, so it leaves the pool at once and is never handed to a request.
 */
final class UpstreamConnection extends PooledConnection implements ConnectionHandler {
    Connection connection;
    Exchange exchange;
    /** Requests served so far; more than zero means the connection was reused. */
    int served;

    UpstreamConnection(Peer peer, Exchange exchange) {
        super(peer);
        this.exchange = exchange;
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public void onConnected(Connection c) {
        exchange.upstreamConnected(this);
    }

    @Override
    public void onConnectFailed(Connection c, IOException cause) {
        exchange.upstreamConnectFailed(this, cause);
    }

    @Override
    public void onRead(Connection c, Chunk data) {
        if (exchange == null) {
            data.release();
            dropIdle();
        } else {
            exchange.upstreamData(data);
        }
    }

    @Override
    public void onReadEnd(Connection c) {
        if (exchange == null) {
            dropIdle();
        } else {
            exchange.upstreamEnded(null);
        }
    }

    @Override
    public void onWritable(Connection c) {
        if (exchange != null) {
            exchange.upstreamWritable();
        }
    }

    @Override
    public void onError(Connection c, IOException cause) {
        if (exchange == null) {
            idleFailed();
        } else {
            exchange.upstreamEnded(cause);
        }
    }
}
