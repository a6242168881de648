package dev.isthmus.protocol.http1;

import java.net.InetSocketAddress;

import org.agrona.DirectBuffer;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.protocol.http1.codec.RequestHead;

/**
 * One request as the phases of a {@link ProxyHttp} see it.
 *
 * <p>Text accessors return views over the request's bytes: no copy is made, and a view is
 * valid only until the phase returns (and, for {@link #header}, until the next call of it).
 * Call {@code toString()} on a view to keep it.
 */
public interface HttpSession {
    /** Index of the event loop serving this connection (0..threads-1), for per-loop state. */
    int loopIndex();

    InetSocketAddress clientAddress();

    /** The client address as text, e.g. "192.0.2.7". */
    CharSequence clientIp();

    CharSequence method();

    /** The request target as sent (path and query, or an absolute URI). */
    CharSequence target();

    /** The path of the target, without the query. */
    CharSequence path();

    /** The host the request is for: the absolute URI's authority or the Host field (port included if sent). */
    CharSequence host();

    /** The first value of field {@code name} (case-insensitive), or null. */
    CharSequence header(String name);

    /** HTTP minor version of the request: 0 or 1. */
    int versionMinor();

    /** Zero-copy access to the parsed request head; offsets index {@link #requestBuffer()}. */
    RequestHead requestHead();

    DirectBuffer requestBuffer();

    /**
     * Answers the request from the proxy (only from {@code requestFilter}). {@code headers}
     * are extra name/value pairs. The request body, if any, is read and dropped.
     */
    void respond(int status, String contentType, byte[] body, String... headers);

    /** A slot for the implementation's own per-request state (cleared for every request). */
    Object attachment();

    void attach(Object attachment);

    /** Peers that failed to connect for this request so far. */
    int triedPeers();

    /** Whether {@code peer} already failed for this request. */
    boolean hasTried(Peer peer);

    /** The peer the request went (or is going) to, or null. */
    Peer peer();

    /** The response status sent to the client, 0 until known. */
    int responseStatus();

    /** When the request head was complete, on the System.nanoTime clock. */
    long startNanos();
}
