package dev.isthmus.core.upstream.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class HashKeyCrc32Test {
    private final BackendSelection selection = BalanceAlgorithm.CONSISTENT_HASH.create(Groups.weighted(1, 1));

    @Test
    void knownCheckValue() {
        byte[] bytes = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xCBF43926L, selection.hashKey(new UnsafeBuffer(bytes), 0, bytes.length));
        assertEquals(0L, selection.hashKey(new UnsafeBuffer(bytes), 3, 0));
    }

    @Test
    void equalsJavaUtilZipCrc32AtEveryOffsetAndLength() {
        Random random = new Random(0x15_7A_05L);
        byte[] bytes = new byte[1_200];
        random.nextBytes(bytes);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(0, bytes);
        UnsafeBuffer onHeap = new UnsafeBuffer(bytes);
        // An address-only view, as over the loop's slab memory: no ByteBuffer behind it.
        UnsafeBuffer offHeap = new UnsafeBuffer(BufferUtil.address(direct), bytes.length);

        for (int offset = 0; offset < 17; offset++) {
            for (int length = 0; length <= 300; length++) {
                assertSameAsJdk(bytes, onHeap, offHeap, offset, length);
            }
        }
        for (int i = 0; i < 2_000; i++) {
            int offset = random.nextInt(bytes.length);
            int length = random.nextInt(bytes.length - offset + 1);
            assertSameAsJdk(bytes, onHeap, offHeap, offset, length);
        }
    }

    private void assertSameAsJdk(byte[] bytes, UnsafeBuffer onHeap, UnsafeBuffer offHeap, int offset, int length) {
        CRC32 expected = new CRC32();
        expected.update(bytes, offset, length);
        assertEquals(expected.getValue(), selection.hashKey(onHeap, offset, length), "heap " + offset + "+" + length);
        assertEquals(expected.getValue(), selection.hashKey(offHeap, offset, length), "off-heap " + offset + "+" + length);
    }
}
