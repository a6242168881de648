package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.IntFunction;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Feeds a head to a parser in every way the proxy might: whole, split in two at every byte, and
 * one byte at a time. Between calls the bytes received so far are copied to another buffer at
 * another offset, as the proxy does when it compacts a chunk, and the bytes past the input are
 * line feeds. Every way must give the same result and the same parsed description.
 */
final class HeadFeeding {
    /** Where {@link #whole} puts the head. */
    static final int FIRST_OFFSET = 3;
    private static final int SECOND_OFFSET = 11;
    private static final int SLACK = 32;

    /** A head parser under test, with a description of what it parsed, relative to the head start. */
    record Parser(MessageHead head, IntFunction<String> description) {
    }

    record Outcome(int result, String description) {
    }

    static Parser request(RequestHead head) {
        return new Parser(head, base -> Describe.request(head, base));
    }

    static Parser response(ResponseHead head) {
        return new Parser(head, base -> Describe.response(head, base));
    }

    private HeadFeeding() {
    }

    /** One call with every byte. */
    static Outcome whole(Parser parser, byte[] message, HeadLimits limits) {
        UnsafeBuffer buf = Wire.direct(message.length + FIRST_OFFSET + SLACK);
        Wire.load(buf, FIRST_OFFSET, message, message.length);
        parser.head().reset();
        int result = parser.head().parse(buf, FIRST_OFFSET, message.length, limits);
        return outcome(parser, result, FIRST_OFFSET);
    }

    /** Whole, at every split point and byte by byte; asserts they agree and returns the outcome. */
    static Outcome everyWay(Parser parser, byte[] message, HeadLimits limits) {
        Outcome expected = whole(parser, message, limits);
        UnsafeBuffer first = Wire.direct(message.length + FIRST_OFFSET + SLACK);
        UnsafeBuffer second = Wire.direct(message.length + SECOND_OFFSET + SLACK);
        for (int split = 1; split < message.length; split++) {
            parser.head().reset();
            Wire.load(first, FIRST_OFFSET, message, split);
            int result = parser.head().parse(first, FIRST_OFFSET, split, limits);
            int offset = FIRST_OFFSET;
            if (result == ParseResult.NEED_MORE) {
                Wire.load(second, SECOND_OFFSET, message, message.length);
                result = parser.head().parse(second, SECOND_OFFSET, message.length, limits);
                offset = SECOND_OFFSET;
            }
            int at = split;
            assertEquals(expected, outcome(parser, result, offset), () -> "split at " + at);
        }
        parser.head().reset();
        int result = ParseResult.NEED_MORE;
        int offset = FIRST_OFFSET;
        for (int available = 1; available <= message.length && result == ParseResult.NEED_MORE; available++) {
            // Alternate buffers and offsets, so every call sees the bytes somewhere new.
            UnsafeBuffer buf = available % 2 == 0 ? first : second;
            offset = available % 2 == 0 ? FIRST_OFFSET : SECOND_OFFSET;
            Wire.load(buf, offset, message, available);
            result = parser.head().parse(buf, offset, available, limits);
        }
        if (message.length > 0) {
            assertEquals(expected, outcome(parser, result, offset), "byte by byte");
        }
        return expected;
    }

    /**
     * {@link #everyWay}, then {@link #whole} once more, so that the head is left parsed from one
     * whole call for the test to inspect; returns the result all ways agreed on.
     */
    static int everyWayThenWhole(Parser parser, byte[] message, HeadLimits limits) {
        Outcome outcome = everyWay(parser, message, limits);
        whole(parser, message, limits);
        return outcome.result();
    }

    /**
     * Calls the parser with growing prefixes of the message (ascending lengths, the last one the
     * whole message), each copied alone into alternating buffers at different offsets, until a
     * final result.
     */
    static Outcome prefixes(Parser parser, byte[] message, HeadLimits limits, int... lengths) {
        UnsafeBuffer first = Wire.direct(message.length + FIRST_OFFSET + SLACK);
        UnsafeBuffer second = Wire.direct(message.length + SECOND_OFFSET + SLACK);
        parser.head().reset();
        int result = ParseResult.NEED_MORE;
        int offset = FIRST_OFFSET;
        for (int i = 0; i <= lengths.length && result == ParseResult.NEED_MORE; i++) {
            int available = i < lengths.length ? lengths[i] : message.length;
            UnsafeBuffer buf = i % 2 == 0 ? first : second;
            offset = i % 2 == 0 ? FIRST_OFFSET : SECOND_OFFSET;
            Wire.load(buf, offset, message, available);
            result = parser.head().parse(buf, offset, available, limits);
        }
        return outcome(parser, result, offset);
    }

    /**
     * Parses the message in three pieces, cut at {@code a} and {@code b} ten-thousandths of its
     * length (see {@link HttpGenerators#cuts()}), then whole; asserts that both agree. Leaves the
     * head parsed from the whole call, at {@link #FIRST_OFFSET}.
     */
    static Outcome cutAndWhole(Parser parser, byte[] message, HeadLimits limits, int a, int b) {
        Outcome fragmented = prefixes(parser, message, limits, cut(message, Math.min(a, b)), cut(message, Math.max(a, b)));
        Outcome whole = whole(parser, message, limits);
        assertEquals(whole, fragmented);
        return whole;
    }

    private static int cut(byte[] message, int perTenThousand) {
        return (int) ((long) message.length * perTenThousand / 10_000);
    }

    private static Outcome outcome(Parser parser, int result, int offset) {
        return new Outcome(result, result > 0 ? parser.description().apply(offset) : "");
    }
}
