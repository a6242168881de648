package dev.isthmus.core.loop;

/**
 * Sizes of one event loop's resources.
 *
 * @param chunkBytes        size of the large chunks used for bodies and big heads (power of two)
 * @param smallChunkBytes   size of the small chunks most reads start in (power of two)
 * @param maxPoolBytes      direct memory each of the loop's chunk pools may hold
 * @param timerTickNanos    timer resolution
 */
public record LoopSettings(int chunkBytes, int smallChunkBytes, long maxPoolBytes, long timerTickNanos) {
    public static final LoopSettings DEFAULT = new LoopSettings(16 * 1024, 2 * 1024, 64L << 20, 10_000_000L);

    public LoopSettings {
        if (Integer.bitCount(chunkBytes) != 1 || Integer.bitCount(smallChunkBytes) != 1 || smallChunkBytes > chunkBytes) {
            throw new IllegalArgumentException("chunk sizes must be powers of two, small <= large");
        }
        if (maxPoolBytes < chunkBytes || timerTickNanos <= 0) {
            throw new IllegalArgumentException("pool must hold at least one chunk and the tick must be positive");
        }
    }

    public LoopSettings withChunkBytes(int bytes) {
        return new LoopSettings(bytes, Math.min(smallChunkBytes, bytes), Math.max(maxPoolBytes, bytes), timerTickNanos);
    }

    public LoopSettings withMaxPoolBytes(long bytes) {
        return new LoopSettings(chunkBytes, smallChunkBytes, bytes, timerTickNanos);
    }
}
