package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance: the submission and completion rings and the submission-entry array,
 * mapped into this process with {@code mmap}. Owned by one event loop thread.
 *
 * <p>Memory ordering follows the kernel's contract: the SQ tail and CQ head are ours and are
 * published with release stores after the entries they cover are written or consumed; the SQ
 * head and CQ tail are the kernel's and are read with acquire loads.
 *
 * <p>The kernel's structures are {@link MemoryLayout}s (struct io_uring_sqe, io_uring_cqe,
 * io_uring_params); submission entries are written straight into the mapped array at the
 * field offsets the layouts give, and completions read the same way.
 */
final class Ring implements AutoCloseable {
    // Opcodes (enum io_uring_op).
    static final byte OP_NOP = 0;
    static final byte OP_POLL_ADD = 6;
    static final byte OP_SENDMSG = 9;
    static final byte OP_ACCEPT = 13;
    static final byte OP_ASYNC_CANCEL = 14;
    static final byte OP_LINK_TIMEOUT = 15;
    static final byte OP_CONNECT = 16;
    static final byte OP_CLOSE = 19;
    static final byte OP_READ = 22;
    static final byte OP_SEND = 26;
    static final byte OP_RECV = 27;
    static final byte OP_SHUTDOWN = 34;

    // SQE flags.
    static final byte IOSQE_IO_LINK = 4;
    static final byte IOSQE_BUFFER_SELECT = 32;
    static final byte IOSQE_CQE_SKIP_SUCCESS = 64;

    // ioprio bits of accept and recv.
    static final short IORING_ACCEPT_MULTISHOT = 1;
    static final short IORING_RECV_MULTISHOT = 2;
    /** In a POLL_ADD's length: a completion each time the file becomes ready, until cancelled. */
    static final int IORING_POLL_ADD_MULTI = 1;

    // Cancel flags.
    static final int IORING_ASYNC_CANCEL_ALL = 1;
    static final int IORING_ASYNC_CANCEL_FD = 2;
    static final int IORING_ASYNC_CANCEL_ANY = 4;

    // poll(2) events, for POLL_ADD.
    static final int POLLIN = 0x1;
    static final int POLLOUT = 0x4;
    static final int POLLRDHUP = 0x2000;

    // CQE flags.
    static final int IORING_CQE_F_BUFFER = 1;
    static final int IORING_CQE_F_MORE = 2;
    static final int IORING_CQE_BUFFER_SHIFT = 16;

    // Setup flags.
    static final int IORING_SETUP_CQSIZE = 1 << 3;
    static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;

    // Features.
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    static final int IORING_FEAT_NODROP = 1 << 1;
    static final int IORING_FEAT_FAST_POLL = 1 << 5;
    static final int IORING_FEAT_EXT_ARG = 1 << 8;

    // Enter flags.
    static final int IORING_ENTER_GETEVENTS = 1;
    static final int IORING_ENTER_EXT_ARG = 8;

    // SQ ring flags.
    static final int IORING_SQ_CQ_OVERFLOW = 2;
    static final int IORING_SQ_TASKRUN = 4;

    // Register opcodes.
    static final int IORING_REGISTER_PROBE = 8;
    static final int IORING_REGISTER_PBUF_RING = 22;
    static final int IORING_UNREGISTER_PBUF_RING = 23;

    private static final long OFF_SQ_RING = 0;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;

