package dev.isthmus.core.upstream.balance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.sun.management.ThreadMXBean;

import dev.isthmus.core.upstream.Peer;

/** The hot path of a pick (hashKey, select, release) allocates nothing on the heap. */
class SelectionAllocationTest {
    private static final int PICKS = 200_000;
    /** Room for the measuring itself; one byte per pick would already exceed it. */
    private static final long SLACK_BYTES = 4_096;

    @ParameterizedTest
    @EnumSource(BalanceAlgorithm.class)
    void picksAllocateNothing(BalanceAlgorithm algorithm) {
        BackendSelection selection = algorithm.create(Groups.weighted(1, 4, 2, 1, 3, 1, 2, 5));
        byte[][] keys = {
            "192.168.17.4".getBytes(StandardCharsets.US_ASCII),
            "2001:db8::17:4".getBytes(StandardCharsets.US_ASCII),
            "c1f8e6a2-0d39-4b8e-9a07-3c5d1e2f4b6a".getBytes(StandardCharsets.US_ASCII),
        };
        ByteBuffer memory = ByteBuffer.allocateDirect(64);
        UnsafeBuffer key = new UnsafeBuffer(BufferUtil.address(memory), memory.capacity());
        PeerFilter skipSecond = peer -> peer.index() != 1;
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

        pick(selection, key, keys, skipSecond, PICKS);
        long before = threads.getCurrentThreadAllocatedBytes();
        pick(selection, key, keys, skipSecond, PICKS);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(allocated < SLACK_BYTES, algorithm + " allocated " + allocated + " bytes in " + PICKS + " picks");
    }

    private static void pick(BackendSelection selection, UnsafeBuffer key, byte[][] keys, PeerFilter filter, int picks) {
        for (int i = 0; i < picks; i++) {
            byte[] text = keys[i % keys.length];
            key.putBytes(0, text);
            long hash = selection.hashKey(key, 0, text.length);
            Peer peer = selection.select(hash, filter);
            selection.release(peer);
        }
    }
}
