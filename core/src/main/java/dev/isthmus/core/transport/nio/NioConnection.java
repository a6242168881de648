package dev.isthmus.core.transport.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkPool;
import dev.isthmus.core.buffer.ChunkWaiter;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.WriteQueue;

/**
 * A TCP connection of the NIO transport.
 *
 * <p>Reads: one read per readiness event (fairness across sockets), into a small chunk unless
 * the previous read filled one, then into a large chunk until reads get small again.
 *
 * <p>Writes: a queue of chunk windows, sent with one gathering write. Each queue slot keeps
 * its own window, so the same chunk may wait in several queues (retained once per queue);
 * a chunk's NIO buffer is pointed at the slot's window only for the duration of a write.
 */
final class NioConnection implements Connection, ChunkWaiter {
    static final int EVENT_CONNECTED = 1;
    static final int EVENT_CONNECT_FAILED = 2;
    static final int EVENT_ERROR = 4;

    /** Slots gathered into one write(2); well under IOV_MAX. */
    private static final int MAX_GATHER = 64;
    private static final int INITIAL_QUEUE = 4;

    private final NioDriver driver;
    private ConnectionHandler handler;
    private SocketChannel channel;
    private SelectionKey key;
    private int interest;

    private boolean connecting;
    private boolean closed;
    private boolean closedByUser;
    private boolean readSuspended;
    private boolean waitingForMemory;
    private boolean endOfStream;
    private boolean awaitingWritable;
    private boolean shutdownAfterFlush;
    private boolean largeReads;

    private final WriteQueue queue = new WriteQueue();
    private ByteBuffer[] gather = new ByteBuffer[INITIAL_QUEUE];
    /** The window each gathered chunk had before the write, put back afterwards. */
    private int[] gatherStart = new int[INITIAL_QUEUE];
    private int[] gatherEnd = new int[INITIAL_QUEUE];

    int deferredEvents;
    NioConnection nextDeferred;
    private IOException deferredCause;
    /** While a connect with a time limit is pending. */
    private Timer connectTimeout;

    private InetSocketAddress remoteAddress;
    private InetSocketAddress localAddress;
    private byte[] remoteAddressText;

    NioConnection(NioDriver driver, ConnectionHandler handler) {
        this.driver = driver;
        this.handler = handler;
    }

    void attach(SocketChannel channel, int ops) throws IOException {
        this.channel = channel;
        this.connecting = ops == SelectionKey.OP_CONNECT;
        this.key = channel.register(driver.selector, ops, this);
        this.interest = ops;
    }

    /** Gives up the connect if it is still pending after {@code timeoutNanos}. */
    void limitConnect(InetSocketAddress address, long timeoutNanos) {
        connectTimeout = new Timer() {
            @Override
            protected void onTimeout(long nowNanos) {
                if (connecting && !closed) {
                    closeChannel();
                    handler.onConnectFailed(NioConnection.this, new SocketTimeoutException(
                            "connect to " + address + " timed out after "
                                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
                }
            }
        };
        driver.loop.timers().schedule(connectTimeout, driver.loop.now() + timeoutNanos);
    }

    private void stopConnectTimeout() {
        if (connectTimeout != null) {
            driver.loop.timers().cancel(connectTimeout);
            connectTimeout = null;
        }
    }

    void connectedNow() throws IOException {
        remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
        localAddress = (InetSocketAddress) channel.getLocalAddress();
    }

    void failedBeforeOpen(IOException cause) {
        closed = true;
        driver.connectionClosed();
        deferredCause = cause;
        driver.defer(this, EVENT_CONNECT_FAILED);
    }

    void ready(int readyOps) {
        if (connecting) {
            if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
                finishConnect();
            }
            return;
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0 && awaitingWritable) {
            writableReady();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && !closed && !readSuspended && !waitingForMemory && !endOfStream) {
            readOnce();
        }
    }

    private void finishConnect() {
        stopConnectTimeout();
        try {
            if (!channel.finishConnect()) {
                return;
            }
            connecting = false;
            connectedNow();
        } catch (IOException e) {
            closeChannel();
            handler.onConnectFailed(this, e);
            return;
        }
        updateInterest();
        handler.onConnected(this);
    }

    private void readOnce() {
        EventLoop loop = driver.loop;
        ChunkPool pool = largeReads ? loop.chunks() : loop.smallChunks();
        Chunk chunk = pool.acquire();
        if (chunk == null) {
            pool = pool == loop.chunks() ? loop.smallChunks() : loop.chunks();
            chunk = pool.acquire();
            if (chunk == null) {
                waitingForMemory = true;
                updateInterest();
                loop.smallChunks().await(this);
                loop.chunks().await(this);
                return;
            }
        }
        int read;
        try {
            read = channel.read(chunk.nio());
        } catch (IOException e) {
            chunk.release();
            closeChannel();
            handler.onError(this, e);
            return;
        }
        if (read > 0) {
            adaptReadSize(chunk, read);
            chunk.nio().flip();
            handler.onRead(this, chunk);
        } else {
            chunk.release();
            if (read < 0) {
                // Level-triggered readiness would report end of stream forever: stop asking.
                endOfStream = true;
                updateInterest();
                handler.onReadEnd(this);
            }
        }
    }

    private void adaptReadSize(Chunk chunk, int read) {
        if (!largeReads) {
            largeReads = read == chunk.capacity();
        } else if (read <= driver.loop.smallChunks().chunkBytes()) {
            largeReads = false;
        }
    }

    @Override
    public void chunkAvailable() {
        if (waitingForMemory) {
            waitingForMemory = false;
            updateInterest();
        }
    }

    private void writableReady() {
        try {
            writeQueued();
        } catch (IOException e) {
            closeChannel();
            handler.onError(this, e);
            return;
        }
        if (queue.size() == 0) {
            awaitingWritable = false;
            updateInterest();
            drained();
            if (!closed) {
                handler.onWritable(this);
            }
        }
    }

    @Override
    public void write(Chunk chunk) {
        if (closed) {
            chunk.release();
            return;
        }
        queue.add(chunk);
        if (gather.length < queue.capacity()) {
            int size = queue.capacity();
            gather = Arrays.copyOf(gather, size);
            gatherStart = Arrays.copyOf(gatherStart, size);
            gatherEnd = Arrays.copyOf(gatherEnd, size);
        }
    }

    @Override
    public boolean flush() {
        if (closed) {
            return false;
        }
        if (awaitingWritable) {
            return false;
        }
        if (queue.size() > 0) {
            try {
                writeQueued();
            } catch (IOException e) {
                closeChannel();
                deferredCause = e;
                driver.defer(this, EVENT_ERROR);
                return false;
            }
            if (queue.size() > 0) {
                awaitingWritable = true;
                updateInterest();
                return false;
            }
        }
        drained();
        return !closed;
    }

    private void drained() {
        if (shutdownAfterFlush && !closed) {
            shutdownAfterFlush = false;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                // The peer is gone; the read side will report it.
            }
        }
    }

