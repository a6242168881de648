package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.SpliceCapability;
import dev.isthmus.core.transport.WriteQueue;

/**
 * A TCP connection of the io_uring transport.
 *
 * <p>Reads: one multishot receive stays armed while the connection reads; the kernel picks a
 * chunk from the loop's provided-buffer ring for each arrival and the chunk goes to the
 * handler as it is. Suspending is lazy: data that arrives while suspended is kept aside and
 * only then is the receive cancelled, so suspend/resume pairs with nothing arriving in
 * between cost nothing. When the buffer ring runs dry (ENOBUFS) the receive is re-armed as
 * soon as the driver has provided buffers again.
 *
 * <p>Writes: a queue of chunk windows like the NIO transport's. One send is in flight at a
 * time and takes everything queued (a SEND for one window, a SENDMSG gathering up to
 * {@link UringDriver.NativeScratch#MAX_IOVECS}); short sends continue from where the kernel
 * stopped. The chunks of the send in flight stay referenced until its completion, whatever
 * happens to the connection meanwhile. {@link #flush()} reports "wait" once more than
 * {@value #HIGH_WATERMARK} bytes are unsent, and {@link ConnectionHandler#onWritable} follows
 * when the backlog is down to {@value #LOW_WATERMARK}.
 *
 * <p>Closing cancels the receive (and a connect) and drops writes that were never flushed;
 * what was flushed still goes out, for up to {@value #CLOSE_LINGER_MILLIS} ms (with NIO it
 * would already sit in the socket buffer). The descriptor is closed through the ring once no
 * operation refers to the connection any more.
 */
final class UringConnection extends UringDriver.Completer implements Connection {
    static final int HIGH_WATERMARK = 256 * 1024;
    static final int LOW_WATERMARK = 64 * 1024;
    private static final long CLOSE_LINGER_MILLIS = 2000;
    private static final int EVENT_CONNECT_FAILED = 1;
    private static final int EVENT_STASHED = 2;

    final UringDriver driver;
    private final Ring ring;
    private ConnectionHandler handler;
    int fd = -1;
    /** Operations submitted whose last completion has not arrived yet. */
    private int inFlight;

    private boolean connecting;
    private boolean closed;
    private boolean closedByUser;
    private boolean descriptorClosed;
    private boolean receiving;
    private boolean cancellingReceive;
    private boolean readSuspended;
    private boolean endOfStream;
    private boolean starved;

    /** What arrived while reading was suspended, delivered in order on resume. */
    private ArrayDeque<Chunk> stash;
    private boolean stashedEnd;

    private final WriteQueue queue = new WriteQueue();
    /** Leading queue slots handed over by flush(); close sends these and drops the rest. */
    private int flushed;
    /** Leading queue slots covered by the send in flight; 0 when none is. */
    private int sending;
    private long unsent;
    private UringDriver.NativeScratch sendScratch;
    private boolean awaitingWritable;
    private boolean shutdownAfterFlush;
    private Timer lingerTimer;

    private UringDriver.NativeScratch connectScratch;
    private int deferredEvents;
    private IOException deferredCause;

    /** This connection's splice capability, once asked for. */
    UringSplice splice;
    /** The splice writing into this connection, while one runs. */
    UringSplice spliceInto;
    /** Set once a splice has switched the socket to O_NONBLOCK. */
    private boolean nonBlocking;
    /** The time limit of the pending connect, for its message. */
    private long connectLimitNanos;

    private InetSocketAddress remoteAddress;
    private InetSocketAddress localAddress;
    private byte[] remoteAddressText;

    UringConnection(UringDriver driver, ConnectionHandler handler) {
        this.driver = driver;
        this.ring = driver.ring;
        this.handler = handler;
        driver.register(this);
    }

    // ---- establishing

    void acceptedAs(int descriptor, InetSocketAddress remote) {
        this.fd = descriptor;
        this.remoteAddress = remote;
    }

