package dev.isthmus.core.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkPool;
import dev.isthmus.core.loop.EventLoop;

/**
 * The bytes a protocol handler writes to one connection, appended packet after packet into a
 * pooled chunk of its loop and queued on the {@link #target(Connection) target} connection
 * window by window. Packets are encoded in place: {@link #reserve} gives room for a whole
 * packet, the encoder writes at {@link #position()}, {@link #advance} takes the bytes in; a
 * payload larger than a chunk is {@link #append appended} over as many chunks as it takes.
 *
 * <p>Bytes encoded once for many connections (a message fanned out to its subscribers) are
 * {@link #appendShared shared}: this connection's queue refers to the window of the shared
 * chunk instead of copying it, and consecutive windows of one shared chunk are merged, so a
 * connection that receives a run of shared packets writes them as one piece. Between flushes a
 * connection's own chunk keeps serving appends after a window of it has been queued, so
 * interleaving own and shared packets does not cost a chunk each time; a flush hands it over,
 * so an idle connection pins no chunk.
 *
 * <p>Reservations come from the loop's small chunks while they fit, so a connection that
 * writes little pins little memory; {@link #preferLargeChunks} makes a steady writer start in
 * large ones. Nothing is allocated on the heap. When the pool is exhausted {@link #reserve}
 * returns null and {@link #append} false; the caller decides (fail the connection, or try again
 * later). {@link #written()} counts what was appended since the last {@link #flush}, so a
 * handler can bound what it piles up between flushes. Loop thread only.
 */
public final class OutboundChunks {
    /** Room below which an own chunk is handed over whole rather than kept for more appends. */
    private static final int MIN_REUSE_ROOM = 64;

    private final EventLoop loop;
    private Connection target;
    private boolean preferLarge;
    /** This connection's own chunk (one reference held), written up to its end(). */
    private Chunk out;
    /** Index of {@link #out} before which the bytes are queued on the target already. */
    private int queuedUpTo;
    /** A window of a shared chunk appended and not queued yet (one reference held), or null. */
    private Chunk shared;
    private int sharedStart;
    private int sharedEnd;
    private long written;
    /** Views a byte array being appended, made at the first one (idle connections hold none). */
    private UnsafeBuffer arrayView;

    public OutboundChunks(EventLoop loop) {
        this.loop = loop;
    }

    /** Where full and pushed chunks go from now on; null (the default) releases them unwritten. */
    public void target(Connection connection) {
        this.target = connection;
    }

    /** Whether reservations start in a large chunk even when the packet would fit a small one; default false. */
    public void preferLargeChunks(boolean prefer) {
        this.preferLarge = prefer;
    }

    /**
     * Room for {@code bytes} contiguous bytes at {@link #position()}: the current chunk when it
     * has them, else a fresh one (what was written before is queued on the target first).
     *
     * @return the buffer to encode into, or null when the pool is exhausted or {@code bytes}
     *         exceed a large chunk (then {@link #append} the excess)
     */
    public MutableDirectBuffer reserve(int bytes) {
        pushShared();
        if (out != null && out.capacity() - out.end() >= bytes) {
            return out.view();
        }
        pushOwn(true);
        ChunkPool small = loop.smallChunks();
        ChunkPool pool = bytes <= small.chunkBytes() && !preferLarge ? small : loop.chunks();
        if (bytes > pool.chunkBytes()) {
            return null;
        }
        return acquire(pool) ? out.view() : null;
    }

    /** The most {@link #reserve} can give: a large chunk. */
    public int maxReservation() {
        return loop.chunks().chunkBytes();
    }

    /** The write position in the buffer {@link #reserve} returned. */
    public int position() {
        return out.end();
    }

    /** {@code bytes} were written at {@link #position()}. */
    public void advance(int bytes) {
        out.window(out.start(), out.end() + bytes);
        written += bytes;
    }

