package dev.isthmus.protocol.http1.client;

/** Why a request sent by a {@link LoopHttpClient} got no response. */
public enum HttpFailure {
    /** No peer of the group was usable (all held down by health checks). */
    NO_PEER,
    /** Connecting failed (refused, unreachable, timed out) on every peer tried, or no buffer memory was left to send it. */
    CONNECT_FAILED,
    /** The whole exchange did not finish within the response timeout. */
    TIMEOUT,
    /** The origin's answer was no valid HTTP/1.1 response, or the connection ended before it was complete. */
    INVALID_RESPONSE,
    /** The response body is larger than the client accepts. */
    BODY_TOO_LARGE
}
