package dev.isthmus.protocol.http1.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Byte classes of the HTTP grammar (RFC 9110 §5.6, RFC 9112, RFC 3986), scans over them, and
 * case-insensitive comparison of ASCII names.
 *
 * <p>Classes live in one 256-entry table so that a byte is tested with one load and one mask.
 * The long runs (field values, targets, names) are first scanned a word at a time: eight bytes
 * read as a long and tested together with SWAR arithmetic (carry-free byte-wise adds), falling
 * back to the table only around the byte that ends the run. Names are compared as "keys": up to
 * eight bytes packed into a long and folded to lower case the same way, so matching a
 * well-known name costs a few long compares. Keys use the platform's byte order; they are only
 * compared with keys built in the same process.
 */
final class HttpChars {
    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte SP = ' ';
    static final byte HTAB = '\t';
    static final byte COLON = ':';
    static final byte COMMA = ',';
    static final byte SEMICOLON = ';';
    static final byte EQUALS = '=';
    static final byte DQUOTE = '"';
    static final byte BACKSLASH = '\\';
    static final byte SLASH = '/';
    static final byte QUESTION = '?';
    static final byte HASH = '#';
    static final byte ASTERISK = '*';
    static final byte PERCENT = '%';
    static final byte OPEN_BRACKET = '[';
    static final byte CLOSE_BRACKET = ']';
    static final byte DOT = '.';

    /** tchar: the bytes of a token (methods, field names, codings, connection options). */
    private static final int TOKEN = 1;
    /** Bytes allowed inside a field value: VCHAR, obs-text, SP, HTAB. */
    private static final int FIELD_CHAR = 1 << 1;
    /** Bytes allowed in a request-target: visible ASCII, 0x21..0x7E. */
    private static final int TARGET = 1 << 2;
    /** RFC 3986 unreserved and sub-delims: a reg-name without its pct-encodings. */
    private static final int REG_NAME = 1 << 3;
    /** qdtext of a quoted-string: field bytes other than DQUOTE and backslash. */
    private static final int QDTEXT = 1 << 4;

    private static final byte[] CLASSES = new byte[256];
    private static final byte[] HEX_VALUES = new byte[256];

    private static final int KEY_BYTES = Long.BYTES;
    private static final long LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** Added to a byte below 0x80, sets its high bit iff the byte is >= 'A'. */
    private static final long FROM_UPPER_A = 0x3F3F3F3F3F3F3F3FL;
    /** Added to a byte below 0x80, sets its high bit iff the byte is > 'Z'. */
    private static final long PAST_UPPER_Z = 0x2525252525252525L;
    /** Shifting a byte's high bit right by two gives the ASCII case bit, 0x20. */
    private static final int HIGH_BIT_TO_CASE_BIT = 2;
    private static final long ONES = 0x0101010101010101L;
    /** SP in every byte: field values hold no byte below it but HTAB. */
    private static final long SPACES = 0x2020202020202020L;
    /** '!' in every byte: a request-target holds no byte below it. */
    private static final long BANGS = 0x2121212121212121L;
    private static final long DELETES = 0x7F7F7F7F7F7F7F7FL;
    private static final long DASHES = 0x2D2D2D2D2D2D2D2DL;
    private static final long DOTS = 0x2E2E2E2E2E2E2E2EL;
    private static final long LETTER_FROM = (0x80 - 'a') * ONES;
    private static final long LETTER_PAST = (0x7F - 'z') * ONES;
    private static final long DIGIT_FROM = (0x80 - '0') * ONES;
    private static final long DIGIT_PAST = (0x7F - '9') * ONES;

