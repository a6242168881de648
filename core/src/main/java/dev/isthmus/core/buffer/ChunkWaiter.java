package dev.isthmus.core.buffer;

/**
 * Someone that could not get a chunk because its pool was exhausted and asked to be told
 * when one is free again (see {@link ChunkPool#await(ChunkWaiter)}). Connections implement
 * it to resume reading.
 */
public interface ChunkWaiter {
    /** A chunk was freed; the waiter may try {@link ChunkPool#acquire()} again. */
    void chunkAvailable();
}
