package dev.isthmus.protocol.http1.codec;

/**
 * Result codes of the codec's parse and scan calls. A positive result is a byte count; zero
 * means the input is incomplete; a negative result is minus the HTTP status the proxy answers
 * with, so {@code -result} can be written into a status line without a lookup.
 */
public final class ParseResult {
    /** The input ends before the element does: call again with more bytes. */
    public static final int NEED_MORE = 0;
    /** Malformed request (or malformed chunked body). */
    public static final int BAD_REQUEST = -400;
    /** The request-target is longer than {@link HeadLimits#maxUriBytes()}. */
    public static final int URI_TOO_LONG = -414;
    /** The head is longer than {@link HeadLimits#maxHeadBytes()} or has too many fields. */
    public static final int HEADERS_TOO_LARGE = -431;
    /** A transfer coding the proxy does not know how to frame. */
    public static final int NOT_IMPLEMENTED = -501;
    /** A broken response head from an upstream. */
    public static final int BAD_GATEWAY = -502;
    /** A well-formed HTTP version other than 1.0 and 1.1. */
    public static final int VERSION_NOT_SUPPORTED = -505;

    private ParseResult() {
    }
}
