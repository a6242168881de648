package dev.isthmus.protocol.http1;

/**
 * What went wrong in an exchange, with the status the client gets when nothing has been sent
 * yet. One instance per kind is shared (no allocation on error paths that happen under
 * attack); the cause, when there is one, is passed next to it.
 */
public enum ProxyError {
    /** The request was malformed. */
    BAD_REQUEST(400),
    /** The request head did not arrive within the header-read timeout. */
    REQUEST_TIMEOUT(408),
    /** The request body is larger than allowed. */
    BODY_TOO_LARGE(413),
    /** The request target is longer than allowed. */
    URI_TOO_LONG(414),
    /** An Expect value other than 100-continue. */
    EXPECTATION_FAILED(417),
    /** The request head is larger than allowed or has too many fields. */
    HEADERS_TOO_LARGE(431),
    /** A Transfer-Encoding the proxy cannot frame. */
    NOT_IMPLEMENTED(501),
    /** A protocol version other than HTTP/1.0 and 1.1. */
    VERSION_NOT_SUPPORTED(505),
    /** Connecting to the upstream failed (refused, unreachable). */
    CONNECT_FAILED(502),
    /** The upstream closed or reset the connection, or sent a malformed response. */
    UPSTREAM_BROKEN(502),
    /** No usable upstream: every peer is down or ejected, or the phase returned none. */
    NO_UPSTREAM(503),
    /** Waiting for a free upstream connection took longer than the connect timeout. */
    QUEUE_TIMEOUT(503),
    /** Connecting to the upstream took longer than the connect timeout. */
    CONNECT_TIMEOUT(504),
    /** The upstream did not answer within the response timeout. */
    UPSTREAM_TIMEOUT(504),
    /** The client went away (reset, closed) before the exchange ended. */
    CLIENT_GONE(0),
    /** A phase of the user's {@link ProxyHttp} threw. */
    INTERNAL(500);

    private final int status;

    ProxyError(int status) {
        this.status = status;
    }

    /** The status answered for this error when no response has started (0: nobody to answer). */
    public int status() {
        return status;
    }

    /** Errors caused by the upstream (they count against its health). */
    public boolean isUpstreamFault() {
        return this == CONNECT_FAILED || this == UPSTREAM_BROKEN || this == CONNECT_TIMEOUT || this == UPSTREAM_TIMEOUT;
    }
}
