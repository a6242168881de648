package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkPool;

/**
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING): chunks of the loop's pool handed to the
 * kernel, which picks one for each multishot receive that has data. The buffer id in a
 * completion names the slot; the slot's chunk then belongs to the reader, and the slot is
 * refilled with a fresh chunk before the ring is next published.
 *
 * <p>The ring memory is {@code struct io_uring_buf} entries (16 bytes: addr, len, bid); the
 * 16-bit tail overlays the last two bytes of entry 0 and is published with a release store.
 */
final class BufferRing implements AutoCloseable {
    private static final int ENTRY_SIZE = 16;
    private static final long TAIL_OFFSET = 14;
    private static final VarHandle SHORT = JAVA_SHORT.varHandle();

    private final Ring ring;
    private final short group;
    private final int entries;
    private final int mask;
    private final MemorySegment memory;
    private final ChunkPool pool;
    private final Chunk[] slots;
    /** Slots whose chunk was taken by a completion and must be refilled. */
    private final int[] empty;
    private int emptyCount;
    private int tail;
    private int provided;

    private BufferRing(Ring ring, short group, int entries, MemorySegment memory, ChunkPool pool) {
        this.ring = ring;
        this.group = group;
        this.entries = entries;
        this.mask = entries - 1;
        this.memory = memory;
        this.pool = pool;
        this.slots = new Chunk[entries];
        this.empty = new int[entries];
    }

    /**
     * Registers a ring of {@code entries} slots (a power of two) for buffer group {@code group}
     * and fills up to {@code initial} of them from {@code pool}.
     */
    static BufferRing register(Ring ring, short group, int entries, int initial, ChunkPool pool, Arena arena)
            throws NativeException {
        MemorySegment errno = ring.errnoState();
        long size = (long) entries * ENTRY_SIZE;
        MemorySegment memory = Libc.mmap(errno, size, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (memory.address() == -1L) {
            throw new NativeException("mmap of a buffer ring", Libc.errno(errno));
        }
        memory = memory.reinterpret(size);
        MemorySegment registration = arena.allocate(40, 8);
        registration.set(JAVA_LONG, 0, memory.address());
        registration.set(JAVA_INT, 8, entries);
        registration.set(JAVA_SHORT, 12, group);
        long result = Libc.ioUringRegister(errno, ring.fd, Ring.IORING_REGISTER_PBUF_RING, registration, 1);
        if (result < 0) {
            int error = Libc.errno(errno);
            Libc.munmap(errno, memory, size);
            throw new NativeException("io_uring_register(PBUF_RING)", error);
        }
        BufferRing buffers = new BufferRing(ring, group, entries, memory, pool);
        for (int slot = 0; slot < entries; slot++) {
            buffers.empty[buffers.emptyCount++] = slot;
        }
        buffers.refill(initial);
        return buffers;
    }

    short group() {
        return group;
    }

    /**
     * Takes the chunk of slot {@code bufferId} out of the ring after the kernel filled
     * {@code length} bytes of it; the slot will be refilled.
     */
    Chunk take(int bufferId, int length) {
        Chunk chunk = slots[bufferId];
        slots[bufferId] = null;
        empty[emptyCount++] = bufferId;
        provided--;
        return chunk.window(0, length);
    }

    /**
     * Provides chunks for empty slots until {@code target} slots hold one (or the pool runs
     * dry) and publishes the new tail.
     *
     * @return how many slots hold a chunk now
     */
    int refill(int target) {
        int added = 0;
        while (provided < target && emptyCount > 0) {
            Chunk chunk = pool.acquire();
            if (chunk == null) {
                break;
            }
            int slot = empty[--emptyCount];
            slots[slot] = chunk;
            long entry = (long) ((tail + added) & mask) * ENTRY_SIZE;
            // The 16-bit tail of the ring overlays entry 0's last field: write addr and len as
            // separate fields, then bid, never a whole 16 bytes.
            memory.set(JAVA_LONG, entry, chunk.view().addressOffset());
            memory.set(JAVA_INT, entry + 8, chunk.capacity());
            memory.set(JAVA_SHORT, entry + 12, (short) slot);
            provided++;
            added++;
        }
        if (added > 0) {
            tail += added;
            SHORT.setRelease(memory, TAIL_OFFSET, (short) tail);
        }
        return provided;
    }

    int capacity() {
        return entries;
    }

    /** Unregisters the ring and returns its chunks; call when no receive can use it any more. */
    @Override
    public void close() {
        MemorySegment errno = ring.errnoState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment registration = arena.allocate(40, 8);
            registration.set(JAVA_SHORT, 12, group);
            Libc.ioUringRegister(errno, ring.fd, Ring.IORING_UNREGISTER_PBUF_RING, registration, 1);
        }
        for (int i = 0; i < entries; i++) {
            if (slots[i] != null) {
                slots[i].release();
                slots[i] = null;
            }
        }
        Libc.munmap(errno, memory, memory.byteSize());
    }
}
