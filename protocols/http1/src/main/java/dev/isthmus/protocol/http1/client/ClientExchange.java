package dev.isthmus.protocol.http1.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.PoolWaiter;
import dev.isthmus.core.upstream.PooledConnection;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.UpstreamPool;
import dev.isthmus.core.upstream.balance.BackendSelection;
import dev.isthmus.protocol.http1.codec.ChunkedDecoder;
import dev.isthmus.protocol.http1.codec.HeadWriter;
import dev.isthmus.protocol.http1.codec.ParseResult;
import dev.isthmus.protocol.http1.codec.ResponseHead;

/**
 * One request of a {@link LoopHttpClient}, from picking a peer to the end of the response: its
 * connection (pooled, new, or awaited), the response head and body as they arrive, the deadline
 * of the whole exchange, and what the group's balancing and health hear of it.
 *
 * <p>The response is gathered in one growing buffer: the head at its start, the body after it.
 * A chunked body is decoded in place as it arrives, so the buffer holds the payload only.
 */
final class ClientExchange extends Timer implements PoolWaiter {
    private static final byte[] HTTP_1_1 = " HTTP/1.1\r\n".getBytes(ISO_8859_1);
    private static final byte[] COLON = ": ".getBytes(ISO_8859_1);
    private static final byte[] HOST = "Host: ".getBytes(ISO_8859_1);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(ISO_8859_1);
    private static final byte[] CONNECTION_CLOSE = "Connection: close\r\n".getBytes(ISO_8859_1);
    private static final int INITIAL_INPUT = 4096;

    private static final int FRAMING_NONE = 0;
    private static final int FRAMING_LENGTH = 1;
    private static final int FRAMING_CHUNKED = 2;
    private static final int FRAMING_CLOSE = 3;

    private final LoopHttpClient client;
    private final EventLoop loop;
    private final UpstreamPool pool;
    private final UpstreamGroup group;
    private final BackendSelection selection;
    private final HttpRequest request;
    private final HttpResponseHandler handler;
    private final boolean headRequest;
    private final List<Peer> tried = new ArrayList<>(2);

    private Peer peer;
    /** The balancer counts {@link #peer} as busy with this request until it is released. */
    private boolean holdingPeer;
    private OriginConnection origin;
    private boolean waitingForConnection;
    private boolean requestSent;
    private boolean retriedDeadConnection;
    private boolean finished;
    private String lastConnectFailure;

    private final ResponseHead head = new ResponseHead();
    private final ChunkedDecoder chunks = new ChunkedDecoder();
    private final ExpandableArrayBuffer input = new ExpandableArrayBuffer(INITIAL_INPUT);
    private boolean responseStarted;
    /** Bytes held while the head is incomplete. */
    private int inputLength;
    /** Set once the final head is parsed: where the body starts, and where it ends so far. */
    private int headLength;
    private int bodyEnd;
    private int framing = -1;
    private long remaining;
    private boolean reusable;
    private List<HttpHeader> responseHeaders;

    ClientExchange(LoopHttpClient client, UpstreamGroup group, HttpRequest request, HttpResponseHandler handler) {
        this.client = client;
        this.loop = client.loop;
        this.pool = client.pool;
        this.group = group;
        this.selection = group.selection(loop.index());
        this.request = request;
        this.handler = handler;
        this.headRequest = request.method().equals("HEAD");
    }

    void start() {
        loop.timers().schedule(this, loop.now() + client.settings.responseTimeout().toNanos());
        pickPeer();
    }

    // ---------------------------------------------------------------- peer and connection

    private void pickPeer() {
        long now = System.nanoTime();
        long hash = group.algorithm().usesKey() ? keyHash() : 0;
        Peer chosen = selection.select(hash, candidate -> candidate.isUsable(now) && !tried.contains(candidate));
        if (chosen == null) {
            if (tried.isEmpty()) {
                fail(HttpFailure.NO_PEER, "no usable peer in upstream group " + group.name());
            } else {
                fail(HttpFailure.CONNECT_FAILED, "connecting failed: " + lastConnectFailure);
            }
            return;
        }
        peer = chosen;
        holdingPeer = true;
        acquire(false);
    }

