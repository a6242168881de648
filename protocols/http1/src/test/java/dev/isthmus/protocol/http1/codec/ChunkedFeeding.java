package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Feeds bytes to a {@link ChunkedDecoder} whole, split in two at every byte, byte by byte, or in
 * given fragments, each fragment copied alone into the buffer with line feeds after it (the
 * decoder keeps no position in the input). Every way must agree.
 */
final class ChunkedFeeding {
    private static final int OFFSET = 5;
    private static final int SLACK = 16;

    /**
     * What a run of calls ended with: the body's length if it completed, the error, or
     * {@link ParseResult#NEED_MORE} if the input ran out first.
     */
    record Outcome(int result, boolean complete, long dataBytes) {
    }

    private ChunkedFeeding() {
    }

    static Outcome whole(byte[] input, HeadLimits limits) {
        return fragments(input, limits, List.of(input.length));
    }

    /** Feeds {@code input} in pieces of the given sizes (summing to at most its length). */
    static Outcome fragments(byte[] input, HeadLimits limits, List<Integer> sizes) {
        ChunkedDecoder decoder = new ChunkedDecoder();
        decoder.reset(limits);
        // One buffer serves every piece: the decoder keeps nothing of the bytes it was given.
        UnsafeBuffer buf = Wire.direct(input.length + OFFSET + SLACK);
        int consumed = 0;
        for (int size : sizes) {
            byte[] piece = Arrays.copyOfRange(input, consumed, consumed + size);
            Wire.load(buf, OFFSET, piece, size);
            int result = decoder.scan(buf, OFFSET, size);
            if (result < 0) {
                return new Outcome(result, false, decoder.dataBytes());
            }
            consumed += result;
            if (decoder.isComplete()) {
                return new Outcome(consumed, true, decoder.dataBytes());
            }
            assertEquals(size, result, "an incomplete body consumes every byte given");
        }
        return new Outcome(ParseResult.NEED_MORE, false, decoder.dataBytes());
    }

    static Outcome everyWay(byte[] input, HeadLimits limits) {
        Outcome expected = whole(input, limits);
        for (int split = 1; split < input.length; split++) {
            int at = split;
            Outcome outcome = fragments(input, limits, List.of(split, input.length - split));
            assertEquals(expected.result(), outcome.result(), () -> "split at " + at);
            assertEquals(expected.complete(), outcome.complete(), () -> "split at " + at);
            if (expected.complete()) {
                assertEquals(expected.dataBytes(), outcome.dataBytes(), () -> "split at " + at);
            }
        }
        List<Integer> ones = Collections.nCopies(input.length, 1);
        Outcome byteByByte = fragments(input, limits, ones);
        assertEquals(expected.result(), byteByByte.result(), "byte by byte");
        assertEquals(expected.complete(), byteByByte.complete(), "byte by byte");
        return expected;
    }
}
