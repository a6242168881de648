package dev.isthmus.core.transport;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The I/O half of one event loop: it waits for readiness or completions, runs the
 * connection callbacks, and owns the loop's sockets. One driver per loop, used only from
 * the loop thread except {@link #wakeup()}.
 */
public interface IoDriver extends AutoCloseable {
    /**
     * Waits for I/O up to {@code timeoutNanos} (0: do not wait; negative: until something
     * happens or {@link #wakeup()}) and dispatches what happened.
     */
    void poll(long timeoutNanos) throws IOException;

    /** Makes a blocked or the next {@link #poll} return at once. Any thread. */
    void wakeup();

    /**
     * Listens on {@code address}. With {@code reusePort} several loops bind the same address
     * and the kernel spreads incoming connections over them.
     */
    Listener listen(InetSocketAddress address, boolean reusePort, int backlog, Acceptor acceptor) throws IOException;

    /**
     * Starts connecting to {@code address}. The outcome arrives as
     * {@link ConnectionHandler#onConnected} or {@link ConnectionHandler#onConnectFailed},
     * never from within this call. A connect still pending after {@code timeoutNanos} (when
     * above 0; otherwise the kernel's own limit applies) is abandoned and fails with a
     * {@link java.net.SocketTimeoutException}.
     */
    default Connection connect(InetSocketAddress address, long timeoutNanos, ConnectionHandler handler) {
        return connect(address, null, timeoutNanos, handler);
    }

    /**
     * Starts connecting to {@code address} from {@code localAddress}: the socket is bound to it
     * before connecting, so the peer sees that source address (one of several local addresses,
     * to open more connections to one peer than one address has ephemeral ports). Null binds
     * nothing and lets the kernel pick; port 0 picks the address and lets the kernel pick the
     * port. A local address of the other family (IPv4 against IPv6) or one this host does not
     * have fails the connect like any other cause, through
     * {@link ConnectionHandler#onConnectFailed}. Otherwise as
     * {@link #connect(InetSocketAddress, long, ConnectionHandler)}.
     */
    Connection connect(InetSocketAddress address, InetSocketAddress localAddress, long timeoutNanos,
                       ConnectionHandler handler);

    /**
     * Opens a UDP socket bound to {@code address} whose datagrams go to {@code handler}. With
     * {@code reusePort} several loops bind the same address and the kernel spreads the datagrams
     * over them by sender, so one sender's datagrams always reach the same loop.
     */
    DatagramEndpoint bindDatagram(InetSocketAddress address, boolean reusePort, DatagramHandler handler)
            throws IOException;

    /** Open connections (accepted and outbound). */
    int connectionCount();

    /** Closes every socket of this driver. */
    @Override
    void close();
}