    /** struct io_uring_sqe (the fields this transport fills; unions named after their use here). */
    static final StructLayout SQE_LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"), JAVA_BYTE.withName("flags"), JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"), JAVA_LONG.withName("off"), JAVA_LONG.withName("addr"),
            JAVA_INT.withName("len"), JAVA_INT.withName("op_flags"), JAVA_LONG.withName("user_data"),
            JAVA_SHORT.withName("buf_group"), JAVA_SHORT.withName("personality"),
            JAVA_INT.withName("splice_fd_in"), MemoryLayout.sequenceLayout(2, JAVA_LONG).withName("pad"));
    /** struct io_uring_cqe. */
    static final StructLayout CQE_LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"), JAVA_INT.withName("res"), JAVA_INT.withName("flags"));
    /** struct io_sqring_offsets and struct io_cqring_offsets (which share a shape). */
    private static final StructLayout RING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("flags_or_overflow"),
            JAVA_INT.withName("dropped_or_cqes"), JAVA_INT.withName("array_or_flags"), JAVA_INT.withName("resv1"),
            JAVA_LONG.withName("user_addr"));
    /** struct io_uring_params. */
    private static final StructLayout PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"), JAVA_INT.withName("cq_entries"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"), JAVA_INT.withName("sq_thread_idle"), JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"), MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            RING_OFFSETS.withName("sq_off"), RING_OFFSETS.withName("cq_off"));

    static final int SQE_SIZE = (int) SQE_LAYOUT.byteSize();
    static final int CQE_SIZE = (int) CQE_LAYOUT.byteSize();
    static final long SQE_OPCODE = sqeField("opcode");
    static final long SQE_FLAGS = sqeField("flags");
    static final long SQE_IOPRIO = sqeField("ioprio");
    static final long SQE_FD = sqeField("fd");
    static final long SQE_OFF = sqeField("off");
    static final long SQE_ADDR = sqeField("addr");
    static final long SQE_LEN = sqeField("len");
    static final long SQE_OP_FLAGS = sqeField("op_flags");
    static final long SQE_USER_DATA = sqeField("user_data");
    static final long SQE_BUF_GROUP = sqeField("buf_group");
    private static final long CQE_RES = CQE_LAYOUT.byteOffset(PathElement.groupElement("res"));
    private static final long CQE_FLAGS = CQE_LAYOUT.byteOffset(PathElement.groupElement("flags"));

    private static final long P_SQ_ENTRIES = paramsField("sq_entries");
    private static final long P_CQ_ENTRIES = paramsField("cq_entries");
    private static final long P_FLAGS = paramsField("flags");
    private static final long P_FEATURES = paramsField("features");
    private static final long P_SQ_OFF = paramsField("sq_off");
    private static final long P_CQ_OFF = paramsField("cq_off");
    private static final long OFF_HEAD = ringField("head");
    private static final long OFF_TAIL = ringField("tail");
    private static final long OFF_MASK = ringField("ring_mask");
    private static final long OFF_ENTRIES = ringField("ring_entries");
    /** sq_off.flags; cq_off.overflow */
    private static final long OFF_SQ_FLAGS = ringField("flags_or_overflow");
    /** sq_off.dropped; cq_off.cqes */
    private static final long OFF_CQES = ringField("dropped_or_cqes");
    /** sq_off.array; cq_off.flags */
    private static final long OFF_SQ_ARRAY = ringField("array_or_flags");

    private static long sqeField(String name) {
        return SQE_LAYOUT.byteOffset(PathElement.groupElement(name));
    }

    private static long paramsField(String name) {
        return PARAMS.byteOffset(PathElement.groupElement(name));
    }

    private static long ringField(String name) {
        return RING_OFFSETS.byteOffset(PathElement.groupElement(name));
    }

    private static final VarHandle INT = JAVA_INT.varHandle();

    final int fd;
    final int features;
    final int setupFlags;
    private final MemorySegment errno;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqRingSize;
    private final long cqRingSize;
    private final long sqesSize;
    private final long sqHead;
    private final long sqTail;
    private final long sqFlags;
    private final int sqMask;
    private final int sqCapacity;
    private final long cqHead;
    private final long cqTail;
    private final int cqMask;
    private final long cqes;
    private final MemorySegment waitArgument;
    private final MemorySegment waitTime;
    private int localSqTail;
    private int submittedTail;
    private int localCqHead;

    private Ring(int fd, int features, int setupFlags, MemorySegment errno, MemorySegment params, Arena arena)
            throws NativeException {
        this.fd = fd;
        this.features = features;
        this.setupFlags = setupFlags;
        this.errno = errno;
        int sqEntries = params.get(JAVA_INT, P_SQ_ENTRIES);
        int cqEntries = params.get(JAVA_INT, P_CQ_ENTRIES);
        long sqOff = P_SQ_OFF;
        long cqOff = P_CQ_OFF;
        this.sqRingSize = params.get(JAVA_INT, sqOff + OFF_SQ_ARRAY) + (long) sqEntries * Integer.BYTES;
        this.cqRingSize = params.get(JAVA_INT, cqOff + OFF_CQES) + (long) cqEntries * CQE_SIZE;
        boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        long ringSize = single ? Math.max(sqRingSize, cqRingSize) : sqRingSize;
        this.sqRing = map(ringSize, OFF_SQ_RING);
        this.cqRing = single ? sqRing : map(cqRingSize, OFF_CQ_RING);
        this.sqesSize = (long) sqEntries * SQE_SIZE;
        this.sqes = map(sqesSize, OFF_SQES);

        this.sqHead = params.get(JAVA_INT, sqOff + OFF_HEAD);
        this.sqTail = params.get(JAVA_INT, sqOff + OFF_TAIL);
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, sqOff + OFF_MASK));
        this.sqCapacity = sqRing.get(JAVA_INT, params.get(JAVA_INT, sqOff + OFF_ENTRIES));
        this.sqFlags = params.get(JAVA_INT, sqOff + OFF_SQ_FLAGS);
        long sqArray = params.get(JAVA_INT, sqOff + OFF_SQ_ARRAY);
        // Entry i of the SQ always names SQE i: the array is an identity map written once.
        for (int i = 0; i < sqCapacity; i++) {
            sqRing.set(JAVA_INT, sqArray + (long) i * Integer.BYTES, i);
        }
        this.cqHead = params.get(JAVA_INT, cqOff + OFF_HEAD);
        this.cqTail = params.get(JAVA_INT, cqOff + OFF_TAIL);
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, cqOff + OFF_MASK));
        this.cqes = params.get(JAVA_INT, cqOff + OFF_CQES);
        this.localSqTail = (int) INT.getAcquire(sqRing, sqTail);
        this.submittedTail = localSqTail;
        this.localCqHead = (int) INT.getAcquire(cqRing, cqHead);
        // struct io_uring_getevents_arg { u64 sigmask; u32 sigmask_sz; u32 pad; u64 ts; } and a timespec.
        this.waitArgument = arena.allocate(24, 8);
        this.waitTime = arena.allocate(16, 8);
        waitArgument.set(JAVA_LONG, 16, waitTime.address());
    }

    private MemorySegment map(long size, long offset) throws NativeException {
        MemorySegment mapped = Libc.mmap(errno, size, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_SHARED | Libc.MAP_POPULATE, fd, offset);
        if (mapped.address() == -1L) {
            throw new NativeException("mmap of io_uring region", Libc.errno(errno));
        }
        return mapped.reinterpret(size);
    }

    /**
     * Creates a ring.
     *
     * @param entries    submission entries (power of two)
     * @param cqEntries  completion entries (power of two, at least {@code entries})
     * @param setupFlags IORING_SETUP_* flags beyond CQSIZE
     */
    static Ring create(int entries, int cqEntries, int setupFlags, MemorySegment errno, Arena arena) throws NativeException {
        MemorySegment params = arena.allocate(PARAMS);
        params.set(JAVA_INT, P_CQ_ENTRIES, cqEntries);
        int flags = setupFlags | IORING_SETUP_CQSIZE;
        params.set(JAVA_INT, P_FLAGS, flags);
        long fd = Libc.ioUringSetup(errno, entries, params);
        if (fd < 0) {
            throw new NativeException("io_uring_setup", Libc.errno(errno));
        }
        try {
            return new Ring((int) fd, params.get(JAVA_INT, P_FEATURES), flags, errno, params, arena);
        } catch (NativeException | RuntimeException e) {
            Libc.close(errno, (int) fd);
            throw e;
        }
    }

    /**
     * The offset in {@link #sqes()} of a cleared entry to fill, or -1 when the submission ring
     * is full (submit first).
     */
    /** Entries that can be prepared before the ring must be submitted. */
    int freeSqes() {
        return sqCapacity - (localSqTail - (int) INT.getAcquire(sqRing, sqHead));
    }

    long nextSqe() {
        int head = (int) INT.getAcquire(sqRing, sqHead);
        if (localSqTail - head >= sqCapacity) {
            return -1;
        }
        long offset = (long) (localSqTail & sqMask) * SQE_SIZE;
        for (long word = 0; word < SQE_SIZE; word += Long.BYTES) {
            sqes.set(JAVA_LONG, offset + word, 0L);
        }
        localSqTail++;
        return offset;
    }

    MemorySegment sqes() {
        return sqes;
    }

    void prepare(long sqe, byte opcode, int fd, long address, int length, long offset, long userData) {
        sqes.set(JAVA_BYTE, sqe + SQE_OPCODE, opcode);
        sqes.set(JAVA_INT, sqe + SQE_FD, fd);
        sqes.set(JAVA_LONG, sqe + SQE_ADDR, address);
        sqes.set(JAVA_INT, sqe + SQE_LEN, length);
        sqes.set(JAVA_LONG, sqe + SQE_OFF, offset);
        sqes.set(JAVA_LONG, sqe + SQE_USER_DATA, userData);
    }

    void setFlags(long sqe, byte flags) {
        sqes.set(JAVA_BYTE, sqe + SQE_FLAGS, flags);
    }

    void setIoprio(long sqe, short ioprio) {
        sqes.set(JAVA_SHORT, sqe + SQE_IOPRIO, ioprio);
    }

    void setOpFlags(long sqe, int opFlags) {
        sqes.set(JAVA_INT, sqe + SQE_OP_FLAGS, opFlags);
    }

    void setBufferGroup(long sqe, short group) {
        sqes.set(JAVA_SHORT, sqe + SQE_BUF_GROUP, group);
    }

    /** Entries prepared since the last submit. */
    int unsubmitted() {
        return localSqTail - submittedTail;
    }

    /**
     * Publishes prepared entries and enters the kernel once: submits them and, with
     * {@code wait}, blocks until a completion arrives or {@code timeoutNanos} passes
     * (negative: no time limit).
     *
     * @return the number of entries the kernel took, or minus errno
     */
    int enter(boolean wait, long timeoutNanos) {
        INT.setRelease(sqRing, sqTail, localSqTail);
        int toSubmit = localSqTail - submittedTail;
        int flags = 0;
        MemorySegment argument = MemorySegment.NULL;
        long argumentSize = 0;
        int minComplete = 0;
        if (wait || (setupFlags & IORING_SETUP_DEFER_TASKRUN) != 0 || cqOverflowed()) {
            // With deferred task running, completions are only produced inside GETEVENTS.
            flags |= IORING_ENTER_GETEVENTS;
        }
        if (wait) {
            minComplete = 1;
            if (timeoutNanos >= 0) {
                waitTime.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
                waitTime.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
                flags |= IORING_ENTER_EXT_ARG;
                argument = waitArgument;
                argumentSize = 24;
            }
        }
        long result = Libc.ioUringEnter(errno, fd, toSubmit, minComplete, flags, argument, argumentSize);
        if (result < 0) {
            return -Libc.errno(errno);
        }
        submittedTail += (int) result;
        return (int) result;
    }

    private boolean cqOverflowed() {
        return ((int) INT.getAcquire(sqRing, sqFlags) & IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /** Completions ready to read. */
    int ready() {
        return (int) INT.getAcquire(cqRing, cqTail) - localCqHead;
    }

    /** Offset (in the CQ ring segment) of the {@code i}-th ready completion. */
    long cqe(int i) {
        return cqes + (long) ((localCqHead + i) & cqMask) * CQE_SIZE;
    }

    long userData(long cqe) {
        return cqRing.get(JAVA_LONG, cqe);
    }

    int result(long cqe) {
        return cqRing.get(JAVA_INT, cqe + CQE_RES);
    }

    int cqeFlags(long cqe) {
        return cqRing.get(JAVA_INT, cqe + CQE_FLAGS);
    }

    /** Hands {@code count} completions back to the kernel. */
    void consumed(int count) {
        localCqHead += count;
        INT.setRelease(cqRing, cqHead, localCqHead);
    }

    /** Whether the kernel has completion work waiting to run (set with IORING_SETUP_TASKRUN_FLAG). */
    boolean taskRunPending() {
        return ((int) INT.getAcquire(sqRing, sqFlags) & IORING_SQ_TASKRUN) != 0;
    }

    /** Whether the kernel has more completions than fit the CQ (kept because of NODROP). */
    boolean overflowPending() {
        return cqOverflowed();
    }

    MemorySegment errnoState() {
        return errno;
    }

    @Override
    public void close() {
        Libc.munmap(errno, sqes, sqesSize);
        if (cqRing != sqRing) {
            Libc.munmap(errno, cqRing, cqRingSize);
        }
        Libc.munmap(errno, sqRing, sqRing.byteSize());
        Libc.close(errno, fd);
    }
}