    private long keyHash() {
        String key = switch (group.hashKey().source()) {
            case CLIENT_IP -> request.clientAddress();
            case PATH -> request.path();
            case URI -> request.target();
            case HEADER -> request.header(group.hashKey().headerName());
        };
        byte[] bytes = key == null ? new byte[0] : key.getBytes(ISO_8859_1);
        return selection.hashKey(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    private void acquire(boolean fresh) {
        PoolSettings poolSettings = peer.poolSettings();
        PooledConnection idle = fresh ? null : pool.takeIdle(peer, poolSettings);
        if (idle != null) {
            attach((OriginConnection) idle);
            sendRequest();
        } else if (pool.tryOpen(peer, poolSettings)) {
            open();
        } else {
            waitingForConnection = true;
            pool.await(peer, poolSettings, this);
        }
    }

    private void open() {
        OriginConnection fresh = new OriginConnection(peer);
        pool.bind(fresh);
        attach(fresh);
        fresh.connection = loop.io().connect(peer.address(), client.settings.connectTimeout().toNanos(), fresh);
    }

    private void attach(OriginConnection connection) {
        origin = connection;
        connection.exchange = this;
    }

    @Override
    public void connectionAvailable(PooledConnection connection) {
        waitingForConnection = false;
        attach((OriginConnection) connection);
        sendRequest();
    }

    @Override
    public void slotAvailable() {
        waitingForConnection = false;
        open();
    }

    void connected(OriginConnection connection) {
        if (connection == origin) {
            sendRequest();
        }
    }

    void connectFailed(OriginConnection connection, IOException cause) {
        if (connection != origin) {
            return;
        }
        origin = null;
        connection.exchange = null;
        pool.closedSlot(peer);
        tried.add(peer);
        releasePeer();
        group.passiveHealth().recordFailure(peer, System.nanoTime());
        lastConnectFailure = peer.name() + " " + (cause instanceof SocketTimeoutException ? "timed out"
                : cause.getClass().getSimpleName() + ": " + cause.getMessage());
        if (tried.size() <= group.retries()) {
            pickPeer();
        } else {
            fail(HttpFailure.CONNECT_FAILED, "connecting failed: " + lastConnectFailure);
        }
    }

    private void releasePeer() {
        if (holdingPeer) {
            holdingPeer = false;
            selection.release(peer);
        }
    }

    // ---------------------------------------------------------------- request

    private void sendRequest() {
        Connection connection = origin.connection;
        origin.served++;
        byte[] headBytes = requestHead();
        byte[] body = request.body() == null ? new byte[0] : request.body();
        Chunk out = null;
        int total = headBytes.length + body.length;
        for (int written = 0; written < total; ) {
            if (out == null) {
                out = loop.chunks().acquire();
                if (out == null) {
                    fail(HttpFailure.CONNECT_FAILED, "no buffer memory left to send the request");
                    return;
                }
                out.window(0, 0);
            }
            int at = out.end();
            int room = out.capacity() - at;
            int n;
            if (written < headBytes.length) {
                n = Math.min(room, headBytes.length - written);
                out.view().putBytes(at, headBytes, written, n);
            } else {
                n = Math.min(room, total - written);
                out.view().putBytes(at, body, written - headBytes.length, n);
            }
            written += n;
            out.window(0, at + n);
            if (at + n == out.capacity() || written == total) {
                connection.write(out);
                out = null;
            }
        }
        requestSent = true;
        connection.flush();
    }

    private byte[] requestHead() {
        String host = request.header("Host");
        byte[] hostBytes = (host == null ? peer.name() : host).getBytes(ISO_8859_1);
        byte[] method = request.method().getBytes(ISO_8859_1);
        byte[] target = request.target().getBytes(ISO_8859_1);
        int size = method.length + 1 + target.length + HTTP_1_1.length + HOST.length + hostBytes.length + 2
                + CONTENT_LENGTH.length + 12 + CONNECTION_CLOSE.length + 2;
        for (HttpHeader header : request.headers()) {
            size += header.name().length() + COLON.length + header.value().length() + 2;
        }
        byte[] bytes = new byte[size];
        HeadWriter w = new HeadWriter().wrap(new UnsafeBuffer(bytes), 0, size);
        w.put(method);
        w.putByte((byte) ' ');
        w.put(target);
        w.put(HTTP_1_1);
        if (host == null) {
            w.put(HOST);
            w.put(hostBytes);
            w.putCrlf();
        }
        for (HttpHeader header : request.headers()) {
            w.put(header.name().getBytes(ISO_8859_1));
            w.put(COLON);
            w.put(header.value().getBytes(ISO_8859_1));
            w.putCrlf();
        }
        if (request.body() != null || hasBodySemantics(request.method())) {
            w.put(CONTENT_LENGTH);
            w.putDecimal(request.body() == null ? 0 : request.body().length);
            w.putCrlf();
        }
        if (peer.poolSettings().maxIdlePerPeer() == 0) {
            // The connection will not be kept: the origin may close it right after answering.
            w.put(CONNECTION_CLOSE);
        }
        w.putCrlf();
        if (w.overflowed()) {
            throw new IllegalStateException("request head estimate too small: " + size);
        }
        return Arrays.copyOf(bytes, w.length());
    }

    private static boolean hasBodySemantics(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    // ---------------------------------------------------------------- response

    /** Bytes from the origin. */
    void data(Chunk data) {
        int n = data.readable();
        if (finished || n == 0) {
            data.release();
            return;
        }
        responseStarted = true;
        int at = headLength > 0 ? bodyEnd : inputLength;
        input.putBytes(at, data.view(), data.start(), n);
        data.release();
        if (headLength > 0) {
            body(n);
        } else {
            inputLength += n;
            parseHead();
        }
    }

    private void parseHead() {
        while (!finished) {
            int length = head.parse(input, 0, inputLength, client.settings.headLimits());
            if (length == ParseResult.NEED_MORE) {
                return;
            }
            if (length < 0) {
                failFromOrigin(HttpFailure.INVALID_RESPONSE, "malformed response head");
                return;
            }
            int status = head.status();
            if (status >= 200) {
                startBody(length);
                return;
            }
            if (status == 101) {
                failFromOrigin(HttpFailure.INVALID_RESPONSE, "101 Switching Protocols without an Upgrade request");
                return;
            }
            // An interim response (100 Continue, 103 Early Hints): nothing for the caller.
            inputLength -= length;
            input.putBytes(0, input, length, inputLength);
            head.reset();
        }
    }

    private void startBody(int length) {
        headLength = length;
        bodyEnd = length;
        int extra = inputLength - length;
        responseHeaders = new ArrayList<>(head.headerCount());
        for (int i = 0; i < head.headerCount(); i++) {
            responseHeaders.add(new HttpHeader(input.getStringWithoutLengthAscii(head.nameOffset(i), head.nameLength(i)),
                    latin1(head.valueOffset(i), head.valueLength(i))));
        }
        if (ResponseHead.bodyForbidden(head.status(), headRequest)) {
            framing = FRAMING_NONE;
        } else if (head.isChunked()) {
            framing = FRAMING_CHUNKED;
            chunks.reset(client.settings.headLimits());
        } else if (head.hasTransferEncoding() || head.contentLength() < 0) {
            framing = FRAMING_CLOSE;
        } else {
            framing = FRAMING_LENGTH;
            remaining = head.contentLength();
            if (remaining > client.settings.maxResponseBodyBytes()) {
                fail(HttpFailure.BODY_TOO_LARGE, "the response body has " + remaining + " bytes, at most "
                        + client.settings.maxResponseBodyBytes() + " are taken");
                return;
            }
        }
        reusable = framing != FRAMING_CLOSE && head.keepAlive() && peer.poolSettings().maxIdlePerPeer() > 0;
        if (extra > 0) {
            body(extra);
        } else if (framing == FRAMING_NONE || (framing == FRAMING_LENGTH && remaining == 0)) {
            complete();
        }
    }

    private String latin1(int offset, int length) {
        byte[] bytes = new byte[length];
        input.getBytes(offset, bytes);
        return new String(bytes, ISO_8859_1);
    }

    /** {@code n} more bytes of the message are in the buffer from {@link #bodyEnd}. */
    private void body(int n) {
        int max = client.settings.maxResponseBodyBytes();
        switch (framing) {
            case FRAMING_NONE -> {
                // Bytes after a response that has no body: the origin broke framing.
                reusable = false;
                complete();
            }
            case FRAMING_LENGTH -> {
                int take = (int) Math.min(n, remaining);
                remaining -= take;
                bodyEnd += take;
                if (take < n) {
                    reusable = false;
                }
                if (remaining == 0) {
                    complete();
                }
            }
            case FRAMING_CHUNKED -> {
                int took = chunks.decodeInPlace(input, bodyEnd, n);
                if (took < 0) {
                    failFromOrigin(HttpFailure.INVALID_RESPONSE, "malformed chunked body");
                    return;
                }
                bodyEnd += chunks.decodedBytes();
                if (chunks.dataBytes() > max) {
                    fail(HttpFailure.BODY_TOO_LARGE, "the chunked response body exceeds " + max + " bytes");
                    return;
                }
                if (took < n) {
                    reusable = false;
                }
                if (chunks.isComplete()) {
                    complete();
                }
            }
            default -> {
                bodyEnd += n;
                if (bodyEnd - headLength > max) {
                    fail(HttpFailure.BODY_TOO_LARGE, "the response body exceeds " + max + " bytes");
                }
            }
        }
    }

    /** The origin closed (cause null) or the connection failed. */
    void ended(IOException cause) {
        if (finished) {
            return;
        }
        if (framing == FRAMING_CLOSE && cause == null) {
            reusable = false;
            complete();
            return;
        }
        if (!responseStarted && origin.served > 1 && !retriedDeadConnection && request.isIdempotent()) {
            // A pooled connection the origin closed as it was reused: nothing was answered, so the
            // request goes again on a new one.
            retriedDeadConnection = true;
            OriginConnection dead = origin;
            origin = null;
            dead.exchange = null;
            dead.connection.close();
            pool.closed(dead);
            acquire(true);
            return;
        }
        failFromOrigin(HttpFailure.INVALID_RESPONSE, cause == null
                ? "the origin closed the connection before the response was complete"
                : "the connection failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    private void complete() {
        finished = true;
        loop.timers().cancel(this);
        OriginConnection connection = origin;
        origin = null;
        connection.exchange = null;
        boolean pooled = reusable && connection.connection.isOpen() && !connection.connection.hasPendingWrites();
        if (pooled) {
            if (connection.connection.isReadSuspended()) {
                connection.connection.resumeRead();
            }
            pooled = pool.release(connection, loop.now());
        }
        if (!pooled) {
            connection.connection.close();
            pool.closed(connection);
        }
        releasePeer();
        group.passiveHealth().recordSuccess(peer);
        byte[] body = new byte[bodyEnd - headLength];
        input.getBytes(headLength, body);
        String reason = latin1(head.reasonOffset(), head.reasonLength());
        HttpResponse response = new HttpResponse(head.status(), reason, responseHeaders, body, peer.name());
        try {
            handler.onResponse(response);
        } catch (RuntimeException e) {
            loop.uncaught(e, "HTTP response handler");
        }
    }

    // ---------------------------------------------------------------- failures

    @Override
    protected void onTimeout(long nowNanos) {
        if (origin != null) {
            // Connecting or waiting for the answer: the peer is too slow.
            group.passiveHealth().recordFailure(peer, System.nanoTime());
        }
        fail(HttpFailure.TIMEOUT, "no complete response within " + client.settings.responseTimeout().toMillis() + " ms");
    }

    /** A failure that is the origin's fault: passive health counts it. */
    private void failFromOrigin(HttpFailure kind, String detail) {
        group.passiveHealth().recordFailure(peer, System.nanoTime());
        fail(kind, detail);
    }

    private void fail(HttpFailure kind, String detail) {
        if (finished) {
            return;
        }
        finished = true;
        loop.timers().cancel(this);
        if (waitingForConnection) {
            waitingForConnection = false;
            pool.cancelWait(peer, this);
        }
        if (origin != null) {
            OriginConnection connection = origin;
            origin = null;
            connection.exchange = null;
            if (connection.connection != null) {
                connection.connection.close();
            }
            pool.closed(connection);
        }
        releasePeer();
        // Once the request went out, the peer it went to is part of what happened.
        String where = requestSent ? peer.name() + ": " : "";
        try {
            handler.onFailure(kind, where + detail);
        } catch (RuntimeException e) {
            loop.uncaught(e, "HTTP response handler");
        }
    }
}
