package dev.isthmus.core.upstream.balance;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * CRC-32 (IEEE 802.3 polynomial, reflected, as {@link java.util.zip.CRC32}, zlib and nginx's
 * {@code ngx_crc32_long} compute it) over a range of a {@link DirectBuffer}.
 *
 * <p>Keys usually sit in off-heap chunks with no {@code ByteBuffer} behind them, which the JDK's
 * intrinsic cannot read without a view object per call; slicing-by-8 reads eight bytes per
 * step with {@code getLong} and allocates nothing.
 */
final class Crc32 {
    /** Reversed 0x04C11DB7. */
    private static final int POLYNOMIAL = 0xEDB88320;
    private static final int SLICES = 8;

    /**
     * Slice {@code k} (entries {@code k*256 .. k*256+255}) is the CRC of a byte followed by
     * {@code k} zero bytes, so eight table lookups advance the CRC over eight bytes at once.
     */
    private static final int[] TABLE = buildTable();

    private Crc32() {
    }

    /** @return the CRC-32 of {@code length} bytes at {@code offset}, as an unsigned value */
    static long compute(DirectBuffer buffer, int offset, int length) {
        int crc = ~0;
        int index = offset;
        int end = offset + length;
        while (end - index >= SLICES) {
            long word = buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
            int low = crc ^ (int) word;
            int high = (int) (word >>> 32);
            crc = TABLE[7 * 256 + (low & 0xFF)]
                    ^ TABLE[6 * 256 + ((low >>> 8) & 0xFF)]
                    ^ TABLE[5 * 256 + ((low >>> 16) & 0xFF)]
                    ^ TABLE[4 * 256 + (low >>> 24)]
                    ^ TABLE[3 * 256 + (high & 0xFF)]
                    ^ TABLE[2 * 256 + ((high >>> 8) & 0xFF)]
                    ^ TABLE[256 + ((high >>> 16) & 0xFF)]
                    ^ TABLE[high >>> 24];
            index += SLICES;
        }
        while (index < end) {
            crc = (crc >>> 8) ^ TABLE[(crc ^ buffer.getByte(index)) & 0xFF];
            index++;
        }
        return Integer.toUnsignedLong(~crc);
    }

    private static int[] buildTable() {
        int[] table = new int[SLICES * 256];
        for (int b = 0; b < 256; b++) {
            int crc = b;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
            }
            table[b] = crc;
        }
        for (int slice = 1; slice < SLICES; slice++) {
            for (int b = 0; b < 256; b++) {
                int previous = table[(slice - 1) * 256 + b];
                table[slice * 256 + b] = (previous >>> 8) ^ table[previous & 0xFF];
            }
        }
        return table;
    }
}
