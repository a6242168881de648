package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes a message head into a region of a {@link MutableDirectBuffer}, never past its end.
 *
 * <p>Overflow is signalled, not thrown: a put that does not fit writes nothing and returns
 * false, and the writer stays overflowed, so every later put fails as well. A caller can
 * therefore write a whole head and test {@link #overflowed()} once at the end, knowing that the
 * bytes before {@link #position()} are a prefix of what was asked for and nothing beyond the
 * region was touched. Allocates nothing; reuse it with {@link #wrap}.
 */
public final class HeadWriter {
    private static final byte[] CRLF = {HttpChars.CR, HttpChars.LF};

    private MutableDirectBuffer buffer;
    private int start;
    private int position;
    private int limit;
    private boolean overflowed;

    /**
     * Points the writer at {@code length} bytes from {@code offset}, and clears the overflow flag.
     *
     * @return this writer
     */
    public HeadWriter wrap(MutableDirectBuffer buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            throw new IllegalArgumentException("region " + offset + "+" + length
                    + " outside buffer of capacity " + buffer.capacity());
        }
        this.buffer = buffer;
        start = offset;
        position = offset;
        limit = offset + length;
        overflowed = false;
        return this;
    }

    /** The absolute index of the next byte to write. */
    public int position() {
        return position;
    }

    /** Bytes written since {@link #wrap}. */
    public int length() {
        return position - start;
    }

    /** Bytes that still fit. */
    public int remaining() {
        return limit - position;
    }

    /** Whether some put did not fit; it and every put after it wrote nothing. */
    public boolean overflowed() {
        return overflowed;
    }

    public boolean put(byte[] src) {
        if (!reserve(src.length)) {
            return false;
        }
        buffer.putBytes(position, src);
        position += src.length;
        return true;
    }

    public boolean put(DirectBuffer src, int offset, int length) {
        if (!reserve(length)) {
            return false;
        }
        buffer.putBytes(position, src, offset, length);
        position += length;
        return true;
    }

    public boolean putByte(byte b) {
        if (!reserve(1)) {
            return false;
        }
        buffer.putByte(position++, b);
        return true;
    }

    /** Writes {@code value} in decimal ASCII, with a '-' if negative. */
    public boolean putDecimal(long value) {
        // Digits are produced from the negated value, so Long.MIN_VALUE needs no special case.
        long negative = value < 0 ? value : -value;
        int digits = 1;
        for (long v = negative / 10; v != 0; v /= 10) {
            digits++;
        }
        int sign = value < 0 ? 1 : 0;
        if (!reserve(sign + digits)) {
            return false;
        }
        if (sign == 1) {
            buffer.putByte(position, (byte) '-');
        }
        int i = position + sign + digits;
        long v = negative;
        do {
            buffer.putByte(--i, (byte) ('0' - (v % 10)));
            v /= 10;
        } while (v != 0);
        position += sign + digits;
        return true;
    }

    public boolean putCrlf() {
        return put(CRLF);
    }

    private boolean reserve(int length) {
        if (overflowed || length > limit - position) {
            overflowed = true;
            return false;
        }
        return true;
    }
}
