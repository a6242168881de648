package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;

import dev.isthmus.core.buffer.ChunkWaiter;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;
import dev.isthmus.core.transport.IoDriver;
import dev.isthmus.core.transport.Listener;

/**
 * The io_uring driver of one loop: one ring, one provided-buffer ring that every connection
 * of the loop receives into, and an eventfd read that other threads complete to wake the loop.
 *
 * <p>A poll is one {@code io_uring_enter}: it submits what the last round prepared and waits
 * for completions in the same call. Each completion's user data names the operation type, the
 * slot of the connection or listener it belongs to, and that slot's generation, so a late
 * completion can never reach a later tenant of the slot. A slot is reused only after every
 * operation that named it has completed, which is also what keeps the memory the kernel
 * writes to (receive buffers, queued send chunks) alive until the kernel is done with it.
 */
final class UringDriver implements IoDriver, ChunkWaiter {
    private static final System.Logger LOG = System.getLogger(UringDriver.class.getName());

    static final int T_WAKE = 1;
    static final int T_ACCEPT = 2;
    static final int T_RECV = 3;
    static final int T_SEND = 4;
    static final int T_CONNECT = 5;
    static final int T_SHUTDOWN = 6;
    static final int T_SPLICE_IN = 7;
    static final int T_SPLICE_OUT = 8;
    /** Completions nobody waits for (cancel requests, closes, ignored results). */
    static final int T_IGNORED = 9;
    /** Readiness of a datagram socket (a multishot poll). */
    static final int T_POLL = 10;

    private static final int SUBMISSION_ENTRIES = 1024;
    private static final int COMPLETION_ENTRIES = 8192;
    private static final short BUFFER_GROUP = 0;
    private static final int BUFFER_RING_ENTRIES = 1024;
    /** Buffers kept provided at first; doubled whenever the kernel ran out (ENOBUFS), up to the ring size. */
    private static final int INITIAL_PROVIDED = 64;
    private static final long CLOSE_WAIT_NANOS = 1_000_000_000L;
    /** Extra enters per poll while the kernel still has completion work queued. */
    private static final int MAX_EXTRA_ROUNDS = 64;

    final EventLoop loop;
    final Ring ring;
    final MemorySegment errno;
    private final Arena arena;
    final BufferRing buffers;
    private int providedTarget = INITIAL_PROVIDED;
    /** Receives that stopped because the buffer ring was empty (ENOBUFS). */
    long starvations;
    private final int eventFd;
    private final MemorySegment wakeBuffer;
    private final MemorySegment wakeErrno;
    private final MemorySegment wakeValue;
    private boolean closed;

    private Completer[] slots = new Completer[64];
    private int[] generations = new int[64];
    private int[] freeSlots = new int[64];
    private int freeCount;
    private int slotCount;
    private int connections;

    /** Connections whose receive stopped for lack of buffers; re-armed once buffers are provided again. */
    private final ArrayDeque<UringConnection> starved = new ArrayDeque<>();
    private boolean awaitingChunks;
    /** Events raised inside a handler's call (a failed connect), delivered after it returns. */
    private final ArrayDeque<UringConnection> deferred = new ArrayDeque<>();
    private final ArrayDeque<NativeScratch> scratches = new ArrayDeque<>();

    UringDriver(EventLoop loop) throws IOException {
        this.loop = loop;
        this.arena = Arena.ofShared();
        this.errno = Libc.errnoState(arena);
        Ring created = null;
        int fd = -1;
        try {
            created = createRing();
            fd = Libc.eventfd(errno, 0, Libc.EFD_CLOEXEC);
            if (fd < 0) {
                throw new NativeException("eventfd", Libc.errno(errno));
            }
            this.ring = created;
            this.eventFd = fd;
            this.buffers = BufferRing.register(ring, BUFFER_GROUP, BUFFER_RING_ENTRIES, INITIAL_PROVIDED, loop.chunks(),
                    arena);
        } catch (IOException | RuntimeException | Error e) {
            if (fd >= 0) {
                Libc.close(errno, fd);
            }
            if (created != null) {
                created.close();
            }
            arena.close();
            throw e;
        }
        this.wakeBuffer = arena.allocate(8, 8);
        this.wakeErrno = Libc.errnoState(arena);
        this.wakeValue = arena.allocate(8, 8);
        wakeValue.set(JAVA_LONG, 0, 1L);
        armWakeup();
    }

