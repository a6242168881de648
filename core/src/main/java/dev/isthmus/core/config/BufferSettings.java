package dev.isthmus.core.config;

/**
 * Sizing of each event loop's off-heap buffer pool.
 *
 * @param chunkBytes          size of one pooled chunk, a power of two from {@value #MIN_CHUNK_BYTES}
 *                            to {@value #MAX_CHUNK_BYTES}; default 16 KiB. A request head must fit
 *                            in one chunk, so it bounds {@link HttpLimits#maxHeaderBytes()}.
 * @param maxPoolBytesPerLoop the most off-heap memory one loop's pool may hold, at least one
 *                            chunk; default 64 MiB
 */
public record BufferSettings(int chunkBytes, long maxPoolBytesPerLoop) {
    public static final int MIN_CHUNK_BYTES = 4096;
    public static final int MAX_CHUNK_BYTES = 1024 * 1024;
    public static final BufferSettings DEFAULT = new BufferSettings(16 * 1024, 64L * 1024 * 1024);

    public BufferSettings {
        if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES || Integer.bitCount(chunkBytes) != 1) {
            throw new IllegalArgumentException("chunk size must be a power of two from 4k to 1m: " + chunkBytes);
        }
        if (maxPoolBytesPerLoop < chunkBytes) {
            throw new IllegalArgumentException("the pool per loop must hold at least one chunk: "
                    + maxPoolBytesPerLoop);
        }
    }
}
