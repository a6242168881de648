package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.US_ASCII;

import org.agrona.DirectBuffer;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.protocol.http1.codec.HeadWriter;
import dev.isthmus.protocol.http1.codec.HeaderId;
import dev.isthmus.protocol.http1.codec.RequestHead;
import dev.isthmus.protocol.http1.codec.ResponseHead;

/**
 * Writes the heads the proxy sends: the request as it goes upstream (hop-by-hop fields
 * dropped, forwarding fields added, edits applied) and the response as it goes to the client.
 * Field bytes are copied straight from the received head; nothing is decoded to strings.
 */
final class HeadBuilder {
    private static final byte[] HTTP_1_1 = " HTTP/1.1\r\n".getBytes(US_ASCII);
    private static final byte[] STATUS_LINE_START = "HTTP/1.1 ".getBytes(US_ASCII);
    private static final byte[] COLON = ": ".getBytes(US_ASCII);
    private static final byte[] COMMA = ", ".getBytes(US_ASCII);
    private static final byte[] X_FORWARDED_FOR = "X-Forwarded-For: ".getBytes(US_ASCII);
    private static final byte[] X_FORWARDED_PROTO_HTTP = "X-Forwarded-Proto: http\r\n".getBytes(US_ASCII);
    private static final byte[] VIA = "Via: ".getBytes(US_ASCII);
    private static final byte[] VIA_1_1 = "1.1 isthmus".getBytes(US_ASCII);
    private static final byte[] VIA_1_0 = "1.0 isthmus".getBytes(US_ASCII);
    private static final byte[] HOST = "Host: ".getBytes(US_ASCII);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(US_ASCII);
    private static final byte[] CONTENT_LENGTH_LOWER = "content-length".getBytes(US_ASCII);
    private static final byte[] CONNECTION_UPGRADE = "Connection: upgrade\r\n".getBytes(US_ASCII);
    private static final byte[] CONNECTION_CLOSE = "Connection: close\r\n".getBytes(US_ASCII);
    private static final byte[] CONNECTION_KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(US_ASCII);
    private static final byte[] SLASH = {'/'};

    private final HeadWriter writer = new HeadWriter();

