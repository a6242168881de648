package dev.isthmus.protocol.http1;

import org.agrona.DirectBuffer;

/** ASCII comparisons between buffer bytes and Java strings, without allocating. */
final class AsciiText {
    private AsciiText() {
    }

    static boolean equalsIgnoreCase(DirectBuffer buffer, int offset, int length, CharSequence text) {
        if (length != text.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(buffer.getByte(offset + i)) != lower((byte) text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean equalsIgnoreCase(DirectBuffer buffer, int offset, int length, byte[] lowerCase) {
        if (length != lowerCase.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(buffer.getByte(offset + i)) != lowerCase[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean endsWithIgnoreCase(DirectBuffer buffer, int offset, int length, byte[] lowerCaseSuffix) {
        int start = length - lowerCaseSuffix.length;
        if (start < 0) {
            return false;
        }
        return equalsIgnoreCase(buffer, offset + start, lowerCaseSuffix.length, lowerCaseSuffix);
    }

    static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }
}
