package dev.isthmus.protocol.coap.codec;

import org.agrona.DirectBuffer;

/**
 * One CoAP message read in place (RFC 7252 3): {@link #wrap} checks the whole datagram once and
 * indexes its options, then the accessors read fields without copying. Reusable; allocates only
 * when a message has more options than any before it.
 *
 * <p>What {@link #wrap} answers decides what the message layer does (4.2, 4.3):
 * {@link #OK}; {@link #TOO_SHORT}, fewer than the four header bytes, so not even a message ID to
 * reset (dropped); {@link #FORMAT_ERROR}, a header was read but the rest breaks the format
 * (a CON is answered with RST, anything else dropped). Options are not judged here: a critical
 * option this build does not recognize is found with {@link #firstUnrecognizedCritical}.
 */
public final class MessageView {
    public static final int OK = 0;
    public static final int TOO_SHORT = 1;
    public static final int FORMAT_ERROR = 2;

    /** More options than this in one message is taken as a format error (a bound on the index, not the RFC's). */
    public static final int MAX_OPTIONS = 256;
    private static final int PAYLOAD_MARKER = 0xFF;

    private DirectBuffer buffer;
    private int offset;
    private int length;
    private int type;
    private int tokenLength;
    private int code;
    private int messageId;
    private int optionCount;
    private int[] optionNumbers = new int[16];
    private int[] optionOffsets = new int[16];
    private int[] optionLengths = new int[16];
    private int payloadOffset;
    private int payloadLength;
    private String problem;

    /** Reads the datagram of {@code length} bytes at {@code offset}; see the class comment for the answers. */
    public int wrap(DirectBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.optionCount = 0;
        this.payloadOffset = offset + length;
        this.payloadLength = 0;
        this.problem = null;
        if (length < 4) {
            problem = "shorter than a header";
            return TOO_SHORT;
        }
        int first = buffer.getByte(offset) & 0xFF;
        type = (first >>> 4) & 3;
        tokenLength = first & 0x0F;
        code = buffer.getByte(offset + 1) & 0xFF;
        messageId = (buffer.getByte(offset + 2) & 0xFF) << 8 | buffer.getByte(offset + 3) & 0xFF;
        if (first >>> 6 != 1) {
            // 3: messages with an unknown version number are silently ignored; a format error does that.
            return fail("version " + (first >>> 6));
        }
        if (tokenLength > 8) {
            return fail("token length " + tokenLength);
        }
        if (code == CoapCode.EMPTY) {
            // 4.1: an empty message has nothing after the header.
            return length == 4 && tokenLength == 0 ? OK : fail("an empty message with content");
        }
        int end = offset + length;
        int at = offset + 4 + tokenLength;
        if (at > end) {
            return fail("a token cut short");
        }
        int number = 0;
        while (at < end) {
            int b = buffer.getByte(at++) & 0xFF;
            if (b == PAYLOAD_MARKER) {
                if (at == end) {
                    return fail("a payload marker with no payload");
                }
                payloadOffset = at;
                payloadLength = end - at;
                return OK;
            }
            int delta = b >>> 4;
            int optionLength = b & 0x0F;
            if (delta == 15 || optionLength == 15) {
                return fail("reserved option nibble 15");
            }
            if (delta == 13) {
                if (at >= end) {
                    return fail("an option delta cut short");
                }
                delta = 13 + (buffer.getByte(at++) & 0xFF);
            } else if (delta == 14) {
                if (at + 1 >= end) {
                    return fail("an option delta cut short");
                }
                delta = 269 + ((buffer.getByte(at) & 0xFF) << 8 | buffer.getByte(at + 1) & 0xFF);
                at += 2;
            }
            if (optionLength == 13) {
                if (at >= end) {
                    return fail("an option length cut short");
                }
                optionLength = 13 + (buffer.getByte(at++) & 0xFF);
            } else if (optionLength == 14) {
                if (at + 1 >= end) {
                    return fail("an option length cut short");
                }
                optionLength = 269 + ((buffer.getByte(at) & 0xFF) << 8 | buffer.getByte(at + 1) & 0xFF);
                at += 2;
            }
            number += delta;
            if (number > 65_535) {
                return fail("an option number beyond 65535");
            }
            if (optionLength > end - at) {
                return fail("an option value cut short");
            }
            if (optionCount == MAX_OPTIONS) {
                return fail("more than " + MAX_OPTIONS + " options");
            }
            addOption(number, at, optionLength);
            at += optionLength;
        }
        return OK;
    }

