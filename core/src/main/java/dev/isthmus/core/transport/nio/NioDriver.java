package dev.isthmus.core.transport.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;
import dev.isthmus.core.transport.IoDriver;
import dev.isthmus.core.transport.Listener;

/**
 * The NIO driver of one loop. Ready keys are dispatched through
 * {@link Selector#select(Consumer, long)}, which hands each key to one long-lived consumer
 * without building a selected-key set, so a poll allocates nothing.
 *
 * <p>Events that arise inside a call made by a handler (a connect that succeeds at once, a
 * write that fails during {@code flush()}) are queued on an intrusive list of connections and
 * delivered right after the current callback returns, so handlers are never re-entered.
 */
final class NioDriver implements IoDriver {
    private static final System.Logger LOG = System.getLogger(NioDriver.class.getName());
    private static final long NANOS_PER_MILLI = 1_000_000L;
    /** How long a listener stops accepting after the process ran out of file descriptors. */
    private static final long ACCEPT_BACKOFF_NANOS = 100 * NANOS_PER_MILLI;

    final EventLoop loop;
    final Selector selector;
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    private NioConnection deferredHead;
    private NioConnection deferredTail;
    private int connections;
    private boolean waited;

    NioDriver(EventLoop loop) throws IOException {
        this.loop = loop;
        this.selector = Selector.open();
    }

    @Override
    public void poll(long timeoutNanos) throws IOException {
        runDeferred();
        waited = timeoutNanos != 0 && deferredHead == null;
        if (deferredHead != null || timeoutNanos == 0) {
            selector.selectNow(dispatch);
        } else if (timeoutNanos < 0) {
            selector.select(dispatch);
        } else {
            selector.select(dispatch, Math.max(1, (timeoutNanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI));
        }
        runDeferred();
    }

    private void dispatch(SelectionKey key) {
        if (waited) {
            // The first event after a wait: timeouts it starts count from now.
            waited = false;
            loop.refreshClock();
        }
        if (!key.isValid()) {
            // Closed by a callback for another key of this same select: nothing left to do.
            return;
        }
        Object attachment = key.attachment();
        try {
            if (attachment instanceof NioConnection connection) {
                connection.ready(key.readyOps());
            } else if (attachment instanceof NioListener listener) {
                listener.acceptReady();
            } else if (attachment instanceof NioDatagramEndpoint endpoint) {
                endpoint.readReady();
            }
        } catch (Throwable t) {
            loop.uncaught(t, "connection event");
            if (attachment instanceof NioConnection connection) {
                connection.close();
            }
        }
        runDeferred();
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public Listener listen(InetSocketAddress address, boolean reusePort, int backlog, Acceptor acceptor) throws IOException {
        ServerSocketChannel channel = address.getAddress() != null && address.getAddress().getAddress().length == 4
                ? ServerSocketChannel.open(StandardProtocolFamily.INET)
                : ServerSocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.bind(address, backlog);
            NioListener listener = new NioListener(this, channel, acceptor);
            listener.key = channel.register(selector, SelectionKey.OP_ACCEPT, listener);
            return listener;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public DatagramEndpoint bindDatagram(InetSocketAddress address, boolean reusePort, DatagramHandler handler)
            throws IOException {
        DatagramChannel channel = address.getAddress() != null && address.getAddress().getAddress().length == 4
                ? DatagramChannel.open(StandardProtocolFamily.INET)
                : DatagramChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.bind(address);
            NioDatagramEndpoint endpoint = new NioDatagramEndpoint(this, channel, handler);
            endpoint.key = channel.register(selector, SelectionKey.OP_READ, endpoint);
            return endpoint;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public Connection connect(InetSocketAddress address, InetSocketAddress localAddress, long timeoutNanos,
                              ConnectionHandler handler) {
        NioConnection connection = new NioConnection(this, handler);
        connections++;
        SocketChannel channel = null;
        try {
            if (address.isUnresolved()) {
                throw new IOException("unresolved address " + address);
            }
            boolean ipv4 = address.getAddress().getAddress().length == 4;
            channel = SocketChannel.open(ipv4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (localAddress != null) {
                bindLocal(channel, localAddress, ipv4);
            }
            boolean connected = channel.connect(address);
            connection.attach(channel, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT);
            if (connected) {
                connection.connectedNow();
                defer(connection, NioConnection.EVENT_CONNECTED);
            } else if (timeoutNanos > 0) {
                connection.limitConnect(address, timeoutNanos);
            }
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the connect failure is what gets reported
                }
            }
            connection.failedBeforeOpen(e);
        }
        return connection;
    }

    private static void bindLocal(SocketChannel channel, InetSocketAddress localAddress, boolean ipv4) throws IOException {
        if (localAddress.isUnresolved()) {
            throw new IOException("unresolved local address " + localAddress);
        }
        if ((localAddress.getAddress().getAddress().length == 4) != ipv4) {
            // The channel would throw an unchecked UnsupportedAddressTypeException.
            throw new IOException("local address " + localAddress.getAddress().getHostAddress()
                    + " is not of the peer's address family");
        }
        try {
            channel.bind(localAddress);
        } catch (IOException e) {
            throw new IOException("bind to " + localAddress.getAddress().getHostAddress() + ": " + e.getMessage(), e);
        }
    }

    /** Accepts a connection from {@code listener}'s channel; runs on the loop thread. */
    void accepted(SocketChannel channel, Acceptor acceptor) throws IOException {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        NioConnection connection = new NioConnection(this, null);
        connections++;
        connection.attach(channel, SelectionKey.OP_READ);
        connection.connectedNow();
        ConnectionHandler handler = acceptor.accepted(connection);
        if (handler == null) {
            connection.close();
        } else {
            connection.handler(handler);
        }
    }

    void defer(NioConnection connection, int event) {
        if (connection.deferredEvents == 0) {
            if (deferredTail == null) {
                deferredHead = connection;
            } else {
                deferredTail.nextDeferred = connection;
            }
            deferredTail = connection;
        }
        connection.deferredEvents |= event;
    }

    private void runDeferred() {
        while (deferredHead != null) {
            NioConnection connection = deferredHead;
            deferredHead = connection.nextDeferred;
            if (deferredHead == null) {
                deferredTail = null;
            }
            connection.nextDeferred = null;
            int events = connection.deferredEvents;
            connection.deferredEvents = 0;
            try {
                connection.deliverDeferred(events);
            } catch (Throwable t) {
                loop.uncaught(t, "deferred connection event");
                connection.close();
            }
        }
    }

    void connectionClosed() {
        connections--;
    }

    void acceptFailed(NioListener listener, IOException e) {
        LOG.log(System.Logger.Level.WARNING, "loop " + loop.index() + ": accept on " + listener.localAddress()
                + " failed (" + e.getMessage() + "); pausing accepts for " + ACCEPT_BACKOFF_NANOS / NANOS_PER_MILLI + " ms");
        listener.pause(loop.now() + ACCEPT_BACKOFF_NANOS);
    }

    @Override
    public int connectionCount() {
        return connections;
    }

    @Override
    public void close() {
        List<Object> attachments = new ArrayList<>();
        try {
            for (SelectionKey key : selector.keys()) {
                attachments.add(key.attachment());
            }
        } catch (RuntimeException e) {
            // selector already closed
        }
        for (Object attachment : attachments) {
            if (attachment instanceof NioConnection connection) {
                connection.close();
            } else if (attachment instanceof NioListener listener) {
                listener.close();
            } else if (attachment instanceof NioDatagramEndpoint endpoint) {
                endpoint.close();
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing selector", e);
        }
    }
}
