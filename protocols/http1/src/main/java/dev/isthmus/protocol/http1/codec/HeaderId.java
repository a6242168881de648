package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;

/**
 * Identifiers of the field names the proxy acts on, matched case-insensitively when a head is
 * parsed so that later code switches on an int instead of comparing bytes again.
 *
 * <p>Matching switches on the name's length and then compares at most three eight-byte words,
 * each folded to lower case. Any other name is {@link #OTHER}; use
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

    private static final long[] HOST_KEY = HttpChars.keys("host");
    private static final long[] CONTENT_LENGTH_KEY = HttpChars.keys("content-length");
    private static final long[] TRANSFER_ENCODING_KEY = HttpChars.keys("transfer-encoding");
    private static final long[] CONNECTION_KEY = HttpChars.keys("connection");
    private static final long[] KEEP_ALIVE_KEY = HttpChars.keys("keep-alive");
    private static final long[] PROXY_CONNECTION_KEY = HttpChars.keys("proxy-connection");
    private static final long[] TE_KEY = HttpChars.keys("te");
    private static final long[] TRAILER_KEY = HttpChars.keys("trailer");
    private static final long[] UPGRADE_KEY = HttpChars.keys("upgrade");
    private static final long[] EXPECT_KEY = HttpChars.keys("expect");
    private static final long[] X_FORWARDED_FOR_KEY = HttpChars.keys("x-forwarded-for");
    private static final long[] X_FORWARDED_PROTO_KEY = HttpChars.keys("x-forwarded-proto");
    private static final long[] X_FORWARDED_HOST_KEY = HttpChars.keys("x-forwarded-host");
    private static final long[] FORWARDED_KEY = HttpChars.keys("forwarded");
    private static final long[] VIA_KEY = HttpChars.keys("via");
    private static final long[] DATE_KEY = HttpChars.keys("date");
    private static final long[] SERVER_KEY = HttpChars.keys("server");

    private HeaderId() {
    }

    /** The id of the field name at {@code offset}, which must already be a valid token. */
    static int of(DirectBuffer buf, int offset, int length) {
        return switch (length) {
            case 2 -> is(buf, offset, length, TE_KEY) ? TE : OTHER;
            case 3 -> is(buf, offset, length, VIA_KEY) ? VIA : OTHER;
            case 4 -> {
                long key = HttpChars.lowerKey(buf, offset, length);
                yield key == HOST_KEY[0] ? HOST : key == DATE_KEY[0] ? DATE : OTHER;
            }
            case 6 -> {
                long key = HttpChars.lowerKey(buf, offset, length);
                yield key == EXPECT_KEY[0] ? EXPECT : key == SERVER_KEY[0] ? SERVER : OTHER;
            }
            case 7 -> {
                long key = HttpChars.lowerKey(buf, offset, length);
                yield key == TRAILER_KEY[0] ? TRAILER : key == UPGRADE_KEY[0] ? UPGRADE : OTHER;
            }
            case 9 -> is(buf, offset, length, FORWARDED_KEY) ? FORWARDED : OTHER;
            case 10 -> is(buf, offset, length, CONNECTION_KEY) ? CONNECTION
                    : is(buf, offset, length, KEEP_ALIVE_KEY) ? KEEP_ALIVE : OTHER;
            case 14 -> is(buf, offset, length, CONTENT_LENGTH_KEY) ? CONTENT_LENGTH : OTHER;
            case 15 -> is(buf, offset, length, X_FORWARDED_FOR_KEY) ? X_FORWARDED_FOR : OTHER;
            case 16 -> is(buf, offset, length, PROXY_CONNECTION_KEY) ? PROXY_CONNECTION
                    : is(buf, offset, length, X_FORWARDED_HOST_KEY) ? X_FORWARDED_HOST : OTHER;
            case 17 -> is(buf, offset, length, TRANSFER_ENCODING_KEY) ? TRANSFER_ENCODING
                    : is(buf, offset, length, X_FORWARDED_PROTO_KEY) ? X_FORWARDED_PROTO : OTHER;
            default -> OTHER;
        };
    }

    private static boolean is(DirectBuffer buf, int offset, int length, long[] keys) {
        return HttpChars.matches(buf, offset, length, length, keys);
    }
}
