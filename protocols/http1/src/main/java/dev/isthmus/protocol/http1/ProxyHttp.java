package dev.isthmus.protocol.http1;

import dev.isthmus.core.server.Blocking;
import dev.isthmus.core.upstream.Peer;

/**
 * The phases of proxying one HTTP request, for embedding Isthmus as a library: implement
 * {@link #upstreamPeer} and override only the phases you need (the defaults do nothing).
 * This is the counterpart of Pingora's {@code ProxyHttp}; the command line's own proxy is
 * an implementation of it too.
 *
 * <p>Order for one request: {@link #newContext} → {@link #requestFilter} (may answer) →
 * {@link #upstreamPeer} → {@link #upstreamRequestFilter} → (connect, with
 * {@link #failToConnect} deciding retries) → request body through {@link #requestBodyFilter}
 * → {@link #responseFilter} → response body through {@link #responseBodyFilter} →
 * {@link #logging}, always last, also after errors ({@link #errorWhileProxy} is told first).
 *
 * <p>Phases run on the connection's event loop and must not block, except
 * {@code requestFilter} and {@code upstreamPeer} when the overriding method is annotated
 * {@link Blocking}. Views handed to a phase (headers, bodies) are valid only during the call.
 *
 * @param <C> per-request state of the implementation
 */
public interface ProxyHttp<C> {
    /** State for one request, passed to every phase. May return null when none is needed. */
    default C newContext() {
        return null;
    }

    /**
     * First look at a request whose head has arrived. Answer it directly with
     * {@link HttpSession#respond} and return true to skip the upstream.
     */
    default boolean requestFilter(HttpSession session, C ctx) throws Exception {
        return false;
    }

    /**
     * Where to send the request. Return peers you keep (connections are pooled per peer
     * object); null answers 503 (no usable upstream).
     */
    Peer upstreamPeer(HttpSession session, C ctx) throws Exception;

    /** Adjust the request before it goes upstream (add, replace or remove headers). */
    default void upstreamRequestFilter(HttpSession session, HeaderEdits upstreamRequest, C ctx) throws Exception {
    }

    /**
     * Connecting to {@code peer} failed with {@code error} (CONNECT_FAILED or CONNECT_TIMEOUT).
     * Return true to try again: {@link #upstreamPeer} is asked again, and
     * {@link HttpSession#triedPeers()} says how many peers failed so far.
     */
    default boolean failToConnect(HttpSession session, Peer peer, ProxyError error, C ctx) {
        return false;
    }

    /** Adjust the upstream's response head before it goes to the client. */
    default void responseFilter(HttpSession session, HeaderEdits upstreamResponse, C ctx) throws Exception {
    }

    /**
     * Sees each piece of the request body on its way upstream, as raw message bytes
     * (chunked framing included when the request is chunked). Observe only: the bytes are
     * forwarded unchanged.
     */
    default void requestBodyFilter(HttpSession session, BodyView body, boolean endOfBody, C ctx) {
    }

    /**
     * Sees each piece of the response body as it goes to the client (raw message bytes; for an
     * HTTP/1.0 client a chunked body is decoded first); observe only, like the request side.
     */
    default void responseBodyFilter(HttpSession session, BodyView body, boolean endOfBody, C ctx) {
    }

    /**
     * Whether a large response body of known length may move from the upstream to the client
     * inside the kernel (splice(2), on the io_uring transport, from the configured threshold
     * on). Spliced bytes never reach user space: {@link #responseBodyFilter} then sees the
     * bytes that came with the head and an empty last piece. Return false to see every byte.
     */
    default boolean spliceResponseBody(HttpSession session, C ctx) {
        return true;
    }

    /** Something failed after the exchange began; {@link #logging} follows. */
    default void errorWhileProxy(HttpSession session, ProxyError error, Throwable cause, C ctx) {
    }

    /** The exchange is over ({@code error} null when it succeeded). Always called once per request. */
    default void logging(HttpSession session, ProxyError error, C ctx) {
    }
}
