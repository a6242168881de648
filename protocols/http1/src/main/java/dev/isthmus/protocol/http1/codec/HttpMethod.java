package dev.isthmus.protocol.http1.codec;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Codes of the request methods of RFC 9110 §9 and PATCH (RFC 5789). Methods are case-sensitive,
 * so {@code get} is {@link #OTHER}, as is any extension method; its bytes stay available through
 * {@link RequestHead#methodOffset()}.
 */
public final class HttpMethod {
    public static final int OTHER = 0;
    public static final int GET = 1;
    public static final int HEAD = 2;
    public static final int POST = 3;
    public static final int PUT = 4;
    public static final int DELETE = 5;
    public static final int OPTIONS = 6;
    public static final int PATCH = 7;
    public static final int CONNECT = 8;
    public static final int TRACE = 9;

    private static final long GET_KEY = key("GET");
    private static final long PUT_KEY = key("PUT");
    private static final long HEAD_KEY = key("HEAD");
    private static final long POST_KEY = key("POST");
    private static final long PATCH_KEY = key("PATCH");
    private static final long TRACE_KEY = key("TRACE");
    private static final long DELETE_KEY = key("DELETE");
    private static final long OPTIONS_KEY = key("OPTIONS");
    private static final long CONNECT_KEY = key("CONNECT");

    private HttpMethod() {
    }

    /** The code of the method token at {@code offset}. */
    static int of(DirectBuffer buf, int offset, int length) {
        if (length < 3 || length > 7) {
            return OTHER;
        }
        long key = HttpChars.pack(buf, offset, length);
        return switch (length) {
            case 3 -> key == GET_KEY ? GET : key == PUT_KEY ? PUT : OTHER;
            case 4 -> key == POST_KEY ? POST : key == HEAD_KEY ? HEAD : OTHER;
            case 5 -> key == PATCH_KEY ? PATCH : key == TRACE_KEY ? TRACE : OTHER;
            case 6 -> key == DELETE_KEY ? DELETE : OTHER;
            default -> key == OPTIONS_KEY ? OPTIONS : key == CONNECT_KEY ? CONNECT : OTHER;
        };
    }

    private static long key(String method) {
        byte[] bytes = method.getBytes(StandardCharsets.US_ASCII);
        return HttpChars.pack(new UnsafeBuffer(bytes), 0, bytes.length);
    }
}