    private int fail(String why) {
        problem = why;
        return FORMAT_ERROR;
    }

    private void addOption(int number, int valueOffset, int valueLength) {
        if (optionCount == optionNumbers.length) {
            int size = optionCount * 2;
            optionNumbers = java.util.Arrays.copyOf(optionNumbers, size);
            optionOffsets = java.util.Arrays.copyOf(optionOffsets, size);
            optionLengths = java.util.Arrays.copyOf(optionLengths, size);
        }
        optionNumbers[optionCount] = number;
        optionOffsets[optionCount] = valueOffset;
        optionLengths[optionCount] = valueLength;
        optionCount++;
    }

    /** Why the last {@link #wrap} was not {@link #OK}, for logs; null when it was. */
    public String problem() {
        return problem;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    /** Where the message starts in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    public int type() {
        return type;
    }

    public int code() {
        return code;
    }

    public int messageId() {
        return messageId;
    }

    public int tokenLength() {
        return tokenLength;
    }

    public int tokenOffset() {
        return offset + 4;
    }

    /** The token as a number (up to 8 bytes, big-endian), a compact key for exchanges. */
    public long tokenAsLong() {
        long token = 0;
        for (int i = 0; i < tokenLength; i++) {
            token = token << 8 | (buffer.getByte(offset + 4 + i) & 0xFF);
        }
        return token;
    }

    public int optionCount() {
        return optionCount;
    }

    /** Option {@code index}'s number; options are in ascending order of number, as on the wire. */
    public int optionNumber(int index) {
        return optionNumbers[index];
    }

    public int optionOffset(int index) {
        return optionOffsets[index];
    }

    public int optionLength(int index) {
        return optionLengths[index];
    }

    /** The index of the first option {@code number}, or -1. */
    public int find(int number) {
        for (int i = 0; i < optionCount; i++) {
            if (optionNumbers[i] == number) {
                return i;
            }
            if (optionNumbers[i] > number) {
                return -1;
            }
        }
        return -1;
    }

    public boolean has(int number) {
        return find(number) >= 0;
    }

    /** Option {@code index} as an unsigned integer (5.3.2: big-endian, leading zeros allowed, empty is 0). */
    public long uint(int index) {
        long value = 0;
        int at = optionOffsets[index];
        for (int i = 0; i < optionLengths[index]; i++) {
            value = value << 8 | (buffer.getByte(at + i) & 0xFF);
        }
        return value;
    }

    /** The first option {@code number} as an unsigned integer, or {@code absent} when there is none. */
    public long uint(int number, long absent) {
        int index = find(number);
        return index < 0 ? absent : uint(index);
    }

    /** Option {@code index} as text (UTF-8); allocates, for what is not on the hot path. */
    public String string(int index) {
        byte[] bytes = new byte[optionLengths[index]];
        buffer.getBytes(optionOffsets[index], bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Whether option {@code index}'s value is exactly {@code expected}'s bytes. */
    public boolean valueEquals(int index, byte[] expected) {
        if (optionLengths[index] != expected.length) {
            return false;
        }
        int at = optionOffsets[index];
        for (int i = 0; i < expected.length; i++) {
            if (buffer.getByte(at + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The number of the first critical option this build does not recognize (unknown, or a
     * length out of its bounds, or repeated where it may not be), or -1: a request that has one
     * gets 4.02 Bad Option, a CON response an RST (5.4.1).
     */
    public int firstUnrecognizedCritical() {
        for (int i = 0; i < optionCount; i++) {
            int number = optionNumbers[i];
            if (CoapOption.isCritical(number) && (!CoapOption.isRecognized(number, optionLengths[i])
                    || (i > 0 && optionNumbers[i - 1] == number && !CoapOption.isRepeatable(number)))) {
                return number;
            }
        }
        return -1;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(CoapType.name(type)).append(' ').append(CoapCode.toString(code))
                .append(" mid=").append(messageId).append(" token=").append(Long.toHexString(tokenAsLong()));
        for (int i = 0; i < optionCount; i++) {
            out.append(' ').append(CoapOption.name(optionNumbers[i])).append('(').append(optionLengths[i]).append(')');
        }
        return out.append(" payload=").append(payloadLength).toString();
    }
}
