package dev.isthmus.core.tls;

import java.nio.ByteBuffer;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkPool;

/**
 * The one or two pooled chunks a TLS connection is filling (with what it decrypted, or with
 * what it encrypted), so that a whole record's worth always fits although a record is a bit
 * larger than a chunk: the first chunk fills up, then the second. Filled bytes leave in order
 * as chunks whose window is what they hold. Nothing is held between uses.
 */
final class FillingChunks {
    private final ChunkPool pool;
    private final ByteBuffer[] buffers = new ByteBuffer[2];
    private Chunk first;
    private Chunk second;

    FillingChunks(ChunkPool pool) {
        this.pool = pool;
    }

    /** Makes room for {@code bytes}; false when the pool is exhausted (what is held stays). */
    boolean reserve(int bytes) {
        if (first == null) {
            first = pool.acquire();
            if (first == null) {
                return false;
            }
        }
        if (first.nio().remaining() < bytes && second == null) {
            second = pool.acquire();
            return second != null;
        }
        return true;
    }

    /** The buffers to fill, in order, at their write positions; valid until the next call. */
    ByteBuffer[] buffers() {
        buffers[0] = first.nio();
        buffers[1] = second == null ? first.nio() : second.nio();
        return buffers;
    }

    /** How many of {@link #buffers()} are distinct. */
    int count() {
        return second == null ? 1 : 2;
    }

    /** Copies {@code source}'s remaining bytes in; {@link #reserve} made room for them. */
    void put(ByteBuffer source) {
        ByteBuffer into = first.nio();
        int fits = Math.min(into.remaining(), source.remaining());
        int limit = source.limit();
        source.limit(source.position() + fits);
        into.put(source);
        source.limit(limit);
        if (source.hasRemaining()) {
            second.nio().put(source);
        }
    }

    boolean isEmpty() {
        return first == null || first.nio().position() == 0;
    }

    /** The first chunk, once the second has bytes too (it is full then), else null. */
    Chunk takeFull() {
        if (second == null || second.nio().position() == 0) {
            return null;
        }
        Chunk full = filled(first);
        first = second;
        second = null;
        return full;
    }

    /** The next chunk that holds bytes, in order, or null once everything is taken (a spare goes back to the pool). */
    Chunk take() {
        if (first == null) {
            return null;
        }
        if (first.nio().position() == 0) {
            release();
            return null;
        }
        Chunk taken = filled(first);
        first = second;
        second = null;
        return taken;
    }

    private static Chunk filled(Chunk chunk) {
        return chunk.window(0, chunk.nio().position());
    }

    void release() {
        if (first != null) {
            first.release();
            first = null;
        }
        if (second != null) {
            second.release();
            second = null;
        }
    }
}
