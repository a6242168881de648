package dev.isthmus.core.buffer;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A fixed-size piece of off-heap memory from a {@link ChunkPool}, seen two ways: as an NIO
 * {@link ByteBuffer} for socket I/O and as an Agrona {@link UnsafeBuffer} for parsing and
 * encoding. Both views cover the same bytes at the same indexes.
 *
 * <p>The readable data of a chunk is the NIO buffer's window {@code [position, limit)}: a
 * transport hands a freshly read chunk over with the window around the bytes read, and
 * writes out exactly that window. Code that forwards part of a chunk narrows the window.
 *
 * <p>Chunks are reference-counted so one chunk can sit in several write queues (a body slice
 * forwarded while its head is being answered, a message fanned out to many subscribers):
 * {@link #retain()} before handing a second owner the chunk, and every owner calls
 * {@link #release()} once. Caveat: a chunk belongs to its event loop; retain and release
 * must happen on that loop's thread (the counter is a plain field).
 */
public final class Chunk {
    private final ChunkPool pool;
    private final ByteBuffer nio;
    private final UnsafeBuffer view;
    private int references;

    Chunk(ChunkPool pool, ByteBuffer nio) {
        this.pool = pool;
        this.nio = nio;
        this.view = new UnsafeBuffer(nio);
    }

    /** The NIO view; its position and limit delimit the readable data. */
    public ByteBuffer nio() {
        return nio;
    }

    /** The Agrona view over the same memory, indexed like {@link #nio()}. */
    public UnsafeBuffer view() {
        return view;
    }

    public int capacity() {
        return nio.capacity();
    }

    /** First readable index. */
    public int start() {
        return nio.position();
    }

    /** One past the last readable index. */
    public int end() {
        return nio.limit();
    }

    public int readable() {
        return nio.remaining();
    }

    /** Narrows the readable window to {@code [start, end)}. */
    public Chunk window(int start, int end) {
        nio.limit(end);
        nio.position(start);
        return this;
    }

    /** Empties the chunk for writing into it from index 0. */
    public Chunk clear() {
        nio.clear();
        return this;
    }

    /** Adds an owner. */
    public Chunk retain() {
        if (references <= 0) {
            throw new IllegalStateException("retain of a released chunk");
        }
        references++;
        return this;
    }

    /** Drops an owner; the last one returns the chunk to its pool. */
    public void release() {
        if (references <= 0) {
            throw new IllegalStateException("release of a released chunk");
        }
        if (--references == 0) {
            pool.free(this);
        }
    }

    public int references() {
        return references;
    }

    public ChunkPool pool() {
        return pool;
    }

    void acquired() {
        references = 1;
        nio.clear();
    }
}
