package dev.isthmus.protocol.http1.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Bytes on the wire for tests: ISO-8859-1 text, so "\u0080".."\u00FF" become obs-text bytes. */
final class Wire {
    /**
     * What fills a buffer beyond the bytes a parser is given. A line feed, because a parser that
     * read past its input would most likely change its answer on seeing one.
     */
    static final byte FILL = '\n';

    private Wire() {
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(DirectBuffer buf, int offset, int length) {
        byte[] bytes = new byte[length];
        buf.getBytes(offset, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Off-heap, like the proxy's chunks. */
    static UnsafeBuffer direct(int capacity) {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
    }

    /** Fills {@code buf} with {@link #FILL}, then copies the first {@code length} bytes of {@code src} to {@code offset}. */
    static void load(UnsafeBuffer buf, int offset, byte[] src, int length) {
        buf.setMemory(0, buf.capacity(), FILL);
        buf.putBytes(offset, src, 0, length);
    }

    static String repeat(char c, int count) {
        return String.valueOf(c).repeat(count);
    }
}
