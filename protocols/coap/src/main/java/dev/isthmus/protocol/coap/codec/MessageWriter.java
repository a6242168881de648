package dev.isthmus.protocol.coap.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Writes one CoAP message into a buffer (a datagram endpoint's send buffer): the header with its
 * token, options in ascending order of number (each as a delta from the one before, with the
 * extended forms of RFC 7252 3.1), then the payload after its marker. Reusable; allocates nothing.
 * The caller keeps within the buffer's capacity (a datagram's, 64 KiB).
 */
public final class MessageWriter {
    private MutableDirectBuffer buffer;
    private int start;
    private int position;
    private int lastOption;

    /** Starts a message at {@code offset} of {@code buffer}. */
    public MessageWriter wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.start = offset;
        this.position = offset;
        this.lastOption = 0;
        return this;
    }

    /** The header, with the token of {@code tokenLength} bytes at {@code tokenOffset} of {@code token}. */
    public MessageWriter header(int type, int code, int messageId, DirectBuffer token, int tokenOffset,
                                int tokenLength) {
        writeHeader(type, code, messageId, tokenLength);
        if (tokenLength > 0) {
            buffer.putBytes(position, token, tokenOffset, tokenLength);
            position += tokenLength;
        }
        return this;
    }

    /** The header, with the token given as a number of {@code tokenLength} bytes (big-endian). */
    public MessageWriter header(int type, int code, int messageId, long token, int tokenLength) {
        writeHeader(type, code, messageId, tokenLength);
        for (int i = tokenLength - 1; i >= 0; i--) {
            buffer.putByte(position++, (byte) (token >>> (8 * i)));
        }
        return this;
    }

    private void writeHeader(int type, int code, int messageId, int tokenLength) {
        if (tokenLength < 0 || tokenLength > 8) {
            throw new IllegalArgumentException("token length " + tokenLength);
        }
        buffer.putByte(position, (byte) (0x40 | (type & 3) << 4 | tokenLength));
        buffer.putByte(position + 1, (byte) code);
        buffer.putByte(position + 2, (byte) (messageId >>> 8));
        buffer.putByte(position + 3, (byte) messageId);
        position += 4;
        lastOption = 0;
    }

    /** An option whose value is {@code length} bytes at {@code offset} of {@code value}. */
    public MessageWriter option(int number, DirectBuffer value, int offset, int length) {
        optionHeader(number, length);
        buffer.putBytes(position, value, offset, length);
        position += length;
        return this;
    }

    public MessageWriter option(int number, byte[] value) {
        optionHeader(number, value.length);
        buffer.putBytes(position, value);
        position += value.length;
        return this;
    }

    /** An option with no value (If-None-Match, or an unsigned integer 0). */
    public MessageWriter option(int number) {
        optionHeader(number, 0);
        return this;
    }

    /** An unsigned integer option in as few bytes as it takes (0 takes none, 5.3.2). */
    public MessageWriter optionUint(int number, long value) {
        int length = value == 0 ? 0 : (64 - Long.numberOfLeadingZeros(value) + 7) / 8;
        optionHeader(number, length);
        for (int i = length - 1; i >= 0; i--) {
            buffer.putByte(position++, (byte) (value >>> (8 * i)));
        }
        return this;
    }

    /** A text option (UTF-8; ASCII written without allocating). */
    public MessageWriter optionString(int number, CharSequence value) {
        boolean ascii = true;
        for (int i = 0; i < value.length() && ascii; i++) {
            ascii = value.charAt(i) < 0x80;
        }
        if (!ascii) {
            return option(number, value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        optionHeader(number, value.length());
        for (int i = 0; i < value.length(); i++) {
            buffer.putByte(position++, (byte) value.charAt(i));
        }
        return this;
    }

    private void optionHeader(int number, int length) {
        int delta = number - lastOption;
        if (delta < 0) {
            throw new IllegalStateException("option " + number + " after option " + lastOption
                    + ": options go in ascending order");
        }
        if (length > 65_535 + 269) {
            throw new IllegalArgumentException("an option of " + length + " bytes");
        }
        int header = position++;
        int deltaNibble = nibble(delta);
        int lengthNibble = nibble(length);
        buffer.putByte(header, (byte) (deltaNibble << 4 | lengthNibble));
        extended(deltaNibble, delta);
        extended(lengthNibble, length);
        lastOption = number;
    }

    private static int nibble(int value) {
        return value < 13 ? value : value < 269 ? 13 : 14;
    }

    private void extended(int nibble, int value) {
        if (nibble == 13) {
            buffer.putByte(position++, (byte) (value - 13));
        } else if (nibble == 14) {
            buffer.putByte(position++, (byte) ((value - 269) >>> 8));
            buffer.putByte(position++, (byte) (value - 269));
        }
    }

    /** The payload, after its marker; an empty payload writes neither (3). */
    public MessageWriter payload(DirectBuffer payload, int offset, int length) {
        if (length > 0) {
            buffer.putByte(position++, (byte) 0xFF);
            buffer.putBytes(position, payload, offset, length);
            position += length;
        }
        return this;
    }

    public MessageWriter payload(byte[] payload) {
        return payload(payload, 0, payload.length);
    }

    /** {@code length} bytes of {@code payload} from {@code offset} (one block of a larger body). */
    public MessageWriter payload(byte[] payload, int offset, int length) {
        if (length > 0) {
            buffer.putByte(position++, (byte) 0xFF);
            buffer.putBytes(position, payload, offset, length);
            position += length;
        }
        return this;
    }

    /** Bytes written since {@link #wrap}. */
    public int length() {
        return position - start;
    }
}