    void connect(InetSocketAddress address, InetSocketAddress local, long timeoutNanos) {
        if (address.isUnresolved()) {
            failBeforeOpen(new IOException("unresolved address " + address));
            return;
        }
        int family = SocketAddresses.family(address);
        if (local != null && (local.isUnresolved() || SocketAddresses.family(local) != family)) {
            failBeforeOpen(new IOException(local.isUnresolved() ? "unresolved local address " + local
                    : "local address " + local.getAddress().getHostAddress() + " is not of the peer's address family"));
            return;
        }
        int descriptor = Libc.socket(driver.errno, family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (descriptor < 0) {
            failBeforeOpen(NativeException.of("socket", Libc.errno(driver.errno)));
            return;
        }
        fd = descriptor;
        remoteAddress = address;
        Sockets.setInt(driver, fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
        connectScratch = driver.scratch();
        if (local != null) {
            // bind(2) is immediate; the scratch's sockaddr is then rewritten for the connect.
            int localLength = SocketAddresses.write(local, family, connectScratch.sockaddr());
            if (Libc.bind(driver.errno, fd, connectScratch.sockaddr(), localLength) < 0) {
                int errno = Libc.errno(driver.errno);
                driver.recycle(connectScratch);
                connectScratch = null;
                failBeforeOpen(NativeException.of("bind to " + local.getAddress().getHostAddress(), errno));
                return;
            }
        }
        int length = SocketAddresses.write(address, family, connectScratch.sockaddr());
        if (timeoutNanos > 0) {
            driver.reserveSqes(2);
        }
        long sqe = driver.sqe();
        ring.prepare(sqe, Ring.OP_CONNECT, fd, connectScratch.sockaddr().address(), 0, length, userData(UringDriver.T_CONNECT));
        if (timeoutNanos > 0) {
            connectLimitNanos = timeoutNanos;
            driver.linkTimeout(sqe, timeoutNanos, connectScratch);
        }
        connecting = true;
        inFlight++;
    }

    private void failBeforeOpen(IOException cause) {
        closeQuietly();
        deferredCause = cause;
        defer(EVENT_CONNECT_FAILED);
    }

    private void connected(int result) {
        inFlight--;
        connecting = false;
        driver.recycle(connectScratch);
        connectScratch = null;
        if (closed) {
            finishCloseIfIdle();
            return;
        }
        if (result == -Errno.ECANCELED) {
            // Only the linked timeout cancels a connect of an open connection.
            closeQuietly();
            handler.onConnectFailed(this, new SocketTimeoutException("connect to " + remoteAddress + " timed out after "
                    + TimeUnit.NANOSECONDS.toMillis(connectLimitNanos) + " ms"));
            return;
        }
        if (result < 0) {
            closeQuietly();
            handler.onConnectFailed(this, NativeException.of("connect to " + remoteAddress, -result));
            return;
        }
        startReading();
        handler.onConnected(this);
    }

    /** Arms the receive of an established connection unless the handler suspended reading. */
    void startReading() {
        if (!closed && !readSuspended && !receiving && !endOfStream && !starved && !spliceReading()) {
            armReceive();
        }
    }

    // ---- completions

    @Override
    void complete(int type, int result, int flags) {
        switch (type) {
            case UringDriver.T_RECV -> received(result, flags);
            case UringDriver.T_SEND -> sent(result);
            case UringDriver.T_CONNECT -> connected(result);
            case UringDriver.T_SHUTDOWN -> {
                inFlight--;
                finishCloseIfIdle();
            }
            case UringDriver.T_SPLICE_IN, UringDriver.T_SPLICE_OUT -> {
                inFlight--;
                if (splice != null) {
                    splice.completed(type, result);
                }
                finishCloseIfIdle();
            }
            default -> throw new IllegalStateException("unexpected completion type " + type);
        }
    }

    // ---- reading

    private void armReceive() {
        long sqe = driver.sqe();
        ring.prepare(sqe, Ring.OP_RECV, fd, 0, 0, 0, userData(UringDriver.T_RECV));
        // A multishot receive keeps copying whatever the socket holds (dozens of buffers per
        // wake-up) until a cancel lands, so a connection that splices its bodies would read
        // most of a large body through user space before the splice could start. Once a
        // connection has spliced, it reads one buffer per receive instead: measured, that
        // took the copies from a quarter of the CPU to about 1% for 1 MiB responses.
        if (splice == null) {
            ring.setIoprio(sqe, Ring.IORING_RECV_MULTISHOT);
        }
        ring.setFlags(sqe, Ring.IOSQE_BUFFER_SELECT);
        ring.setBufferGroup(sqe, driver.buffers.group());
        receiving = true;
        inFlight++;
    }

    private void cancelReceive() {
        if (receiving && !cancellingReceive) {
            cancellingReceive = true;
            driver.cancel(userData(UringDriver.T_RECV));
        }
    }

    private void received(int result, int flags) {
        boolean more = (flags & Ring.IORING_CQE_F_MORE) != 0;
        if (!more) {
            receiving = false;
            cancellingReceive = false;
            inFlight--;
        }
        if (result > 0) {
            Chunk chunk = driver.buffers.take(flags >>> Ring.IORING_CQE_BUFFER_SHIFT, result);
            if (closed) {
                chunk.release();
            } else if (keepsAside()) {
                stash().add(chunk);
                if (more) {
                    cancelReceive();
                }
            } else {
                handler.onRead(this, chunk);
            }
        } else if (result == 0) {
            if (!closed) {
                endOfStream = true;
                if (keepsAside()) {
                    stashedEnd = true;
                } else {
                    handler.onReadEnd(this);
                }
            }
        } else if (result == -Errno.ENOBUFS) {
            if (!closed && !starved) {
                starved = true;
                driver.starved(this);
            }
        } else if (result != -Errno.ECANCELED && !closed) {
            fail(NativeException.of("recv", -result));
        }
        if (closed) {
            finishCloseIfIdle();
        } else if (!more && stashEmpty()) {
            startReading();
        }
        if (splice != null && !receiving && !closed) {
            splice.sourceQuiet();
        }
    }

    private boolean spliceReading() {
        return splice != null && splice.readsSource();
    }

    /** Made when something must be kept aside first: most connections never need one (about 50 bytes each). */
    private ArrayDeque<Chunk> stash() {
        if (stash == null) {
            stash = new ArrayDeque<>(2);
        }
        return stash;
    }

    private boolean stashEmpty() {
        return stash == null || stash.isEmpty();
    }

    private Chunk pollStashed() {
        return stash == null ? null : stash.poll();
    }

    /** Whether what arrives now must wait in the stash: the handler paused, or earlier bytes (or a splice) come first. */
    private boolean keepsAside() {
        return readSuspended || !stashEmpty() || spliceReading();
    }

    /** The driver has provided buffers again after this connection's receive ran dry. */
    void buffersAvailable() {
        starved = false;
        startReading();
    }

    @Override
    public void suspendRead() {
        readSuspended = true;
    }

    @Override
    public void resumeRead() {
        if (!readSuspended) {
            return;
        }
        readSuspended = false;
        if (closed) {
            return;
        }
        if (!stashEmpty() || stashedEnd) {
            defer(EVENT_STASHED);
        } else if (!connecting && fd >= 0) {
            startReading();
        }
    }

    @Override
    public boolean isReadSuspended() {
        return readSuspended;
    }

    private void deliverStash() {
        while (!stashEmpty() && !readSuspended && !closed) {
            handler.onRead(this, pollStashed());
        }
        if (stashEmpty() && stashedEnd && !readSuspended && !closed) {
            stashedEnd = false;
            handler.onReadEnd(this);
        }
        if (stashEmpty() && !stashedEnd) {
            startReading();
        }
    }

    /** Takes what was kept aside while reading was suspended, for a splice that must forward it first. */
    Chunk pollStash() {
        return pollStashed();
    }

    void unpollStash(Chunk chunk) {
        stash().addFirst(chunk);
    }

    boolean hasStash() {
        return !stashEmpty();
    }

    /** Whether the end of stream was kept aside; it is then the caller's to report. */
    boolean takeStashedEnd() {
        boolean end = stashedEnd;
        stashedEnd = false;
        return end;
    }

    /** A splice met the end of stream: the connection reads no more. */
    void splicedToEnd() {
        endOfStream = true;
    }

    /** A splice ended: what the source kept aside goes to its handler, then reading resumes. */
    void spliceFinished() {
        if (closed) {
            return;
        }
        if (!stashEmpty() || stashedEnd) {
            if (!readSuspended) {
                defer(EVENT_STASHED);
            }
        } else {
            startReading();
        }
    }

    /** Switches the socket to O_NONBLOCK, once: inline splice(2) calls must not wait. */
    void makeNonBlocking() throws NativeException {
        if (!nonBlocking) {
            int flags = Libc.fcntl(driver.errno, fd, Libc.F_GETFL, 0);
            if (flags < 0 || Libc.fcntl(driver.errno, fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK) < 0) {
                throw new NativeException("fcntl O_NONBLOCK", Libc.errno(driver.errno));
            }
            nonBlocking = true;
        }
    }

    void spliceSubmitted() {
        inFlight++;
    }

    boolean isClosedByUser() {
        return closedByUser;
    }

    /** Stops the receive so a splice can read the socket; {@link UringSplice#sourceQuiet} follows when it has. */
    boolean quietSource() {
        cancelReceive();
        return !receiving;
    }

    // ---- writing

    @Override
    public void write(Chunk chunk) {
        if (closed) {
            chunk.release();
            return;
        }
        unsent += queue.add(chunk);
    }

    @Override
    public boolean flush() {
        if (closed) {
            return false;
        }
        flushed = queue.size();
        if (sending == 0 && queue.size() > 0) {
            submitSend();
        }
        if (awaitingWritable) {
            return false;
        }
        if (unsent > HIGH_WATERMARK) {
            awaitingWritable = true;
            return false;
        }
        return true;
    }

    private void submitSend() {
        int count = Math.min(queue.size(), UringDriver.NativeScratch.MAX_IOVECS);
        long sqe = driver.sqe();
        long userData = userData(UringDriver.T_SEND);
        if (count == 1) {
            ring.prepare(sqe, Ring.OP_SEND, fd, address(0), queue.remaining(0), 0, userData);
        } else {
            sendScratch = driver.scratch();
            for (int i = 0; i < count; i++) {
                sendScratch.iovec(i, address(i), queue.remaining(i));
            }
            ring.prepare(sqe, Ring.OP_SENDMSG, fd, sendScratch.msghdr(count), 1, 0, userData);
        }
        ring.setOpFlags(sqe, Libc.MSG_NOSIGNAL);
        sending = count;
        inFlight++;
    }

    private long address(int slot) {
        return queue.chunk(slot).view().addressOffset() + queue.start(slot);
    }

    private void sent(int result) {
        inFlight--;
        if (sendScratch != null) {
            driver.recycle(sendScratch);
            sendScratch = null;
        }
        int covered = sending;
        sending = 0;
        if (result < 0) {
            if (closed) {
                releaseLeading(queue.size());
                finishCloseIfIdle();
            } else {
                fail(NativeException.of("send", -result));
            }
            return;
        }
        unsent -= result;
        int done = 0;
        long left = result;
        while (done < covered && left >= queue.remaining(done)) {
            left -= queue.remaining(done);
            done++;
        }
        if (done < covered) {
            queue.start(done, queue.start(done) + (int) left);
        }
        releaseLeading(done);
        if (closed) {
            // Closed while sending: what was flushed before still goes out (within the linger time).
            if (queue.size() > 0) {
                submitSend();
            } else {
                finishCloseIfIdle();
            }
            return;
        }
        if (queue.size() > 0) {
            submitSend();
        } else if (shutdownAfterFlush) {
            shutdownAfterFlush = false;
            submitShutdown(Libc.SHUT_WR);
        }
        if (awaitingWritable && unsent <= LOW_WATERMARK) {
            awaitingWritable = false;
            handler.onWritable(this);
        }
        if (spliceInto != null && !closed && queue.size() == 0) {
            spliceInto.targetDrained(this);
        }
    }

    private void releaseLeading(int count) {
        queue.releaseFirst(count);
        flushed = Math.max(0, flushed - count);
    }

    @Override
    public boolean hasPendingWrites() {
        return awaitingWritable;
    }

    /** Nothing queued and no send in flight. */
    boolean writesIdle() {
        return queue.size() == 0;
    }

    @Override
    public void shutdownOutput() {
        if (closed) {
            return;
        }
        if (queue.size() > 0) {
            shutdownAfterFlush = true;
            flushed = queue.size();
            if (sending == 0) {
                submitSend();
            }
            return;
        }
        submitShutdown(Libc.SHUT_WR);
    }

    private void submitShutdown(int how) {
        long sqe = driver.sqe();
        ring.prepare(sqe, Ring.OP_SHUTDOWN, fd, 0, how, 0, userData(UringDriver.T_SHUTDOWN));
        inFlight++;
    }

    // ---- closing

    @Override
    public void close() {
        closedByUser = true;
        closeQuietly();
    }

    /** Fails the connection: closes it and tells the handler. */
    void fail(IOException cause) {
        if (closed) {
            return;
        }
        closeQuietly();
        handler.onError(this, cause);
    }

    private void closeQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        driver.connectionClosed();
        Chunk stashed;
        while ((stashed = pollStashed()) != null) {
            stashed.release();
        }
        // Writes never flushed are dropped: close keeps only what the caller flushed.
        queue.releaseFrom(flushed);
        if (receiving) {
            cancelReceive();
            // A cancel can miss a receive the kernel is running right then; shutting the read
            // side ends it either way (it completes with the end of stream), and the peer sees
            // nothing of it.
            submitShutdown(Libc.SHUT_RD);
        }
        if (connecting) {
            driver.cancel(userData(UringDriver.T_CONNECT));
        }
        if (splice != null) {
            splice.closed(this);
        }
        if (spliceInto != null) {
            spliceInto.closed(this);
        }
        if (queue.size() > 0) {
            if (sending == 0) {
                submitSend();
            }
            lingerTimer = new Timer() {
                @Override
                protected void onTimeout(long nowNanos) {
                    // The peer does not read: give up on the rest.
                    stopSending();
                }
            };
            driver.loop.timers().schedule(lingerTimer, driver.loop.now() + CLOSE_LINGER_MILLIS * 1_000_000L);
        }
        finishCloseIfIdle();
    }

    /** Once nothing the kernel holds refers to this connection: close the descriptor, free the slot. */
    private void finishCloseIfIdle() {
        if (!closed || inFlight > 0 || descriptorClosed) {
            return;
        }
        descriptorClosed = true;
        if (lingerTimer != null) {
            driver.loop.timers().cancel(lingerTimer);
        }
        if (fd >= 0) {
            driver.closeDescriptor(fd);
        }
        if (splice != null) {
            splice.release();
        }
        driver.unregister(this);
    }

    @Override
    void abort() {
        closedByUser = true;
        closeQuietly();
        stopSending();
    }

    /** Drops what is not in flight and cancels the send that is. */
    private void stopSending() {
        queue.releaseFrom(sending);
        flushed = Math.min(flushed, queue.size());
        if (sending > 0) {
            driver.cancel(userData(UringDriver.T_SEND));
        }
    }

    @Override
    void closeDescriptorNow() {
        if (!descriptorClosed) {
            descriptorClosed = true;
            if (fd >= 0) {
                Libc.close(driver.errno, fd);
            }
            releaseLeading(queue.size());
            if (splice != null) {
                splice.release();
            }
            driver.unregister(this);
        }
    }

    // ---- deferred events

    private void defer(int event) {
        if (deferredEvents == 0) {
            driver.defer(this);
        }
        deferredEvents |= event;
    }

    void deliverDeferred() {
        int events = deferredEvents;
        deferredEvents = 0;
        if (closedByUser) {
            return;
        }
        if ((events & EVENT_CONNECT_FAILED) != 0) {
            handler.onConnectFailed(this, deferredCause);
        } else if ((events & EVENT_STASHED) != 0 && !closed) {
            deliverStash();
        }
    }

    // ---- the rest of Connection

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
        if (remoteAddress == null && fd >= 0 && !descriptorClosed) {
            remoteAddress = Sockets.address(driver, fd, true);
        }
        return remoteAddress;
    }