    /**
     * Writes the upstream request head into {@code out} from index 0.
     *
     * @return the head's length, or -1 when it does not fit
     */
    int upstreamRequest(RequestHead request, DirectBuffer in, HeaderEdits edits, byte[] clientIp, boolean upgrade,
                        String peerName, Chunk out) {
        HeadWriter w = writer.wrap(out.view(), 0, out.capacity());
        w.put(in, request.methodOffset(), request.methodLength());
        w.putByte((byte) ' ');
        if (request.isAbsoluteForm()) {
            // An origin server expects origin-form (RFC 9112 §3.2.1); the authority becomes Host below.
            int pathEnd = request.targetOffset() + request.targetLength();
            if (request.pathLength() == 0) {
                w.put(SLASH);
                int queryStart = request.pathOffset();
                w.put(in, queryStart, pathEnd - queryStart);
            } else {
                w.put(in, request.pathOffset(), pathEnd - request.pathOffset());
            }
        } else {
            w.put(in, request.targetOffset(), request.targetLength());
        }
        // The proxy speaks HTTP/1.1 upstream whatever the client speaks (RFC 9110 §6.2), so
        // upstream connections of HTTP/1.0 clients are pooled too; Via records the client's version.
        w.put(HTTP_1_1);

        int forwardedFor = 0;
        int via = 0;
        for (int i = 0; i < request.headerCount(); i++) {
            int id = request.headerId(i);
            switch (id) {
                case HeaderId.CONNECTION, HeaderId.KEEP_ALIVE, HeaderId.PROXY_CONNECTION, HeaderId.TE,
                     HeaderId.EXPECT, HeaderId.X_FORWARDED_PROTO -> {
                    continue;
                }
                case HeaderId.UPGRADE -> {
                    if (!upgrade) {
                        continue;
                    }
                }
                case HeaderId.HOST -> {
                    if (request.isAbsoluteForm()) {
                        continue;
                    }
                }
                case HeaderId.CONTENT_LENGTH -> {
                    // Written once, normalised, below: "5, 5" is valid for us but not for every origin.
                    continue;
                }
                case HeaderId.TRANSFER_ENCODING -> {
                    // Framing is never dropped, even when a client lists it in Connection.
                }
                case HeaderId.X_FORWARDED_FOR -> {
                    forwardedFor++;
                    continue;
                }
                case HeaderId.VIA -> {
                    via++;
                    continue;
                }
                default -> {
                    if (request.listedInConnection(i)) {
                        continue;
                    }
                }
            }
            if (edits.isRemoved(in, request.nameOffset(i), request.nameLength(i))) {
                continue;
            }
            field(w, in, request.nameOffset(i), request.nameLength(i), request.valueOffset(i), request.valueLength(i));
        }
        if (request.contentLength() >= 0) {
            w.put(CONTENT_LENGTH);
            w.putDecimal(request.contentLength());
            w.putCrlf();
        }
        if (request.isAbsoluteForm()) {
            w.put(HOST);
            w.put(in, request.authorityOffset(), request.authorityLength());
            w.putCrlf();
        } else if (request.hostIndex() < 0) {
            // HTTP/1.0 allows a request without Host; the HTTP/1.1 request upstream needs one.
            w.put(HOST);
            w.put(peerName.getBytes(US_ASCII));
            w.putCrlf();
        }
        w.put(X_FORWARDED_FOR);
        appendValues(w, request, in, HeaderId.X_FORWARDED_FOR, forwardedFor);
        w.put(clientIp);
        w.putCrlf();
        w.put(X_FORWARDED_PROTO_HTTP);
        w.put(VIA);
        appendValues(w, request, in, HeaderId.VIA, via);
        w.put(request.versionMinor() == 1 ? VIA_1_1 : VIA_1_0);
        w.putCrlf();
        if (upgrade) {
            w.put(CONNECTION_UPGRADE);
        }
        added(w, edits);
        w.putCrlf();
        return w.overflowed() ? -1 : w.position();
    }

    /** Copies the values of fields {@code id} (there are {@code count}), each followed by ", ". */
    private static void appendValues(HeadWriter w, RequestHead request, DirectBuffer in, int id, int count) {
        for (int i = 0; count > 0 && i < request.headerCount(); i++) {
            if (request.headerId(i) == id) {
                w.put(in, request.valueOffset(i), request.valueLength(i));
                w.put(COMMA);
                count--;
            }
        }
    }

