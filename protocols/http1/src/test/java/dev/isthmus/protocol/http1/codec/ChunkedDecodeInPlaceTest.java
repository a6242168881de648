package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Decoding a chunked body in place yields exactly the payload, however the bytes are split. */
class ChunkedDecodeInPlaceTest {
    @Test
    void decodedRunsConcatenateToThePayload() {
        qt().withExamples(500).forAll(integers().between(0, 40_000), longs().all(), integers().between(1, 5000))
                .checkAssert((size, seed, maxFragment) -> {
                    Random random = new Random(seed);
                    byte[] payload = new byte[size];
                    random.nextBytes(payload);
                    byte[] message = encode(payload, random);
                    // Off-heap like the proxy's chunks, with room before the message.
                    UnsafeBuffer buffer = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(message.length + 16));
                    buffer.putBytes(16, message);
                    ChunkedDecoder decoder = new ChunkedDecoder();
                    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
                    int offset = 16;
                    int end = 16 + message.length;
                    while (offset < end) {
                        int length = Math.min(end - offset, 1 + random.nextInt(maxFragment));
                        int consumed = decoder.decodeInPlace(buffer, offset, length);
                        assertEquals(length, consumed, "every byte of a run inside the message belongs to it");
                        byte[] run = new byte[decoder.decodedBytes()];
                        buffer.getBytes(offset, run);
                        decoded.writeBytes(run);
                        offset += length;
                    }
                    assertTrue(decoder.isComplete());
                    assertEquals((long) size, decoder.dataBytes());
                    assertArrayEquals(payload, decoded.toByteArray());
                });
    }

    @Test
    void malformedFramingIsRefusedWhileDecoding() {
        UnsafeBuffer buffer = new UnsafeBuffer("5\r\nhello\r\nzz\r\n".getBytes(StandardCharsets.US_ASCII));
        ChunkedDecoder decoder = new ChunkedDecoder();
        assertEquals(ParseResult.BAD_REQUEST, decoder.decodeInPlace(buffer, 0, buffer.capacity()));
    }

    private static byte[] encode(byte[] payload, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int offset = 0; offset < payload.length; ) {
            int n = Math.min(payload.length - offset, 1 + random.nextInt(3000));
            String ext = random.nextBoolean() ? ";a=b" : "";
            out.writeBytes((Integer.toHexString(n) + ext + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(payload, offset, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            offset += n;
        }
        out.writeBytes("0\r\nX-T: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
