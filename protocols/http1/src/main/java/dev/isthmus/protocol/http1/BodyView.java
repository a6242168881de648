package dev.isthmus.protocol.http1;

import org.agrona.DirectBuffer;

/**
 * A piece of a message body as it passes through the proxy: {@code length} bytes at
 * {@code offset} of {@code buffer}. A flyweight, valid only during the body-filter call.
 */
public final class BodyView {
    private DirectBuffer buffer;
    private int offset;
    private int length;

    BodyView wrap(DirectBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    /** A copy of the bytes, for code that must keep them (allocates). */
    public byte[] toByteArray() {
        byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        return copy;
    }
}