    static {
        for (int b = '0'; b <= '9'; b++) {
            CLASSES[b] |= TOKEN | REG_NAME;
        }
        for (int b = 'A'; b <= 'Z'; b++) {
            CLASSES[b] |= TOKEN | REG_NAME;
            CLASSES[b + ('a' - 'A')] |= TOKEN | REG_NAME;
        }
        for (byte b : "!#$%&'*+-.^_`|~".getBytes(StandardCharsets.US_ASCII)) {
            CLASSES[b] |= TOKEN;
        }
        for (byte b : "-._~!$&'()*+,;=".getBytes(StandardCharsets.US_ASCII)) {
            CLASSES[b] |= REG_NAME;
        }
        for (int b = 0x21; b <= 0x7E; b++) {
            CLASSES[b] |= TARGET | FIELD_CHAR | QDTEXT;
        }
        for (int b = 0x80; b <= 0xFF; b++) {
            CLASSES[b] |= FIELD_CHAR | QDTEXT;
        }
        CLASSES[SP] |= FIELD_CHAR | QDTEXT;
        CLASSES[HTAB] |= FIELD_CHAR | QDTEXT;
        CLASSES[DQUOTE] &= ~QDTEXT;
        CLASSES[BACKSLASH] &= ~QDTEXT;

        Arrays.fill(HEX_VALUES, (byte) -1);
        for (int b = '0'; b <= '9'; b++) {
            HEX_VALUES[b] = (byte) (b - '0');
        }
        for (int b = 'a'; b <= 'f'; b++) {
            HEX_VALUES[b] = (byte) (b - 'a' + 10);
            HEX_VALUES[b - ('a' - 'A')] = (byte) (b - 'a' + 10);
        }
    }

    private HttpChars() {
    }

    static boolean isToken(byte b) {
        return (CLASSES[b & 0xFF] & TOKEN) != 0;
    }

    static boolean isFieldChar(byte b) {
        return (CLASSES[b & 0xFF] & FIELD_CHAR) != 0;
    }

    static boolean isTargetChar(byte b) {
        return (CLASSES[b & 0xFF] & TARGET) != 0;
    }

    static boolean isRegNameChar(byte b) {
        return (CLASSES[b & 0xFF] & REG_NAME) != 0;
    }

    static boolean isOws(byte b) {
        return b == SP || b == HTAB;
    }

    static boolean isQdtext(byte b) {
        return (CLASSES[b & 0xFF] & QDTEXT) != 0;
    }

