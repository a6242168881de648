package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds out at start-up whether this kernel gives the transport everything it uses:
 * io_uring not disabled, the operations (multishot accept and receive, send, connect,
 * splice, cancel, ...) and features (no dropped completions, wait with a timeout), and
 * provided-buffer rings. The answer is a reason to fall back, or null.
 */
final class Probe {
    private static final int PROBE_OPS = 64;
    private static final int OP_SUPPORTED = 1;
    private static final byte[] NEEDED_OPS = {
        Ring.OP_NOP, Ring.OP_SENDMSG, Ring.OP_ACCEPT, Ring.OP_ASYNC_CANCEL, Ring.OP_LINK_TIMEOUT, Ring.OP_CONNECT, Ring.OP_CLOSE, Ring.OP_READ,
        Ring.OP_SEND, Ring.OP_RECV, Ring.OP_POLL_ADD, Ring.OP_SHUTDOWN,
    };

    private Probe() {
    }

    /** Why io_uring cannot be used here, or null when it can. */
    static String whyUnavailable() {
        try {
            Path disabled = Path.of("/proc/sys/kernel/io_uring_disabled");
            if (Files.isReadable(disabled) && !Files.readString(disabled).trim().equals("0")) {
                return "io_uring is disabled by /proc/sys/kernel/io_uring_disabled";
            }
        } catch (java.io.IOException | SecurityException ignored) {
            // unreadable: let io_uring_setup answer
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoState(arena);
            try (Ring ring = Ring.create(4, 8, 0, errno, arena)) {
                int needed = Ring.IORING_FEAT_NODROP | Ring.IORING_FEAT_EXT_ARG | Ring.IORING_FEAT_FAST_POLL;
                if ((ring.features & needed) != needed) {
                    return "the kernel's io_uring lacks features (have 0x" + Integer.toHexString(ring.features) + ")";
                }
                MemorySegment probe = arena.allocate(16 + 8L * PROBE_OPS, 8);
                long result = Libc.ioUringRegister(errno, ring.fd, Ring.IORING_REGISTER_PROBE, probe, PROBE_OPS);
                if (result < 0) {
                    return new NativeException("io_uring_register(PROBE)", Libc.errno(errno)).getMessage();
                }
                for (byte op : NEEDED_OPS) {
                    int flags = probe.get(JAVA_SHORT, 16 + 8L * op + 2);
                    if (op > probe.get(JAVA_BYTE, 0) || (flags & OP_SUPPORTED) == 0) {
                        return "the kernel's io_uring does not support operation " + op;
                    }
                }
                if (!multishotReceiveWorks(ring, arena)) {
                    return "the kernel's io_uring has no provided-buffer rings";
                }
            }
        } catch (NativeException e) {
            return e.getMessage();
        } catch (UnsupportedOperationException | IllegalArgumentException | IllegalCallerException | LinkageError e) {
            // A refused downcall first surfaces while Libc's handles are made, wrapped by its initializer.
            Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            return "native access is unavailable (" + cause + ")";
        }
        return null;
    }

    /** Registering a tiny provided-buffer ring works only where multishot receive exists (5.19+). */
    private static boolean multishotReceiveWorks(Ring ring, Arena arena) {
        MemorySegment errno = ring.errnoState();
        MemorySegment memory = Libc.mmap(errno, 4096, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (memory.address() == -1L) {
            return false;
        }
        try {
            MemorySegment registration = arena.allocate(40, 8);
            registration.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, memory.address());
            registration.set(JAVA_INT, 8, 2);
            registration.set(JAVA_SHORT, 12, (short) 0);
            return Libc.ioUringRegister(errno, ring.fd, Ring.IORING_REGISTER_PBUF_RING, registration, 1) >= 0;
        } finally {
            Libc.munmap(errno, memory.reinterpret(4096), 4096);
        }
    }
}
