package dev.isthmus.core.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ChunkPoolTest {
    @Test
    void chunksAreDistinctOffHeapMemoryWithBothViews() {
        ChunkPool pool = new ChunkPool(1024, 4096, 1 << 20);
        Chunk a = pool.acquire();
        Chunk b = pool.acquire();
        assertNotSame(a, b);
        assertEquals(1024, a.capacity());
        a.view().putLong(0, 0x1122334455667788L);
        b.view().putLong(0, 42L);
        assertEquals(0x1122334455667788L, a.view().getLong(0));
        assertEquals(a.view().getByte(0), a.nio().get(0));
        assertEquals(true, a.nio().isDirect());
    }

    @Test
    void growsBySlabUpToTheLimitThenWaitsForAFree() {
        ChunkPool pool = new ChunkPool(1024, 2048, 4096);
        List<Chunk> taken = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            taken.add(assertNotNullChunk(pool.acquire()));
        }
        assertEquals(4096, pool.allocatedBytes());
        assertNull(pool.acquire());
        int[] told = new int[1];
        pool.await(() -> told[0]++);
        taken.get(0).release();
        assertEquals(1, told[0]);
        assertEquals(3, pool.inUse());
        assertNotNull(pool.acquire());
    }

    @Test
    void referenceCountingReturnsChunkOnLastRelease() {
        ChunkPool pool = new ChunkPool(1024, 1024, 1024);
        Chunk chunk = pool.acquire();
        chunk.retain();
        chunk.release();
        assertEquals(1, pool.inUse());
        chunk.release();
        assertEquals(0, pool.inUse());
        assertThrows(IllegalStateException.class, chunk::release);
        assertThrows(IllegalStateException.class, chunk::retain);
    }

    @Test
    void acquiredChunkIsClearedForWriting() {
        ChunkPool pool = new ChunkPool(1024, 1024, 1024);
        Chunk chunk = pool.acquire();
        chunk.window(10, 20);
        chunk.release();
        Chunk again = pool.acquire();
        assertEquals(0, again.start());
        assertEquals(1024, again.end());
    }

    private static Chunk assertNotNullChunk(Chunk chunk) {
        assertNotNull(chunk);
        return chunk;
    }
}
