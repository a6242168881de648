package dev.isthmus.protocol.mqtt.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The MQTT data representations (MQTT 5.0 §1.5) read and written without allocation: two-byte
 * integers, variable byte integers, UTF-8 encoded strings. Reads are given an exclusive end and
 * never look past it; failures are returned as negative codes, {@code -reasonCode.value()}.
 */
final class MqttWire {
    /** Largest value of a variable byte integer (four bytes of seven bits). */
    static final int MAX_VARIABLE_BYTE_INTEGER = 268_435_455;
    /** Largest length of a string or binary field: the two-byte length prefix. */
    static final int MAX_FIELD_LENGTH = 0xFFFF;

    static final int MALFORMED = -ReasonCode.MALFORMED_PACKET.value();
    static final int PROTOCOL_ERROR = -ReasonCode.PROTOCOL_ERROR.value();
    static final int TOPIC_NAME_INVALID = -ReasonCode.TOPIC_NAME_INVALID.value();
    static final int TOPIC_FILTER_INVALID = -ReasonCode.TOPIC_FILTER_INVALID.value();

    private MqttWire() {
    }

    /** The reason code of a negative result. */
    static ReasonCode reason(int negativeResult) {
        ReasonCode code = ReasonCode.ofValue(-negativeResult);
        return code == null ? ReasonCode.MALFORMED_PACKET : code;
    }

    static int u16(DirectBuffer buf, int index) {
        return ((buf.getByte(index) & 0xFF) << 8) | (buf.getByte(index + 1) & 0xFF);
    }

    static long u32(DirectBuffer buf, int index) {
        return ((long) u16(buf, index) << 16) | u16(buf, index + 2);
    }

    static void putU16(MutableDirectBuffer buf, int index, int value) {
        buf.putByte(index, (byte) (value >>> 8));
        buf.putByte(index + 1, (byte) value);
    }

    static void putU32(MutableDirectBuffer buf, int index, long value) {
        putU16(buf, index, (int) (value >>> 16));
        putU16(buf, index + 2, (int) value);
    }