    private void writeQueued() throws IOException {
        while (queue.size() > 0) {
            int slots = gatherSlots();
            long expected = 0;
            for (int i = 0; i < slots; i++) {
                ByteBuffer view = queue.chunk(i).nio();
                // A queued chunk may still be in use elsewhere (a client's input holding the
                // next pipelined request behind a forwarded body slice): its window is borrowed
                // for the write and put back, never left moved.
                gatherStart[i] = view.position();
                gatherEnd[i] = view.limit();
                view.limit(queue.end(i)).position(queue.start(i));
                gather[i] = view;
                expected += queue.remaining(i);
            }
            long written;
            try {
                written = slots == 1 ? channel.write(gather[0]) : channel.write(gather, 0, slots);
            } finally {
                for (int i = 0; i < slots; i++) {
                    queue.start(i, gather[i].position());
                    gather[i].limit(gatherEnd[i]).position(gatherStart[i]);
                }
            }
            int done = 0;
            for (int i = 0; i < slots; i++) {
                gather[i] = null;
                if (queue.remaining(i) == 0) {
                    done++;
                }
            }
            queue.releaseFirst(done);
            if (written < expected) {
                return;
            }
        }
    }

    /** How many leading slots can go in one gathering write: a chunk may appear only once per write. */
    private int gatherSlots() {
        int limit = Math.min(queue.size(), MAX_GATHER);
        for (int i = 1; i < limit; i++) {
            for (int j = 0; j < i; j++) {
                if (queue.chunk(j) == queue.chunk(i)) {
                    return i;
                }
            }
        }
        return limit;
    }

    @Override
    public boolean hasPendingWrites() {
        return awaitingWritable;
    }

    @Override
    public void suspendRead() {
        if (!readSuspended) {
            readSuspended = true;
            updateInterest();
        }
    }

    @Override
    public void resumeRead() {
        if (readSuspended) {
            readSuspended = false;
            updateInterest();
        }
    }

    @Override
    public boolean isReadSuspended() {
        return readSuspended;
    }

    private void updateInterest() {
        if (closed) {
            return;
        }
        int ops;
        if (connecting) {
            ops = SelectionKey.OP_CONNECT;
        } else {
            ops = (readSuspended || waitingForMemory || endOfStream) ? 0 : SelectionKey.OP_READ;
            if (awaitingWritable) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        if (ops != interest) {
            interest = ops;
            key.interestOps(ops);
        }
    }

    @Override
    public void shutdownOutput() {
        if (closed) {
            return;
        }
        if (queue.size() > 0) {
            shutdownAfterFlush = true;
            return;
        }
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            // The peer is gone; the read side will report it.
        }
    }

    @Override
    public void close() {
        closedByUser = true;
        closeChannel();
    }

    private void closeChannel() {
        if (closed) {
            return;
        }
        closed = true;
        driver.connectionClosed();
        stopConnectTimeout();
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort; the descriptor is released either way
        }
        queue.releaseFirst(queue.size());
    }

    void deliverDeferred(int events) {
        if (closedByUser) {
            return;
        }
        if ((events & EVENT_CONNECT_FAILED) != 0) {
            handler.onConnectFailed(this, deferredCause);
        } else if ((events & EVENT_ERROR) != 0) {
            handler.onError(this, deferredCause);
        } else if ((events & EVENT_CONNECTED) != 0 && !closed) {
            handler.onConnected(this);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public EventLoop loop() {
        return driver.loop;
    }

    @Override
    public ConnectionHandler handler() {
        return handler;
    }

    @Override
    public void handler(ConnectionHandler handler) {
        this.handler = handler;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public byte[] remoteAddressText() {
        if (remoteAddressText == null && remoteAddress != null) {
            remoteAddressText = remoteAddress.getAddress().getHostAddress().getBytes(StandardCharsets.US_ASCII);
        }
        return remoteAddressText;
    }

    @Override
    public String toString() {
        return "connection " + localAddress + " <-> " + remoteAddress;
    }
}
