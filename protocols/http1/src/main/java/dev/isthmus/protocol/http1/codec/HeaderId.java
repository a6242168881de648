package dev.isthmus.protocol.http1.codec;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Identifiers of the field names the proxy acts on, matched case-insensitively when a head is
 * parsed so that later code switches on an int instead of comparing bytes again.
 *
 * <p>Matching rejects most names on their length alone, then compares at most three eight-byte
 * words, each folded to lower case, with constants. Any other name is {@link #OTHER}; use
 * {@link RequestHead#find(byte[])} for those.
 */
public final class HeaderId {
    public static final int OTHER = 0;
    public static final int HOST = 1;
    public static final int CONTENT_LENGTH = 2;
    public static final int TRANSFER_ENCODING = 3;
    public static final int CONNECTION = 4;
    public static final int KEEP_ALIVE = 5;
    public static final int PROXY_CONNECTION = 6;
    public static final int TE = 7;
    public static final int TRAILER = 8;
    public static final int UPGRADE = 9;
    public static final int EXPECT = 10;
    public static final int X_FORWARDED_FOR = 11;
    public static final int X_FORWARDED_PROTO = 12;
    public static final int X_FORWARDED_HOST = 13;
    public static final int FORWARDED = 14;
    public static final int VIA = 15;
    public static final int DATE = 16;
    public static final int SERVER = 17;

    /** Bit n set iff some well-known name has n bytes. */
    private static final long KNOWN_LENGTHS = lengths();
    private static final int MAX_KNOWN_LENGTH = "transfer-encoding".length();

    private static final long HOST_KEY = key("host");
    private static final long CONTENT_LENGTH_HEAD = word("content-length", 0);
    private static final long CONTENT_LENGTH_TAIL = word("content-length", 6);
    private static final long TRANSFER_ENCODING_HEAD = word("transfer-encoding", 0);
    private static final long TRANSFER_ENCODING_MIDDLE = word("transfer-encoding", 8);
    private static final long TRANSFER_ENCODING_TAIL = word("transfer-encoding", 9);
    private static final long CONNECTION_HEAD = word("connection", 0);
    private static final long CONNECTION_TAIL = word("connection", 2);
    private static final long KEEP_ALIVE_HEAD = word("keep-alive", 0);
    private static final long KEEP_ALIVE_TAIL = word("keep-alive", 2);
    private static final long PROXY_CONNECTION_HEAD = word("proxy-connection", 0);
    private static final long PROXY_CONNECTION_TAIL = word("proxy-connection", 8);
    private static final long TE_KEY = key("te");
    private static final long TRAILER_KEY = key("trailer");
    private static final long UPGRADE_KEY = key("upgrade");
    private static final long EXPECT_KEY = key("expect");
    private static final long X_FORWARDED_FOR_HEAD = word("x-forwarded-for", 0);
    private static final long X_FORWARDED_FOR_TAIL = word("x-forwarded-for", 7);
    private static final long X_FORWARDED_PROTO_HEAD = word("x-forwarded-proto", 0);
    private static final long X_FORWARDED_PROTO_MIDDLE = word("x-forwarded-proto", 8);
    private static final long X_FORWARDED_PROTO_TAIL = word("x-forwarded-proto", 9);
    private static final long X_FORWARDED_HOST_HEAD = word("x-forwarded-host", 0);
    private static final long X_FORWARDED_HOST_TAIL = word("x-forwarded-host", 8);
    private static final long FORWARDED_HEAD = word("forwarded", 0);
    private static final long FORWARDED_TAIL = word("forwarded", 1);
    private static final long VIA_KEY = key("via");
    private static final long DATE_KEY = key("date");
    private static final long SERVER_KEY = key("server");

    private HeaderId() {
    }

    /** The id of the field name at {@code offset}, which must already be a valid token. */
    static int of(DirectBuffer buf, int offset, int length) {
        if (length > MAX_KNOWN_LENGTH || (KNOWN_LENGTHS & (1L << length)) == 0) {
            return OTHER;
        }
        if (length <= Long.BYTES) {
            return ofShort(HttpChars.lowerKey(buf, offset, length), length);
        }
        long head = lower(buf, offset);
        long tail = lower(buf, offset + length - Long.BYTES);
        return switch (length) {
            case 9 -> head == FORWARDED_HEAD && tail == FORWARDED_TAIL ? FORWARDED : OTHER;
            case 10 -> head == CONNECTION_HEAD && tail == CONNECTION_TAIL ? CONNECTION
                    : head == KEEP_ALIVE_HEAD && tail == KEEP_ALIVE_TAIL ? KEEP_ALIVE : OTHER;
            case 14 -> head == CONTENT_LENGTH_HEAD && tail == CONTENT_LENGTH_TAIL ? CONTENT_LENGTH : OTHER;
            case 15 -> head == X_FORWARDED_FOR_HEAD && tail == X_FORWARDED_FOR_TAIL ? X_FORWARDED_FOR : OTHER;
            case 16 -> head == PROXY_CONNECTION_HEAD && tail == PROXY_CONNECTION_TAIL ? PROXY_CONNECTION
                    : head == X_FORWARDED_HOST_HEAD && tail == X_FORWARDED_HOST_TAIL ? X_FORWARDED_HOST : OTHER;
            default -> ofSeventeen(head, lower(buf, offset + Long.BYTES), tail);
        };
    }

    private static int ofShort(long key, int length) {
        return switch (length) {
            case 2 -> key == TE_KEY ? TE : OTHER;
            case 3 -> key == VIA_KEY ? VIA : OTHER;
            case 4 -> key == HOST_KEY ? HOST : key == DATE_KEY ? DATE : OTHER;
            case 6 -> key == EXPECT_KEY ? EXPECT : key == SERVER_KEY ? SERVER : OTHER;
            default -> key == TRAILER_KEY ? TRAILER : key == UPGRADE_KEY ? UPGRADE : OTHER;
        };
    }

    private static int ofSeventeen(long head, long middle, long tail) {
        if (head == TRANSFER_ENCODING_HEAD && middle == TRANSFER_ENCODING_MIDDLE && tail == TRANSFER_ENCODING_TAIL) {
            return TRANSFER_ENCODING;
        }
        if (head == X_FORWARDED_PROTO_HEAD && middle == X_FORWARDED_PROTO_MIDDLE && tail == X_FORWARDED_PROTO_TAIL) {
            return X_FORWARDED_PROTO;
        }
        return OTHER;
    }

    private static long lower(DirectBuffer buf, int offset) {
        return HttpChars.toLowerCase(buf.getLong(offset));
    }

    private static long key(String lowerCaseName) {
        byte[] bytes = lowerCaseName.getBytes(StandardCharsets.US_ASCII);
        return HttpChars.lowerKey(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    private static long word(String lowerCaseName, int from) {
        return lower(new UnsafeBuffer(lowerCaseName.getBytes(StandardCharsets.US_ASCII)), from);
    }

    private static long lengths() {
        long lengths = 0;
        String[] names = {"host", "content-length", "transfer-encoding", "connection", "keep-alive",
            "proxy-connection", "te", "trailer", "upgrade", "expect", "x-forwarded-for", "x-forwarded-proto",
            "x-forwarded-host", "forwarded", "via", "date", "server"};
        for (String name : names) {
            lengths |= 1L << name.length();
        }
        return lengths;
    }
}
