package dev.isthmus.core.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkPool;
import dev.isthmus.core.loop.EventLoop;

/**
 * The bytes a protocol handler writes to one connection, appended packet after packet into a
 * pooled chunk of its loop; a chunk that is full (or {@link #push() pushed}) is queued on the
 * {@link #target(Connection) target} connection, which then owns it. Packets are encoded in
 * place: {@link #reserve} gives room for a whole packet, the encoder writes at
 * {@link #position()}, {@link #advance} takes the bytes in; a payload larger than a chunk is
 * {@link #append appended} over as many chunks as it takes.
 *
 * <p>Reservations come from the loop's small chunks while they fit, so a connection that
 * writes little pins little memory; {@link #preferLargeChunks} makes a steady writer (a
 * publisher) start in large ones. Nothing is allocated on the heap. When the pool is exhausted
 * {@link #reserve} returns null and {@link #append} false; the caller decides (fail the
 * connection, or try again after the next flush). Loop thread only.
 */
public final class OutboundChunks {
    private static final byte[] NO_BYTES = new byte[0];

    private final EventLoop loop;
    /** Views a byte array being appended; let go of it afterwards. */
    private final UnsafeBuffer arrayView = new UnsafeBuffer(NO_BYTES);
    private Connection target;
    private Chunk out;
    private boolean preferLarge;

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
     * has them, else a fresh one (the current one is pushed to the target first).
     *
     * @return the buffer to encode into, or null when the pool is exhausted or {@code bytes}
     *         exceed a large chunk (then {@link #append} the excess)
     */
    public MutableDirectBuffer reserve(int bytes) {
        if (out != null && out.capacity() - out.end() >= bytes) {
            return out.view();
        }
        push();
        ChunkPool small = loop.smallChunks();
        ChunkPool pool = bytes <= small.chunkBytes() && !preferLarge ? small : loop.chunks();
        if (bytes > pool.chunkBytes()) {
            return null;
        }
        out = pool.acquire();
        if (out == null) {
            return null;
        }
        out.window(0, 0);
        return out.view();
    }

    /** The write position in the buffer {@link #reserve} returned. */
    public int position() {
        return out.end();
    }

    /** {@code bytes} were written at {@link #position()}. */
    public void advance(int bytes) {
        out.window(out.start(), out.end() + bytes);
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
        arrayView.wrap(source);
        boolean appended = append(arrayView, offset, length);
        arrayView.wrap(NO_BYTES);
        return appended;
    }

    /** A chunk with at least one free byte as {@link #out}; false when the pool is exhausted. */
    private boolean room() {
        if (out != null && out.capacity() > out.end()) {
            return true;
        }
        push();
        out = loop.chunks().acquire();
        if (out == null) {
            return false;
        }
        out.window(0, 0);
        return true;
    }

    /** Queues what was written on the target (without sending it), or releases it when there is no open target. */
    public void push() {
        if (out != null) {
            if (out.readable() > 0 && target != null && target.isOpen()) {
                target.write(out);
            } else {
                out.release();
            }
            out = null;
        }
    }

    /**
     * Pushes and sends.
     *
     * @return what {@link Connection#flush()} says; false without an open target (what was
     *         written is then released)
     */
    public boolean flush() {
        push();
        return target != null && target.isOpen() && target.flush();
    }

    /** Drops what was written and not pushed yet (the connection is going away). */
    public void release() {
        if (out != null) {
            out.release();
            out = null;
        }
    }
}
