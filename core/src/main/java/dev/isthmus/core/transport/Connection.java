package dev.isthmus.core.transport;

import java.net.InetSocketAddress;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;

/**
 * A TCP connection owned by one event loop. Every method must be called on that loop's thread.
 *
 * <p>Writing is two steps so that several pieces (a rebuilt head and the body bytes that
 * followed it) go out together: {@link #write(Chunk)} queues, {@link #flush()} sends. When the
 * connection holds more unsent data than it wants to (the socket is full, or a completion-based
 * transport has too much in flight), flush returns false and the transport calls
 * {@link ConnectionHandler#onWritable} once the backlog is gone. Handlers apply back-pressure
 * by not reading from the other side while {@link #hasPendingWrites()}.
 *
 * <p>Closing is immediate and silent: after {@link #close()} no callback arrives for this
 * connection and queued writes are released unwritten (or, where the kernel still holds them,
 * as soon as it lets go).
 */
public interface Connection {
    EventLoop loop();

    ConnectionHandler handler();

    /** Replaces the handler, e.g. when a pooled upstream connection starts serving another exchange. */
    void handler(ConnectionHandler handler);

    InetSocketAddress remoteAddress();

    InetSocketAddress localAddress();

    /** The remote address as ASCII text ("192.0.2.7", "2001:db8::1"), computed once. */
    byte[] remoteAddressText();

    /** Queues {@code chunk}'s readable window for writing; the connection takes ownership of it. */
    void write(Chunk chunk);

    /**
     * Sends what is queued (or hands it to the kernel).
     *
     * @return true when the connection can take more now; false when the caller should wait
     *         for {@link ConnectionHandler#onWritable} (too much is unsent) or the connection
     *         failed (then {@link ConnectionHandler#onError} follows)
     */
    boolean flush();

    /** True from a {@link #flush()} that returned false until {@link ConnectionHandler#onWritable}. */
    boolean hasPendingWrites();

    /** Stops reading until {@link #resumeRead()}. Incoming bytes wait in the kernel. */
    void suspendRead();

    void resumeRead();

    boolean isReadSuspended();

    /** Sends FIN after the queued writes; reading continues. */
    void shutdownOutput();

    /** Closes now; queued writes are dropped. No callback follows. */
    void close();

    boolean isOpen();

    /** The transport-specific capability to move bytes between connections inside the kernel, or null. */
    default SpliceCapability splice() {
        return null;
    }
}