    /**
     * Reads a variable byte integer at {@code index}, not past {@code end}.
     *
     * @return {@code value | bytes << 32}, or {@link #MALFORMED} if it is truncated, has a fifth
     *         byte, or is not in its shortest form (MQTT-1.5.5-1)
     */
    static long vbi(DirectBuffer buf, int index, int end) {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            if (index + i >= end) {
                return MALFORMED;
            }
            int b = buf.getByte(index + i) & 0xFF;
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                // A zero last byte after the first adds nothing: a longer form than needed.
                if (i > 0 && b == 0) {
                    return MALFORMED;
                }
                return value | ((long) (i + 1) << 32);
            }
        }
        return MALFORMED;
    }

    static int vbiLength(int value) {
        if (value < 0 || value > MAX_VARIABLE_BYTE_INTEGER) {
            throw new IllegalArgumentException("variable byte integer out of range: " + value);
        }
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    /** Writes {@code value} as a variable byte integer; returns the bytes written. */
    static int putVbi(MutableDirectBuffer buf, int index, int value) {
        int n = vbiLength(value);
        int v = value;
        for (int i = 0; i < n - 1; i++) {
            buf.putByte(index + i, (byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buf.putByte(index + n - 1, (byte) v);
        return n;
    }

    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long LOW_BITS = 0x0101_0101_0101_0101L;
    private static final long PLUS_BYTES = 0x2B2B_2B2B_2B2B_2B2BL;
    private static final long HASH_BYTES = 0x2323_2323_2323_2323L;

    /** Whether one of the eight bytes of {@code w} is zero (the classic bit trick; byte order does not matter). */
    private static boolean hasZeroByte(long w) {
        return ((w - LOW_BITS) & ~w & HIGH_BITS) != 0;
    }

    /**
     * Checks that {@code length} bytes from {@code index} are well-formed UTF-8 (RFC 3629: no
     * overlong forms, no surrogates, nothing above U+10FFFF) without U+0000 (MQTT-1.5.4-1,
     * MQTT-1.5.4-2). Other control characters and non-characters are accepted: the spec only
     * says they SHOULD NOT be sent.
     *
     * @return 0, or {@link #MALFORMED}
     */
    static int checkUtf8(DirectBuffer buf, int index, int length) {
        int p = index;
        int end = index + length;
        while (p < end) {
            // Eight ASCII bytes at a time, the common case for topics and property strings.
            if (end - p >= 8) {
                long w = buf.getLong(p);
                if ((w & HIGH_BITS) == 0 && !hasZeroByte(w)) {
                    p += 8;
                    continue;
                }
            }
            if (buf.getByte(p) > 0) {
                p++;
                continue;
            }
            p = utf8Character(buf, p, end);
            if (p < 0) {
                return MALFORMED;
            }
        }
        return 0;
    }

    /**
     * Checks a topic name (MQTT 5.0 §4.7.3): well-formed UTF-8 without U+0000 and without the
     * wildcards '+' and '#'. Emptiness is the caller's business (allowed with a topic alias).
     *
     * @return 0, {@link #MALFORMED} or {@link #TOPIC_NAME_INVALID}, whichever the first offending
     *         character calls for
     */
    static int checkTopicName(DirectBuffer buf, int index, int length) {
        int p = index;
        int end = index + length;
        while (p < end) {
            if (end - p >= 8) {
                long w = buf.getLong(p);
                if ((w & HIGH_BITS) == 0 && !hasZeroByte(w) && !hasZeroByte(w ^ PLUS_BYTES)
                        && !hasZeroByte(w ^ HASH_BYTES)) {
                    p += 8;
                    continue;
                }
            }
            byte b = buf.getByte(p);
            if (b == '+' || b == '#') {
                return TOPIC_NAME_INVALID;
            }
            if (b > 0) {
                p++;
                continue;
            }
            p = utf8Character(buf, p, end);
            if (p < 0) {
                return MALFORMED;
            }
        }
        return 0;
    }

    /** Checks the character starting at {@code p}; returns the index after it, or -1 if it is not allowed. */
    private static int utf8Character(DirectBuffer buf, int p, int end) {
        int b = buf.getByte(p);
        if (b > 0) {
            return p + 1;
        }
        if (b == 0) {
            return -1;
        }
        b &= 0xFF;
        int need;
        int min;
        int cp;
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
            min = 0x80;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            min = 0x800;
            cp = b & 0x0F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            min = 0x10000;
            cp = b & 0x07;
        } else {
            // Continuation byte without a lead, 0xC0/0xC1 (always overlong), or 0xF5..0xFF.
            return -1;
        }
        if (end - p <= need) {
            return -1;
        }
        for (int i = 1; i <= need; i++) {
            int c = buf.getByte(p + i) & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return -1;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return -1;
        }
        return p + need + 1;
    }

    /**
     * Checks a topic filter's syntax (MQTT 5.0 §4.7.1, §4.8.2), its UTF-8 already checked: not
     * empty; '#' alone in the last level; '+' alone in its level; {@code $share/{group}/{filter}}
     * with a non-empty group free of wildcards and a valid, non-empty filter after it.
     *
     * @return 0, or {@link #TOPIC_FILTER_INVALID}
     */
    static int checkTopicFilter(DirectBuffer buf, int index, int length) {
        if (length == 0) {
            return TOPIC_FILTER_INVALID;
        }
        int start = index;
        int end = index + length;
        if (isSharePrefix(buf, index, length)) {
            int group = index + SHARE_PREFIX.length;
            int p = group;
            while (p < end && buf.getByte(p) != '/') {
                byte b = buf.getByte(p);
                if (b == '+' || b == '#') {
                    return TOPIC_FILTER_INVALID;
                }
                p++;
            }
            if (p == group || p >= end - 1) {
                // Empty group, or no "/" and non-empty filter after the group.
                return TOPIC_FILTER_INVALID;
            }
            start = p + 1;
        }
        for (int p = start; p < end; p++) {
            byte b = buf.getByte(p);
            if (b == '#') {
                if (p != end - 1 || (p > start && buf.getByte(p - 1) != '/')) {
                    return TOPIC_FILTER_INVALID;
                }
            } else if (b == '+') {
                if ((p > start && buf.getByte(p - 1) != '/') || (p < end - 1 && buf.getByte(p + 1) != '/')) {
                    return TOPIC_FILTER_INVALID;
                }
            }
        }
        return 0;
    }

    private static final byte[] SHARE_PREFIX = {'$', 's', 'h', 'a', 'r', 'e', '/'};

    /** Whether the filter starts with "$share/" (a shared subscription, MQTT 5.0 §4.8.2). */
    static boolean isSharePrefix(DirectBuffer buf, int index, int length) {
        if (length < SHARE_PREFIX.length) {
            return false;
        }
        for (int i = 0; i < SHARE_PREFIX.length; i++) {
            if (buf.getByte(index + i) != SHARE_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Bytes of {@code s} in UTF-8. Refuses what MQTT forbids in strings: U+0000 and unpaired
     * surrogates.
     *
     * @throws IllegalArgumentException for such a string
     */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException("U+0000 is not allowed in an MQTT string");
            }
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("unpaired surrogate in an MQTT string");
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Writes {@code s} in UTF-8 (already checked by {@link #utf8Length}); returns the bytes written. */
    static int putUtf8(MutableDirectBuffer buf, int index, String s) {
        int p = index;
        for (int i = 0, len = s.length(); i < len; i++) {
            int c = s.charAt(i);
            if (c < 0x80) {
                buf.putByte(p++, (byte) c);
            } else if (c < 0x800) {
                buf.putByte(p++, (byte) (0xC0 | (c >>> 6)));
                buf.putByte(p++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate((char) c)) {
                int cp = Character.toCodePoint((char) c, s.charAt(++i));
                buf.putByte(p++, (byte) (0xF0 | (cp >>> 18)));
                buf.putByte(p++, (byte) (0x80 | ((cp >>> 12) & 0x3F)));
                buf.putByte(p++, (byte) (0x80 | ((cp >>> 6) & 0x3F)));
                buf.putByte(p++, (byte) (0x80 | (cp & 0x3F)));
            } else {
                buf.putByte(p++, (byte) (0xE0 | (c >>> 12)));
                buf.putByte(p++, (byte) (0x80 | ((c >>> 6) & 0x3F)));
                buf.putByte(p++, (byte) (0x80 | (c & 0x3F)));
            }
        }
        return p - index;
    }

    /** Length of a string field: prefix and UTF-8 bytes, checked against the 65,535-byte limit. */
    static int stringFieldLength(String s) {
        int n = utf8Length(s);
        if (n > MAX_FIELD_LENGTH) {
            throw new IllegalArgumentException("string longer than 65535 UTF-8 bytes");
        }
        return 2 + n;
    }

    /** Writes a length-prefixed string; returns the bytes written. */
    static int putStringField(MutableDirectBuffer buf, int index, String s) {
        int n = putUtf8(buf, index + 2, s);
        putU16(buf, index, n);
        return 2 + n;
    }

    static int binaryFieldLength(byte[] data) {
        if (data.length > MAX_FIELD_LENGTH) {
            throw new IllegalArgumentException("binary data longer than 65535 bytes");
        }
        return 2 + data.length;
    }

    static int putBinaryField(MutableDirectBuffer buf, int index, byte[] data) {
        putU16(buf, index, data.length);
        buf.putBytes(index + 2, data);
        return 2 + data.length;
    }

    /** Hash of a byte range, the same as {@link java.util.Arrays#hashCode(byte[])} of a copy of it. */
    static int hash(DirectBuffer buf, int index, int length) {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + buf.getByte(index + i);
        }
        return h;
    }

    static boolean rangeEquals(DirectBuffer a, int aIndex, DirectBuffer b, int bIndex, int length) {
        for (int i = 0; i < length; i++) {
            if (a.getByte(aIndex + i) != b.getByte(bIndex + i)) {
                return false;
            }
        }
        return true;
    }

    static boolean rangeEquals(DirectBuffer a, int aIndex, int length, byte[] b) {
        if (b.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (a.getByte(aIndex + i) != b[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code [offset, offset + length)} is a valid region of {@code buf}. */
    static boolean validRegion(DirectBuffer buf, int offset, int length) {
        return buf != null && offset >= 0 && length >= 0 && offset <= buf.capacity() - length;
    }
}
