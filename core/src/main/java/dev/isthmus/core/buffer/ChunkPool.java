package dev.isthmus.core.buffer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One event loop's pool of fixed-size off-heap chunks, carved out of large direct-memory
 * slabs. Free chunks sit on an array stack, so acquire and free are a few instructions and
 * allocate nothing; the most recently freed chunk is handed out first while it is still in
 * cache.
 *
 * <p>The pool grows a slab at a time up to {@code maxBytes} and never shrinks. When it is
 * exhausted {@link #acquire()} returns null; the caller stops what needs the chunk and
 * {@link #await(ChunkWaiter) waits} until one is freed, rather than failing the connection.
 *
 * <p>Not thread-safe: a pool belongs to one event loop.
 */
public final class ChunkPool {
    private final int chunkBytes;
    private final int chunksPerSlab;
    private final int maxChunks;
    private Chunk[] free;
    private int freeCount;
    private int totalChunks;
    private final ArrayDeque<ChunkWaiter> waiters = new ArrayDeque<>();
    private boolean notifying;

    /**
     * @param chunkBytes bytes per chunk, a power of two
     * @param slabBytes  bytes of direct memory allocated at a time (rounded up to whole chunks)
     * @param maxBytes   upper bound of memory the pool may hold
     */
    public ChunkPool(int chunkBytes, int slabBytes, long maxBytes) {
        if (Integer.bitCount(chunkBytes) != 1 || chunkBytes < 64) {
            throw new IllegalArgumentException("chunk size must be a power of two >= 64: " + chunkBytes);
        }
        this.chunkBytes = chunkBytes;
        this.chunksPerSlab = Math.max(1, slabBytes / chunkBytes);
        this.maxChunks = (int) Math.max(chunksPerSlab, Math.min(Integer.MAX_VALUE, maxBytes / chunkBytes));
        this.free = new Chunk[chunksPerSlab];
    }

    /** A chunk with one reference and an empty window at 0 ({@code clear()}ed), or null when exhausted. */
    public Chunk acquire() {
        if (freeCount == 0 && !grow()) {
            return null;
        }
        Chunk chunk = free[--freeCount];
        free[freeCount] = null;
        chunk.acquired();
        return chunk;
    }

    /** Registers a waiter told once, when a chunk is next freed. */
    public void await(ChunkWaiter waiter) {
        waiters.add(waiter);
    }

    void free(Chunk chunk) {
        free[freeCount++] = chunk;
        if (!waiters.isEmpty() && !notifying) {
            notifyWaiters();
        }
    }

    private void notifyWaiters() {
        notifying = true;
        try {
            ChunkWaiter waiter;
            while (freeCount > 0 && (waiter = waiters.poll()) != null) {
                waiter.chunkAvailable();
            }
        } finally {
            notifying = false;
        }
    }

    private boolean grow() {
        if (totalChunks >= maxChunks) {
            return false;
        }
        int count = Math.min(chunksPerSlab, maxChunks - totalChunks);
        ByteBuffer slab = ByteBuffer.allocateDirect(count * chunkBytes);
        if (free.length < totalChunks + count) {
            Chunk[] larger = new Chunk[Math.max(free.length * 2, totalChunks + count)];
            System.arraycopy(free, 0, larger, 0, freeCount);
            free = larger;
        }
        for (int i = count - 1; i >= 0; i--) {
            free[freeCount++] = new Chunk(this, slab.slice(i * chunkBytes, chunkBytes));
        }
        totalChunks += count;
        return true;
    }

    public int chunkBytes() {
        return chunkBytes;
    }

    /** Chunks handed out and not yet freed. */
    public int inUse() {
        return totalChunks - freeCount;
    }

    /** Direct memory the pool has allocated so far. */
    public long allocatedBytes() {
        return (long) totalChunks * chunkBytes;
    }

    public int waiting() {
        return waiters.size();
    }
}
