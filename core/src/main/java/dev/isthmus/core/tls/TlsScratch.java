package dev.isthmus.core.tls;

import java.nio.ByteBuffer;

/**
 * The buffers a loop thread's TLS connections use only for the length of one engine call: a
 * record that arrived in pieces is put together here before it is decrypted, and records are
 * encrypted here before they are copied into chunks (an engine wants room for a whole record,
 * about 16.3 KiB, which no pooled chunk has). Nothing stays here between calls, so one set per
 * thread serves every connection of its loop.
 *
 * <p>Per thread rather than per {@link dev.isthmus.core.loop.EventLoop}: TLS is optional, so the
 * loop carries nothing for it, and a loop is one thread for life.
 */
final class TlsScratch {
    /** Gathered plaintext windows per encryption; a record holds at most 16 KiB of them anyway. */
    static final int MAX_GATHER = 32;
    private static final int INITIAL_BYTES = 32 * 1024;
    private static final ThreadLocal<TlsScratch> PER_THREAD = ThreadLocal.withInitial(TlsScratch::new);

    /** One whole record, put together from the chunks it arrived in. */
    ByteBuffer record = ByteBuffer.allocateDirect(INITIAL_BYTES);
    /** What one encryption produced, before it is copied into chunks. */
    ByteBuffer sealed = ByteBuffer.allocateDirect(INITIAL_BYTES);
    final ByteBuffer empty = ByteBuffer.allocateDirect(0);
    final ByteBuffer[] sources = new ByteBuffer[MAX_GATHER];
    /** The windows the gathered chunks had before an encryption borrowed them. */
    final int[] sourcePosition = new int[MAX_GATHER];
    final int[] sourceLimit = new int[MAX_GATHER];

    private TlsScratch() {
    }

    static TlsScratch current() {
        return PER_THREAD.get();
    }

    /** Grows both buffers for an engine whose records are larger than usual (large fragments). */
    void fit(int recordBytes) {
        if (recordBytes > record.capacity()) {
            int bytes = Integer.highestOneBit(recordBytes - 1) << 1;
            record = ByteBuffer.allocateDirect(bytes);
            sealed = ByteBuffer.allocateDirect(bytes);
        }
    }
}
