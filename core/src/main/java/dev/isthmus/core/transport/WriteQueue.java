package dev.isthmus.core.transport;

import java.util.Arrays;

import dev.isthmus.core.buffer.Chunk;

/**
 * A connection's chunk windows waiting to be written, oldest first; the transports keep one per
 * connection. Each slot keeps its own window, so the same chunk may wait in several slots or
 * queues (holding one reference each) while its own window moves on. Not thread-safe.
 */
public final class WriteQueue {
    private static final int INITIAL_SLOTS = 4;

    private Chunk[] chunks = new Chunk[INITIAL_SLOTS];
    private int[] starts = new int[INITIAL_SLOTS];
    private int[] ends = new int[INITIAL_SLOTS];
    private int size;

    /**
     * Queues {@code chunk}'s readable window and takes over the caller's reference; an empty
     * window is released instead.
     *
     * @return the bytes queued
     */
    public int add(Chunk chunk) {
        int start = chunk.start();
        int end = chunk.end();
        if (start == end) {
            chunk.release();
            return 0;
        }
        if (size == chunks.length) {
            int slots = size * 2;
            chunks = Arrays.copyOf(chunks, slots);
            starts = Arrays.copyOf(starts, slots);
            ends = Arrays.copyOf(ends, slots);
        }
        chunks[size] = chunk;
        starts[size] = start;
        ends[size] = end;
        size++;
        return end - start;
    }

    public int size() {
        return size;
    }

    /** Slots the queue has room for before it grows. */
    public int capacity() {
        return chunks.length;
    }

    public Chunk chunk(int slot) {
        return chunks[slot];
    }

    /** First unwritten index of the slot's window. */
    public int start(int slot) {
        return starts[slot];
    }

    public int end(int slot) {
        return ends[slot];
    }

    public int remaining(int slot) {
        return ends[slot] - starts[slot];
    }

    /** Moves the slot's start after a partial write. */
    public void start(int slot, int start) {
        starts[slot] = start;
    }

    /** Releases the first {@code count} slots (written, or dropped) and moves the rest up. */
    public void releaseFirst(int count) {
        for (int i = 0; i < count; i++) {
            chunks[i].release();
        }
        int remaining = size - count;
        if (remaining > 0 && count > 0) {
            System.arraycopy(chunks, count, chunks, 0, remaining);
            System.arraycopy(starts, count, starts, 0, remaining);
            System.arraycopy(ends, count, ends, 0, remaining);
        }
        Arrays.fill(chunks, remaining, size, null);
        size = remaining;
    }

    /** Releases the slots from {@code slot} on (writes that will never be made). */
    public void releaseFrom(int slot) {
        for (int i = slot; i < size; i++) {
            chunks[i].release();
            chunks[i] = null;
        }
        size = Math.min(size, slot);
    }
}