    @Override
    public InetSocketAddress localAddress() {
        if (localAddress == null && fd >= 0 && !descriptorClosed) {
            localAddress = Sockets.address(driver, fd, false);
        }
        return localAddress;
    }

    @Override
    public byte[] remoteAddressText() {
        if (remoteAddressText == null && remoteAddress() != null) {
            remoteAddressText = remoteAddress.getAddress().getHostAddress().getBytes(StandardCharsets.US_ASCII);
        }
        return remoteAddressText;
    }

    @Override
    public SpliceCapability splice() {
        return UringSplice.capability(this);
    }

    @Override
    public String toString() {
        return "connection " + localAddress() + " <-> " + remoteAddress();
    }

    /** Direct socket calls (setsockopt, getsockname, getpeername) for set-up and addresses. */
    static final class Sockets {
        private Sockets() {
        }

        static void setInt(UringDriver driver, int fd, int level, int option, int value) {
            UringDriver.NativeScratch scratch = driver.scratch();
            try {
                MemorySegment slot = scratch.length();
                slot.set(JAVA_INT, 0, value);
                Libc.setsockopt(driver.errno, fd, level, option, slot, 4);
            } finally {
                driver.recycle(scratch);
            }
        }

        static InetSocketAddress address(UringDriver driver, int fd, boolean peer) {
            UringDriver.NativeScratch scratch = driver.scratch();
            try {
                scratch.length(SocketAddresses.MAX_SIZE);
                int result = peer
                        ? Libc.getpeername(driver.errno, fd, scratch.sockaddr(), scratch.length())
                        : Libc.getsockname(driver.errno, fd, scratch.sockaddr(), scratch.length());
                return result < 0 ? null : SocketAddresses.read(scratch.sockaddr());
            } finally {
                driver.recycle(scratch);
            }
        }
    }
}
