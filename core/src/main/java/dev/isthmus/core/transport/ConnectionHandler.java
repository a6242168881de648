package dev.isthmus.core.transport;

import java.io.IOException;

import dev.isthmus.core.buffer.Chunk;

/**
 * What a protocol does when something happens on one of its connections. All callbacks run
 * on the connection's event loop thread and never re-enter: a transport defers any event
 * that arises inside a call the handler made (a connect that completes at once, a write that
 * fails) until that call has returned.
 */
public interface ConnectionHandler {
    /** An outbound connection is established. */
    default void onConnected(Connection connection) {
    }

    /** An outbound connection could not be established; it is already closed. */
    default void onConnectFailed(Connection connection, IOException cause) {
    }

    /**
     * Bytes arrived. The handler owns {@code data} (its readable window holds the bytes) and
     * must release it or pass it on, e.g. by writing it to another connection.
     */
    void onRead(Connection connection, Chunk data);

    /** The peer closed its sending side (end of stream). The connection is still open. */
    void onReadEnd(Connection connection);

    /** The connection takes writes again after a {@link Connection#flush()} that returned false. */
    default void onWritable(Connection connection) {
    }

    /** The connection failed (reset, write error) and has been closed; queued writes were dropped. */
    void onError(Connection connection, IOException cause);
}