    /**
     * Sets the ring up with the flags that suit one thread owning it, dropping those the kernel
     * does not know: single issuer and deferred task running (completions are produced only
     * when the loop asks for them, 6.1+), else cooperative task running (5.19+). Either way
     * the kernel flags the SQ ring when completion work is waiting ({@code TASKRUN_FLAG}).
     */
    private Ring createRing() throws NativeException {
        int[] attempts = {
            Ring.IORING_SETUP_SINGLE_ISSUER | Ring.IORING_SETUP_DEFER_TASKRUN | Ring.IORING_SETUP_TASKRUN_FLAG
                    | Ring.IORING_SETUP_SUBMIT_ALL,
            Ring.IORING_SETUP_COOP_TASKRUN | Ring.IORING_SETUP_TASKRUN_FLAG | Ring.IORING_SETUP_SUBMIT_ALL,
            0,
        };
        NativeException last = null;
        for (int flags : attempts) {
            try {
                return Ring.create(SUBMISSION_ENTRIES, COMPLETION_ENTRIES, flags, errno, arena);
            } catch (NativeException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    // ---- submission

    /** A cleared submission entry, submitting what is prepared first when the ring is full. */
    long sqe() {
        long sqe = ring.nextSqe();
        while (sqe < 0) {
            int result = ring.enter(false, 0);
            if (result < 0 && result != -Errno.EINTR && result != -Errno.EAGAIN && result != -Errno.EBUSY) {
                throw new IllegalStateException(new NativeException("io_uring_enter", -result));
            }
            sqe = ring.nextSqe();
        }
        return sqe;
    }

    /** Makes room for {@code count} entries in a row (a linked chain must not be split by a submit). */
    void reserveSqes(int count) {
        while (ring.freeSqes() < count) {
            int result = ring.enter(false, 0);
            if (result < 0 && result != -Errno.EINTR && result != -Errno.EAGAIN && result != -Errno.EBUSY) {
                throw new IllegalStateException(new NativeException("io_uring_enter", -result));
            }
        }
    }

    /**
     * Limits the operation prepared in {@code linked} (flagged IOSQE_IO_LINK here) to
     * {@code timeoutNanos}: the kernel cancels it when the time passes. The timespec lives in
     * {@code scratch}, which must stay the caller's until the operation completes.
     */
    void linkTimeout(long linked, long timeoutNanos, NativeScratch scratch) {
        ring.setFlags(linked, Ring.IOSQE_IO_LINK);
        long sqe = sqe();
        ring.prepare(sqe, Ring.OP_LINK_TIMEOUT, -1, scratch.timespec(timeoutNanos), 1, 0, userData(T_IGNORED, 0, 0));
    }

    static long userData(int type, int slot, int generation) {
        return ((long) type << 56) | ((long) (generation & 0xFFFFFF) << 32) | (slot & 0xFFFFFFFFL);
    }

    /** Asks the kernel to cancel the operation submitted with {@code target} user data. */
    void cancel(long target) {
        long sqe = sqe();
        ring.prepare(sqe, Ring.OP_ASYNC_CANCEL, -1, target, 0, 0, userData(T_IGNORED, 0, 0));
    }

    /** Closes {@code fd} through the ring, without a completion on success. */
    void closeDescriptor(int fd) {
        long sqe = sqe();
        ring.prepare(sqe, Ring.OP_CLOSE, fd, 0, 0, 0, userData(T_IGNORED, 0, 0));
        ring.setFlags(sqe, Ring.IOSQE_CQE_SKIP_SUCCESS);
    }

    private void armWakeup() {
        long sqe = sqe();
        ring.prepare(sqe, Ring.OP_READ, eventFd, wakeBuffer.address(), 8, 0, userData(T_WAKE, 0, 0));
    }

    // ---- slots

    /** Registers a connection or listener; its generation is stored in {@link Completer#generation}. */
    int register(Completer completer) {
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            if (slotCount == slots.length) {
                int size = slots.length * 2;
                slots = Arrays.copyOf(slots, size);
                generations = Arrays.copyOf(generations, size);
                freeSlots = Arrays.copyOf(freeSlots, size);
            }
            slot = slotCount++;
        }
        slots[slot] = completer;
        completer.slot = slot;
        completer.generation = ++generations[slot] & 0xFFFFFF;
        return slot;
    }

    /** Frees a slot whose operations have all completed. */
    void unregister(Completer completer) {
        int slot = completer.slot;
        if (slot >= 0 && slots[slot] == completer) {
            slots[slot] = null;
            freeSlots[freeCount++] = slot;
        }
        completer.slot = -1;
    }

    NativeScratch scratch() {
        NativeScratch scratch = scratches.poll();
        return scratch != null ? scratch : new NativeScratch(arena);
    }

    void recycle(NativeScratch scratch) {
        scratches.push(scratch);
    }

    // ---- the poll

    @Override
    public void poll(long timeoutNanos) throws IOException {
        runDeferred();
        provideBuffers();
        boolean wait = timeoutNanos != 0 && deferred.isEmpty() && ring.ready() == 0 && !ring.taskRunPending();
        if (wait || ring.unsubmitted() > 0 || (ring.setupFlags & Ring.IORING_SETUP_DEFER_TASKRUN) != 0
                || ring.overflowPending() || ring.taskRunPending()) {
            enter(wait, timeoutNanos < 0 ? -1 : timeoutNanos);
            if (wait) {
                loop.refreshClock();
            }
        }
        reap();
        // The kernel runs a bounded batch of completion work per call (20 items with deferred
        // task running) and flags the rest: keep asking, or completions pile up under load.
        for (int round = 0; round < MAX_EXTRA_ROUNDS && ring.taskRunPending(); round++) {
            enter(false, 0);
            reap();
        }
        runDeferred();
    }

    private void enter(boolean wait, long timeoutNanos) throws NativeException {
        int result = ring.enter(wait, timeoutNanos);
        if (result < 0 && result != -Errno.ETIME && result != -Errno.EINTR && result != -Errno.EAGAIN
                && result != -Errno.EBUSY) {
            throw new NativeException("io_uring_enter", -result);
        }
    }

    private void reap() {
        int ready;
        while ((ready = ring.ready()) > 0) {
            for (int i = 0; i < ready; i++) {
                long cqe = ring.cqe(0);
                long userData = ring.userData(cqe);
                int result = ring.result(cqe);
                int flags = ring.cqeFlags(cqe);
                // The entry is handed back before dispatching: handlers may submit and enter again.
                ring.consumed(1);
                dispatch(userData, result, flags);
            }
        }
    }

    private void dispatch(long userData, int result, int flags) {
        int type = (int) (userData >>> 56);
        if (type == T_WAKE) {
            if (!closed) {
                armWakeup();
            }
            return;
        }
        if (type == T_IGNORED) {
            return;
        }
        int slot = (int) userData;
        int generation = (int) (userData >>> 32) & 0xFFFFFF;
        Completer completer = slot < slotCount ? slots[slot] : null;
        if (completer == null || completer.generation != generation) {
            if ((flags & Ring.IORING_CQE_F_BUFFER) != 0) {
                // Data for a connection that is gone: the buffer goes back to the pool.
                buffers.take(flags >>> Ring.IORING_CQE_BUFFER_SHIFT, 0).release();
            }
            return;
        }
        try {
            completer.complete(type, result, flags);
        } catch (Throwable t) {
            loop.uncaught(t, "io_uring completion");
            completer.abort();
        }
        runDeferred();
    }

    // ---- receive buffers

    /** Keeps the buffer ring stocked and re-arms receives that ran dry. */
    private void provideBuffers() {
        int provided = buffers.refill(providedTarget);
        if (provided == 0 && !starved.isEmpty() && !awaitingChunks) {
            // The loop's pool is exhausted: wait for a chunk to come back.
            awaitingChunks = true;
            loop.chunks().await(this);
            return;
        }
        while (provided > 0 && !starved.isEmpty()) {
            starved.poll().buffersAvailable();
            provided--;
        }
    }

    /** A receive ended with ENOBUFS: provide more next time and re-arm it then. */
    void starved(UringConnection connection) {
        starvations++;
        providedTarget = Math.min(buffers.capacity(), providedTarget * 2);
        starved.add(connection);
    }

    @Override
    public void chunkAvailable() {
        awaitingChunks = false;
    }

    // ---- deferred events

    void defer(UringConnection connection) {
        deferred.add(connection);
    }

    private void runDeferred() {
        UringConnection connection;
        while ((connection = deferred.poll()) != null) {
            try {
                connection.deliverDeferred();
            } catch (Throwable t) {
                loop.uncaught(t, "deferred connection event");
                connection.abort();
            }
        }
    }

    // ---- the SPI

    @Override
    public void wakeup() {
        synchronized (wakeValue) {
            if (!closed) {
                Libc.write(wakeErrno, eventFd, wakeValue, 8);
            }
        }
    }

    @Override
    public Listener listen(InetSocketAddress address, boolean reusePort, int backlog, Acceptor acceptor) throws IOException {
        return UringListener.open(this, address, reusePort, backlog, acceptor);
    }

    @Override
    public DatagramEndpoint bindDatagram(InetSocketAddress address, boolean reusePort, DatagramHandler handler)
            throws IOException {
        return UringDatagramEndpoint.open(this, address, reusePort, handler, arena);
    }

    @Override
    public Connection connect(InetSocketAddress address, InetSocketAddress localAddress, long timeoutNanos,
                              ConnectionHandler handler) {
        UringConnection connection = new UringConnection(this, handler);
        connections++;
        connection.connect(address, localAddress, timeoutNanos);
        return connection;
    }

    /** A listener accepted {@code fd}. */
    void accepted(int fd, Acceptor acceptor) {
        InetSocketAddress remote = UringConnection.Sockets.address(this, fd, true);
        if (remote == null) {
            // Reset before we got to it: nothing to serve.
            closeDescriptor(fd);
            return;
        }
        UringConnection connection = new UringConnection(this, null);
        connections++;
        connection.acceptedAs(fd, remote);
        try {
            ConnectionHandler handler = acceptor.accepted(connection);
            if (handler == null) {
                connection.close();
            } else {
                connection.handler(handler);
                connection.startReading();
            }
        } catch (Throwable t) {
            loop.uncaught(t, "accepting a connection");
            connection.abort();
        }
    }

    void connectionClosed() {
        connections--;
    }

    @Override
    public int connectionCount() {
        return connections;
    }

    void acceptFailed(UringListener listener, NativeException e, long pauseNanos) {
        LOG.log(System.Logger.Level.WARNING, "loop " + loop.index() + ": accept on " + listener.localAddress()
                + " failed (" + e.getMessage() + "); pausing accepts for " + pauseNanos / 1_000_000 + " ms");
    }

    /**
     * Closes every socket and the ring. Operations still in flight are cancelled and their
     * completions awaited (for up to a second) before the memory they use is let go.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (int i = 0; i < slotCount; i++) {
            if (slots[i] != null) {
                slots[i].abort();
            }
        }
        long sqe = sqe();
        ring.prepare(sqe, Ring.OP_ASYNC_CANCEL, -1, 0, 0, 0, userData(T_IGNORED, 0, 0));
        ring.setOpFlags(sqe, Ring.IORING_ASYNC_CANCEL_ANY | Ring.IORING_ASYNC_CANCEL_ALL);
        synchronized (wakeValue) {
            closed = true;
        }
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        while (liveSlots() > 0 && System.nanoTime() < deadline) {
            ring.enter(true, 10_000_000L);
            reap();
        }
        for (int i = 0; i < slotCount; i++) {
            if (slots[i] != null) {
                slots[i].closeDescriptorNow();
            }
        }
        ring.enter(false, 0);
        reap();
        Libc.close(errno, eventFd);
        buffers.close();
        ring.close();
        arena.close();
    }

    private int liveSlots() {
        int live = 0;
        for (int i = 0; i < slotCount; i++) {
            if (slots[i] != null) {
                live++;
            }
        }
        return live;
    }

    /** Something with a slot: receives the completions of the operations it submitted. */
    abstract static class Completer {
        int slot = -1;
        int generation;

        long userData(int type) {
            return UringDriver.userData(type, slot, generation);
        }

        abstract void complete(int type, int result, int flags);

        /** Closes after an unexpected failure or when the driver shuts down. */
        abstract void abort();

        /** The driver is going away: close the descriptor directly if it is still open. */
        abstract void closeDescriptorNow();
    }

    /**
     * Native memory for operations that pass structures to the kernel: a msghdr with its iovec
     * array for gathering sends, or a sockaddr for connects. Held by a connection while such an
     * operation is in flight, then reused.
     */
    static final class NativeScratch {
        static final int MAX_IOVECS = 48;
        static final long IOVECS = 0;
        static final long MSGHDR = MAX_IOVECS * 16L;
        static final long SOCKADDR = MSGHDR + 64;
        static final long SIZE = SOCKADDR + SocketAddresses.MAX_SIZE + 8;

        final MemorySegment memory;

        NativeScratch(Arena arena) {
            this.memory = arena.allocate(SIZE, 8);
        }

        void iovec(int index, long address, long length) {
            memory.set(JAVA_LONG, IOVECS + index * 16L, address);
            memory.set(JAVA_LONG, IOVECS + index * 16L + 8, length);
        }

        /** Fills the msghdr for {@code count} iovecs and returns its address. */
        long msghdr(int count) {
            memory.asSlice(MSGHDR, 56).fill((byte) 0);
            memory.set(JAVA_LONG, MSGHDR + 16, memory.address() + IOVECS);
            memory.set(JAVA_LONG, MSGHDR + 24, count);
            return memory.address() + MSGHDR;
        }

        /** A __kernel_timespec of {@code nanos} in the iovec area (unused by the operations that time out). */
        long timespec(long nanos) {
            memory.set(JAVA_LONG, IOVECS, nanos / 1_000_000_000L);
            memory.set(JAVA_LONG, IOVECS + 8, nanos % 1_000_000_000L);
            return memory.address() + IOVECS;
        }

        MemorySegment sockaddr() {
            return memory.asSlice(SOCKADDR, SocketAddresses.MAX_SIZE);
        }

        MemorySegment length() {
            return memory.asSlice(SOCKADDR + SocketAddresses.MAX_SIZE, 4);
        }

        void length(int value) {
            memory.set(JAVA_INT, SOCKADDR + SocketAddresses.MAX_SIZE, value);
        }
    }
}