    /**
     * Whether the response head can go to the client byte for byte: no hop-by-hop fields to
     * strip, no edits, and no Connection field the proxy must add.
     */
    static boolean responseNeedsRewrite(ResponseHead response, DirectBuffer in, HeaderEdits edits,
                                        boolean addConnectionField) {
        if (addConnectionField || !edits.isEmpty()) {
            return true;
        }
        for (int i = 0; i < response.headerCount(); i++) {
            int id = response.headerId(i);
            if (id == HeaderId.CONNECTION || id == HeaderId.KEEP_ALIVE || id == HeaderId.PROXY_CONNECTION
                    || response.listedInConnection(i)) {
                return true;
            }
            if (id == HeaderId.CONTENT_LENGTH
                    && (response.find(CONTENT_LENGTH_LOWER) != i || !isDecimal(in, response.valueOffset(i), response.valueLength(i)))) {
                // Repeated fields or a list ("5, 5"): send one normalised field.
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the response head for the client into {@code out} from index 0.
     *
     * @param connection CONNECTION_CLOSE, CONNECTION_KEEP_ALIVE or null for none
     * @param dechunked  the body is sent decoded (to an HTTP/1.0 client): Transfer-Encoding is dropped
     * @return the length, or -1 when it does not fit
     */
    int clientResponse(ResponseHead response, DirectBuffer in, HeaderEdits edits, boolean upgrade, byte[] connection,
                       boolean dechunked, Chunk out) {
        HeadWriter w = writer.wrap(out.view(), 0, out.capacity());
        int status = edits.status() != 0 ? edits.status() : response.status();
        // A proxy states its own protocol version (RFC 9110 §6.2).
        w.put(STATUS_LINE_START);
        w.putDecimal(status);
        w.putByte((byte) ' ');
        if (edits.status() != 0) {
            w.put(StatusText.reason(status).getBytes(US_ASCII));
        } else {
            w.put(in, response.reasonOffset(), response.reasonLength());
        }
        w.putCrlf();
        for (int i = 0; i < response.headerCount(); i++) {
            int id = response.headerId(i);
            if (dechunked && id == HeaderId.TRANSFER_ENCODING) {
                // The body goes out decoded and delimited by the end of the connection.
                continue;
            }
            boolean framing = id == HeaderId.CONTENT_LENGTH || id == HeaderId.TRANSFER_ENCODING;
            boolean hop = id == HeaderId.CONNECTION || id == HeaderId.KEEP_ALIVE || id == HeaderId.PROXY_CONNECTION
                    || (response.listedInConnection(i) && !framing && !(upgrade && id == HeaderId.UPGRADE));
            if (hop || edits.isRemoved(in, response.nameOffset(i), response.nameLength(i))) {
                continue;
            }
            if (id == HeaderId.CONTENT_LENGTH) {
                // One normalised field, whatever repetition or list the upstream sent.
                if (response.find(CONTENT_LENGTH_LOWER) == i) {
                    w.put(CONTENT_LENGTH);
                    w.putDecimal(response.contentLength());
                    w.putCrlf();
                }
                continue;
            }
            field(w, in, response.nameOffset(i), response.nameLength(i), response.valueOffset(i), response.valueLength(i));
        }
        if (upgrade) {
            w.put(CONNECTION_UPGRADE);
        } else if (connection != null) {
            w.put(connection);
        }
        added(w, edits);
        w.putCrlf();
        return w.overflowed() ? -1 : w.position();
    }

    /** A complete response generated by the proxy: head and body. */
    int generated(int status, String contentType, byte[] body, String[] headers, boolean close, Chunk out) {
        HeadWriter w = writer.wrap(out.view(), 0, out.capacity());
        w.put(STATUS_LINE_START);
        w.putDecimal(status);
        w.putByte((byte) ' ');
        w.put(StatusText.reason(status).getBytes(US_ASCII));
        w.putCrlf();
        if (contentType != null) {
            w.put("Content-Type: ".getBytes(US_ASCII));
            w.put(contentType.getBytes(US_ASCII));
            w.putCrlf();
        }
        if (status >= 200 && status != 204 && status != 304) {
            w.put("Content-Length: ".getBytes(US_ASCII));
            w.putDecimal(body.length);
            w.putCrlf();
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            w.put(headers[i].getBytes(US_ASCII));
            w.put(COLON);
            w.put(headers[i + 1].getBytes(US_ASCII));
            w.putCrlf();
        }
        w.put(close ? CONNECTION_CLOSE : CONNECTION_KEEP_ALIVE);
        w.putCrlf();
        return w.overflowed() ? -1 : w.position();
    }

    private static boolean isDecimal(DirectBuffer in, int offset, int length) {
        for (int i = 0; i < length; i++) {
            byte b = in.getByte(offset + i);
            if (b < '0' || b > '9') {
                return false;
            }
        }
        return true;
    }

    static byte[] connectionClose() {
        return CONNECTION_CLOSE;
    }

    static byte[] connectionKeepAlive() {
        return CONNECTION_KEEP_ALIVE;
    }

    private static void field(HeadWriter w, DirectBuffer in, int nameOffset, int nameLength, int valueOffset,
                              int valueLength) {
        w.put(in, nameOffset, nameLength);
        w.put(COLON);
        w.put(in, valueOffset, valueLength);
        w.putCrlf();
    }

    private static void added(HeadWriter w, HeaderEdits edits) {
        for (int i = 0; i < edits.addedCount(); i++) {
            w.put(edits.addedName(i).getBytes(US_ASCII));
            w.put(COLON);
            w.put(edits.addedValue(i).getBytes(US_ASCII));
            w.putCrlf();
        }
    }
}