    /** The second byte of a quoted-pair: HTAB, SP, VCHAR or obs-text. */
    static boolean isQuotedPairChar(byte b) {
        return (CLASSES[b & 0xFF] & FIELD_CHAR) != 0;
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** @return 0..15, or -1 if {@code b} is not a hex digit */
    static int hexValue(byte b) {
        return HEX_VALUES[b & 0xFF];
    }

    /**
     * @return the first index in [from, to) of a byte that may not appear in a field value
     *         (CTL other than HTAB, or DEL), or {@code to}
     */
    static int skipFieldChars(DirectBuffer buf, int from, int to) {
        int i = from;
        while (true) {
            // Eight bytes at a time while no byte is below SP or DEL; a word that has one (a line
            // end, or just an HTAB) is walked byte by byte before going back to words.
            while (i <= to - Long.BYTES && isPlainFieldWord(buf.getLong(i))) {
                i += Long.BYTES;
            }
            int wordEnd = Math.min(i + Long.BYTES, to);
            for (; i < wordEnd; i++) {
                if (!isFieldChar(buf.getByte(i))) {
                    return i;
                }
            }
            if (i >= to) {
                return to;
            }
        }
    }

    /** @return the first index in [from, to) of a byte outside 0x21..0x7E, or {@code to} */
    static int skipTargetChars(DirectBuffer buf, int from, int to) {
        int i = from;
        while (i <= to - Long.BYTES && isTargetWord(buf.getLong(i))) {
            i += Long.BYTES;
        }
        while (i < to && isTargetChar(buf.getByte(i))) {
            i++;
        }
        return i;
    }

    /** No byte of the word is below SP or equal to DEL (obs-text is fine). */
    private static boolean isPlainFieldWord(long word) {
        return (anyBelow(word, SPACES) | anyZero(word ^ DELETES)) == 0;
    }

    /** Every byte of the word is in 0x21..0x7E. */
    private static boolean isTargetWord(long word) {
        return (anyBelow(word, BANGS) | anyZero(word ^ DELETES) | (word & HIGH_BITS)) == 0;
    }

    /**
     * Non-zero iff some byte of {@code word} is below the byte repeated in {@code limits} (at most
     * 0x80). Borrows may flag bytes after the first low one, which does not matter for "any".
     */
    private static long anyBelow(long word, long limits) {
        return (word - limits) & ~word & HIGH_BITS;
    }

    private static long anyZero(long word) {
        return anyBelow(word, ONES);
    }

    /** @return the first index in [from, to) that is not SP or HTAB, or {@code to} */
    static int skipOws(DirectBuffer buf, int from, int to) {
        int i = from;
        while (i < to && isOws(buf.getByte(i))) {
            i++;
        }
        return i;
    }

    /** @return the index after the last byte in [from, to) that is not SP or HTAB, or {@code from} */
    static int trimOwsEnd(DirectBuffer buf, int from, int to) {
        int i = to;
        while (i > from && isOws(buf.getByte(i - 1))) {
            i--;
        }
        return i;
    }

    /** @return the index after the last token byte of the run starting at {@code from} */
    static int skipToken(DirectBuffer buf, int from, int to) {
        int i = from;
        while (true) {
            // Letters, digits and '-' make up nearly every name: eight of them at a time, the
            // rarer token bytes and the delimiter byte by byte.
            while (i <= to - Long.BYTES && isCommonTokenWord(buf.getLong(i))) {
                i += Long.BYTES;
            }
            int wordEnd = Math.min(i + Long.BYTES, to);
            for (; i < wordEnd; i++) {
                if (!isToken(buf.getByte(i))) {
                    return i;
                }
            }
            if (i >= to) {
                return to;
            }
        }
    }

    /** @return the index of the first {@code value} in [from, to), or {@code to} */
    static int indexOf(DirectBuffer buf, int from, int to, byte value) {
        long pattern = (value & 0xFFL) * ONES;
        int i = from;
        while (i <= to - Long.BYTES && anyZero(buf.getLong(i) ^ pattern) == 0) {
            i += Long.BYTES;
        }
        for (; i < to; i++) {
            if (buf.getByte(i) == value) {
                return i;
            }
        }
        return to;
    }

    /**
     * @return the index after the leading whole words of letters, digits, '-' and '.' in
     *         [from, to): the common bytes of a host name, which a caller then checks to the end
     *         byte by byte
     */
    static int skipHostNameWords(DirectBuffer buf, int from, int to) {
        int i = from;
        while (i <= to - Long.BYTES) {
            long word = buf.getLong(i);
            if ((word & HIGH_BITS) != 0 || (alphanumericOrDash(word) | equal(word, DOTS)) != HIGH_BITS) {
                break;
            }
            i += Long.BYTES;
        }
        return i;
    }

    /** Every byte of the word is an ASCII letter, a digit or '-'. */
    private static boolean isCommonTokenWord(long word) {
        return (word & HIGH_BITS) == 0 && alphanumericOrDash(word) == HIGH_BITS;
    }

    /** For a word of bytes below 0x80: the high bit of each letter, digit or '-' set. */
    private static long alphanumericOrDash(long word) {
        long letters = inRange(word | SPACES, LETTER_FROM, LETTER_PAST);
        long digits = inRange(word, DIGIT_FROM, DIGIT_PAST);
        return letters | digits | equal(word, DASHES);
    }

    /** For a word of bytes below 0x80: the high bit of each byte equal to the one repeated in {@code bytes}. */
    private static long equal(long word, long bytes) {
        return ~((word ^ bytes) + LOW_SEVEN_BITS) & HIGH_BITS;
    }

    /**
     * For a word of bytes below 0x80: the high bit of each byte set iff the byte lies in the
     * range. {@code from} holds 0x80 - low and {@code past} 0x7F - high in every byte; neither
     * sum can carry into the next byte.
     */
    private static long inRange(long word, long from, long past) {
        return (word + from) & ~(word + past) & HIGH_BITS;
    }

    /**
     * @return the index after the closing DQUOTE of the quoted-string whose opening DQUOTE is at
     *         {@code from}, or -1 if it is not closed before {@code to} or holds a forbidden byte
     */
    static int skipQuotedString(DirectBuffer buf, int from, int to) {
        int i = from + 1;
        while (i < to) {
            byte b = buf.getByte(i);
            if (b == DQUOTE) {
                return i + 1;
            }
            if (b == BACKSLASH) {
                if (i + 1 >= to || !isQuotedPairChar(buf.getByte(i + 1))) {
                    return -1;
                }
                i += 2;
            } else if (isQdtext(b)) {
                i++;
            } else {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Packs {@code length} (1..8) bytes into a long, exactly: reads overlap rather than run past
     * the region, so each length has its own injective packing.
     */
    static long pack(DirectBuffer buf, int offset, int length) {
        if (length >= Integer.BYTES) {
            if (length == Long.BYTES) {
                return buf.getLong(offset);
            }
            return (buf.getInt(offset) & 0xFFFF_FFFFL) | ((long) buf.getInt(offset + length - Integer.BYTES) << 32);
        }
        if (length >= Short.BYTES) {
            return (buf.getShort(offset) & 0xFFFFL) | ((buf.getShort(offset + length - Short.BYTES) & 0xFFFFL) << 16);
        }
        return buf.getByte(offset) & 0xFFL;
    }

    /** Folds the ASCII capitals among the eight bytes of {@code word} to lower case. */
    static long toLowerCase(long word) {
        long low = word & LOW_SEVEN_BITS;
        long capitals = (low + FROM_UPPER_A) & ~(low + PAST_UPPER_Z) & ~word & HIGH_BITS;
        return word | (capitals >>> HIGH_BIT_TO_CASE_BIT);
    }

    /** Key of a name of 1..8 bytes, folded to lower case. */
    static long lowerKey(DirectBuffer buf, int offset, int length) {
        return toLowerCase(pack(buf, offset, length));
    }

    /**
     * Keys of a constant name: one for names of up to eight bytes, else one per eight bytes plus
     * one for the last eight. Computed once, at class initialisation of the caller.
     */
    static long[] keys(String lowerCaseName) {
        byte[] bytes = lowerCaseName.getBytes(StandardCharsets.US_ASCII);
        UnsafeBuffer buf = new UnsafeBuffer(bytes);
        int length = bytes.length;
        if (length <= KEY_BYTES) {
            return new long[] {lowerKey(buf, 0, length)};
        }
        int words = (length + KEY_BYTES - 1) / KEY_BYTES;
        long[] keys = new long[words];
        for (int w = 0; w < words - 1; w++) {
            keys[w] = toLowerCase(buf.getLong(w * KEY_BYTES));
        }
        keys[words - 1] = toLowerCase(buf.getLong(length - KEY_BYTES));
        return keys;
    }

    /** Whether the region matches a name whose {@link #keys(String)} are given, ignoring ASCII case. */
    static boolean matches(DirectBuffer buf, int offset, int length, int nameLength, long[] keys) {
        if (length != nameLength) {
            return false;
        }
        if (length <= KEY_BYTES) {
            return lowerKey(buf, offset, length) == keys[0];
        }
        int last = keys.length - 1;
        for (int w = 0; w < last; w++) {
            if (toLowerCase(buf.getLong(offset + w * KEY_BYTES)) != keys[w]) {
                return false;
            }
        }
        return toLowerCase(buf.getLong(offset + length - KEY_BYTES)) == keys[last];
    }

    /** Whether two regions of {@code length} bytes are equal, ignoring ASCII case. */
    static boolean equalsIgnoreCase(DirectBuffer a, int aOffset, DirectBuffer b, int bOffset, int length) {
        if (length <= KEY_BYTES) {
            return length == 0 || lowerKey(a, aOffset, length) == lowerKey(b, bOffset, length);
        }
        int i = 0;
        for (; i + KEY_BYTES < length; i += KEY_BYTES) {
            if (toLowerCase(a.getLong(aOffset + i)) != toLowerCase(b.getLong(bOffset + i))) {
                return false;
            }
        }
        int tail = length - KEY_BYTES;
        return toLowerCase(a.getLong(aOffset + tail)) == toLowerCase(b.getLong(bOffset + tail));
    }
}
