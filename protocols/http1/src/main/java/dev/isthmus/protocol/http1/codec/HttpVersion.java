package dev.isthmus.protocol.http1.codec;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The HTTP-version of a start line: {@code "HTTP/" DIGIT "." DIGIT}, eight case-sensitive bytes
 * (RFC 9112 §2.3). A version with that syntax but other digits is well-formed and unsupported,
 * which a server answers with 505 rather than 400.
 */
final class HttpVersion {
    /** Bytes of an HTTP-version. */
    static final int LENGTH = 8;
    /** A well-formed version other than 1.0 and 1.1. */
    static final int UNSUPPORTED = -1;
    /** Not an HTTP-version at all. */
    static final int INVALID = -2;

    private static final byte[] PATTERN = "HTTP/#.#".getBytes(StandardCharsets.US_ASCII);
    private static final byte DIGIT_SLOT = '#';
    private static final long HTTP_1_1 = key("HTTP/1.1");
    private static final long HTTP_1_0 = key("HTTP/1.0");

    private HttpVersion() {
    }

    /** @return the minor version (0 or 1), {@link #UNSUPPORTED} or {@link #INVALID} */
    static int minor(DirectBuffer buf, int offset) {
        long word = buf.getLong(offset);
        if (word == HTTP_1_1) {
            return 1;
        }
        if (word == HTTP_1_0) {
            return 0;
        }
        return prefixMatches(buf, offset, LENGTH) ? UNSUPPORTED : INVALID;
    }

    /** Whether the first {@code length} (at most {@link #LENGTH}) bytes can begin an HTTP-version. */
    static boolean prefixMatches(DirectBuffer buf, int offset, int length) {
        for (int i = 0; i < length; i++) {
            byte b = buf.getByte(offset + i);
            if (PATTERN[i] == DIGIT_SLOT ? !HttpChars.isDigit(b) : b != PATTERN[i]) {
                return false;
            }
        }
        return true;
    }

    private static long key(String version) {
        return new UnsafeBuffer(version.getBytes(StandardCharsets.US_ASCII)).getLong(0);
    }
}