    /**
     * Copies {@code length} bytes behind what was written, into the current chunk and as many
     * large chunks after it as it takes.
     *
     * @return false when the pool ran out part way (the bytes copied so far stay)
     */
    public boolean append(DirectBuffer source, int offset, int length) {
        int at = offset;
        int end = offset + length;
        while (at < end) {
            if (!room()) {
                return false;
            }
            int n = Math.min(end - at, out.capacity() - out.end());
            out.view().putBytes(out.end(), source, at, n);
            advance(n);
            at += n;
        }
        return true;
    }

    /** {@link #append(DirectBuffer, int, int)} from a byte array. */
    public boolean append(byte[] source, int offset, int length) {
        if (arrayView == null) {
            arrayView = new UnsafeBuffer(0, 0);
        }
        arrayView.wrap(source);
        boolean appended = append(arrayView, offset, length);
        // Let go of the array: it may be a large payload.
        arrayView.wrap(0, 0);
        return appended;
    }

    /**
     * Appends the bytes {@code [start, end)} of {@code chunk}, which someone else encoded and
     * owns, by reference: the chunk is retained for as long as this connection needs the bytes.
     * A window that continues the previous shared one of the same chunk extends it.
     */
    public void appendShared(Chunk chunk, int start, int end) {
        if (shared == chunk && sharedEnd == start) {
            sharedEnd = end;
        } else {
            pushOwn(false);
            pushShared();
            shared = chunk.retain();
            sharedStart = start;
            sharedEnd = end;
        }
        written += end - start;
    }

    /** A chunk with at least one free byte as {@link #out}; false when the pool is exhausted. */
    private boolean room() {
        pushShared();
        if (out != null && out.capacity() > out.end()) {
            return true;
        }
        pushOwn(true);
        return acquire(loop.chunks());
    }

    private boolean acquire(ChunkPool pool) {
        out = pool.acquire();
        if (out == null) {
            return false;
        }
        out.window(0, 0);
        queuedUpTo = 0;
        return true;
    }

    /**
     * Queues the own bytes not queued yet. The chunk is kept for more appends unless
     * {@code handOver} or it is nearly full; then the target gets this reference.
     */
    private void pushOwn(boolean handOver) {
        if (out == null) {
            return;
        }
        int end = out.end();
        boolean keep = !handOver && out.capacity() - end >= MIN_REUSE_ROOM;
        if (end > queuedUpTo && target != null && target.isOpen()) {
            out.window(queuedUpTo, end);
            target.write(keep ? out.retain() : out);
            queuedUpTo = end;
            if (!keep) {
                out = null;
            }
        } else if (!keep) {
            out.release();
            out = null;
        }
    }

    private void pushShared() {
        if (shared == null) {
            return;
        }
        Chunk chunk = shared;
        shared = null;
        if (target != null && target.isOpen()) {
            // The window is the chunk's one position and limit: it is read by write() at once,
            // which keeps its own copy in the queue slot.
            int start = chunk.start();
            int end = chunk.end();
            chunk.window(sharedStart, sharedEnd);
            target.write(chunk);
            chunk.window(start, end);
        } else {
            chunk.release();
        }
    }

    /** Queues what was written on the target (without sending it), or releases it when there is no open target. */
    public void push() {
        pushShared();
        pushOwn(true);
    }

    /**
     * Pushes and sends.
     *
     * @return what {@link Connection#flush()} says; false without an open target (what was
     *         written is then released)
     */
    public boolean flush() {
        // Handed over whole: an idle connection must not pin a chunk of its own.
        push();
        written = 0;
        return target != null && target.isOpen() && target.flush();
    }

    /** Bytes appended (own and shared) since the last {@link #flush}. */
    public long written() {
        return written;
    }

    /** Drops what was written and not pushed yet, and the chunk kept for appends (the connection is going away). */
    public void release() {
        if (out != null) {
            out.release();
            out = null;
        }
        if (shared != null) {
            shared.release();
            shared = null;
        }
        written = 0;
    }
}
