package dev.isthmus.protocol.http1;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.AsciiSequenceView;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.server.Blocking;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.SpliceCapability;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PoolWaiter;
import dev.isthmus.core.upstream.PooledConnection;
import dev.isthmus.protocol.http1.codec.ChunkedDecoder;
import dev.isthmus.protocol.http1.codec.HttpMethod;
import dev.isthmus.protocol.http1.codec.RequestHead;
import dev.isthmus.protocol.http1.codec.ResponseHead;

/**
 * One request on its way through the proxy, from a complete request head to the end of the
 * response: the phases of the {@link ProxyHttp}, the upstream connection, body forwarding
 * in both directions with back-pressure, timeouts, errors and retries.
 *
 * <p>Exchanges are recycled per loop, so their parsers, decoders and views are allocated
 * once. Everything runs on the loop thread, except a phase marked {@link Blocking}, which
 * runs on a virtual thread while the exchange waits; its result comes back through the
 * loop's inbox.
 *
 * <p>Bodies are forwarded in the chunks they arrived in: a slice of a read chunk is queued on
 * the other connection (retained once more), never copied.
 */
final class Exchange extends Timer implements HttpSession, PoolWaiter {
    private static final int TIMER_QUEUE = 2;
    private static final int TIMER_BODY = 3;
    private static final int TIMER_RESPONSE = 4;

    private static final int RESPONSE_NONE = 0;
    private static final int RESPONSE_HEAD = 1;
    private static final int RESPONSE_BODY = 2;
    private static final int RESPONSE_DONE = 3;

    private static final String ROOT_PATH = "/";
    private static final byte[] CONTINUE_100 = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    final HttpLoop http;
    final RequestHead request = new RequestHead();
    private final ResponseHead response = new ResponseHead();
    private final ChunkedDecoder requestChunks = new ChunkedDecoder();
    private final ChunkedDecoder responseChunks = new ChunkedDecoder();
    private final HeaderEdits requestEdits = new HeaderEdits();
    private final HeaderEdits responseEdits = new HeaderEdits();
    private final BodyView bodyView = new BodyView();
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);
    private final AsciiSequenceView methodView = new AsciiSequenceView();
    private final AsciiSequenceView targetView = new AsciiSequenceView();
    private final AsciiSequenceView pathView = new AsciiSequenceView();
    private final AsciiSequenceView hostView = new AsciiSequenceView();
    private final AsciiSequenceView headerView = new AsciiSequenceView();
    private final AsciiSequenceView clientIpView = new AsciiSequenceView();
    private final UnsafeBuffer clientIpBuffer = new UnsafeBuffer(new byte[0]);

    private ClientConnection client;
    private UpstreamConnection upstream;
    private Object context;
    private Object attachment;
    private Peer peer;
    private Peer[] tried = new Peer[4];
    private int triedCount;
    private int timerMode;
    private long startNanos;
    private boolean finished;
    private boolean inBlockingPhase;
    private boolean abandoned;

    /** The chunk holding the parsed request head (retained while the head is in use). */
    private Chunk headChunk;
    private Chunk upstreamHead;
    private int upstreamHeadLength;
    private boolean keepHeadForRetry;
    private boolean retried;

    private long requestRemaining;
    private boolean requestChunked;
    private boolean requestComplete;
    private boolean discardRequestBody;
    private boolean continueSent;
    private boolean upgradeRequested;
    private boolean headRequest;
    private boolean connected;

    private int responseState;
    private Chunk responseInput;
    private long responseRemaining;
    private boolean responseChunked;
    private boolean responseUntilClose;
    /** The response is chunked but the client speaks HTTP/1.0: forward the decoded payload. */
    private boolean dechunkForClient;
    private boolean upstreamReusable;
    private boolean responseStarted;
    private boolean closeClientAfter;
    private boolean tunnel;
    /** The rest of the response body is moving inside the kernel (see startResponseSplice). */
    private boolean splicingResponse;
    /** The tunnel's bytes are moving inside the kernel (see spliceTunnel). */
    private boolean splicingTunnel;
    /** Tells a splice's completion apart from one of an earlier request this exchange served. */
    private int spliceRun;
    /** Bytes the running splice had moved when the response timer last looked. */
    private long splicedAtTimer;
    private boolean clientEndedInTunnel;
    private boolean upstreamEndedInTunnel;
    private int status;
    private ProxyError error;

    Exchange(HttpLoop http) {
        this.http = http;
    }

    @SuppressWarnings("unchecked")
    private ProxyHttp<Object> proxy() {
        return (ProxyHttp<Object>) http.service.proxy;
    }

    private EventLoop loop() {
        return http.loop;
    }

    // ---------------------------------------------------------------- request side

    /** The request head of {@code headLength} bytes at the start of the client's input is complete. */
    void begin(ClientConnection client, int headLength) {
        this.client = client;
        this.startNanos = loop().now();
        this.headChunk = client.input.retain();
        client.consume(headLength);
        byte[] ip = client.connection.remoteAddressText();
        clientIpBuffer.wrap(ip);
        clientIpView.wrap(clientIpBuffer, 0, ip.length);

        headRequest = request.method() == HttpMethod.HEAD;
        upgradeRequested = request.connectionUpgrade() && request.upgradeIndex() >= 0;
        requestChunked = request.isChunked();
        requestRemaining = requestChunked ? 0 : Math.max(0, request.contentLength());
        requestComplete = !requestChunked && requestRemaining == 0;
        if (requestChunked) {
            requestChunks.reset(http.service.settings.headLimits());
        }

        long maxBody = http.service.settings.maxBodyBytes();
        if (request.method() == HttpMethod.CONNECT || request.method() == HttpMethod.TRACE) {
            failBeforeUpstream(405);
            return;
        }
        if (maxBody > 0 && request.contentLength() > maxBody) {
            fail(ProxyError.BODY_TOO_LARGE, null);
            return;
        }
        // Expect means nothing in HTTP/1.0 (RFC 9110 §10.1.1).
        if (request.expectIndex() >= 0 && request.versionMinor() == 1 && !request.expectContinue()) {
            fail(ProxyError.EXPECTATION_FAILED, null);
            return;
        }
        try {
            context = proxy().newContext();
        } catch (RuntimeException e) {
            fail(ProxyError.INTERNAL, e);
            return;
        }
        if (http.service.blockingRequestFilter) {
            runBlocking(true);
        } else {
            boolean answered;
            try {
                answered = proxy().requestFilter(this, context);
            } catch (Exception e) {
                fail(ProxyError.INTERNAL, e);
                return;
            }
            afterRequestFilter(answered);
        }
    }

    private void afterRequestFilter(boolean answered) {
        if (finished) {
            return;
        }
        if (answered) {
            if (!responseStarted) {
                fail(ProxyError.INTERNAL, new IllegalStateException("requestFilter returned true without responding"));
                return;
            }
            discardRequestBody = true;
            responseState = RESPONSE_DONE;
            pumpRequestBody();
            finishIfDone();
            return;
        }
        choosePeer();
    }

    private void choosePeer() {
        if (http.service.blockingUpstreamPeer) {
            runBlocking(false);
            return;
        }
        Peer chosen;
        try {
            chosen = proxy().upstreamPeer(this, context);
        } catch (Exception e) {
            fail(ProxyError.INTERNAL, e);
            return;
        }
        afterPeer(chosen);
    }

    private void afterPeer(Peer chosen) {
        if (finished) {
            return;
        }
        if (chosen == null) {
            fail(ProxyError.NO_UPSTREAM, null);
            return;
        }
        peer = chosen;
        if (upstreamHead == null && !buildUpstreamHead()) {
            return;
        }
        if (request.expectContinue() && !continueSent && !requestComplete) {
            continueSent = true;
            writeToClient(CONTINUE_100);
        }
        acquireUpstream(false);
    }

    private boolean buildUpstreamHead() {
        try {
            proxy().upstreamRequestFilter(this, requestEdits, context);
        } catch (Exception e) {
            fail(ProxyError.INTERNAL, e);
            return false;
        }
        int estimate = headChunk.capacity();
        Chunk out = http.chunkFor(request.headerCount() * 8 + estimate / 2);
        int length = out == null ? -1
                : http.heads.upstreamRequest(request, headChunk.view(), requestEdits,
                        client.connection.remoteAddressText(), upgradeRequested, peer.name(), out);
        if (length < 0 && out != null && out.capacity() < loop().chunks().chunkBytes()) {
            out.release();
            out = loop().chunks().acquire();
            length = out == null ? -1 : http.heads.upstreamRequest(request, headChunk.view(), requestEdits,
                    client.connection.remoteAddressText(), upgradeRequested, peer.name(), out);
        }
        if (length < 0) {
            if (out != null) {
                out.release();
            }
            fail(ProxyError.HEADERS_TOO_LARGE, null);
            return false;
        }
        out.window(0, length);
        upstreamHead = out;
        upstreamHeadLength = length;
        return true;
    }

    /** Gets a connection to {@link #peer}: a pooled one, a new one, or a place in the peer's queue. */
    private void acquireUpstream(boolean forceNew) {
        PooledConnection idle = forceNew ? null : http.pool.takeIdle(peer, peer.poolSettings());
        if (idle != null) {
            upstream = (UpstreamConnection) idle;
            upstream.exchange = this;
            connected = true;
            sendRequest();
        } else if (http.pool.tryOpen(peer, peer.poolSettings())) {
            openUpstream();
        } else {
            timer(TIMER_QUEUE, http.service.settings.connect().toNanos());
            http.pool.await(peer, peer.poolSettings(), this);
        }
    }

    private void openUpstream() {
        UpstreamConnection fresh = new UpstreamConnection(peer, this);
        http.pool.bind(fresh);
        upstream = fresh;
        connected = false;
        http.service.metrics.upstreamConnections.increment(http.shard);
        // The transport limits the connect itself (io_uring links a timeout to it), so no timer
        // of the exchange runs meanwhile.
        cancelTimer();
        timerMode = 0;
        fresh.connection = loop().io().connect(peer.address(), http.service.settings.connect().toNanos(), fresh);
    }

    @Override
    public void connectionAvailable(PooledConnection connection) {
        cancelTimer();
        upstream = (UpstreamConnection) connection;
        upstream.exchange = this;
        connected = true;
        sendRequest();
    }

    @Override
    public void slotAvailable() {
        cancelTimer();
        openUpstream();
    }

    void upstreamConnected(UpstreamConnection connection) {
        if (connection != upstream) {
            return;
        }
        cancelTimer();
        connected = true;
        sendRequest();
    }

    void upstreamConnectFailed(UpstreamConnection connection, IOException cause) {
        if (connection != upstream) {
            return;
        }
        upstream = null;
        http.pool.closedSlot(connection.peer());
        if (cause instanceof SocketTimeoutException) {
            connectFailed(ProxyError.CONNECT_TIMEOUT, null);
        } else {
            connectFailed(ProxyError.CONNECT_FAILED, cause);
        }
    }

    private void connectFailed(ProxyError kind, Throwable cause) {
        cancelTimer();
        http.service.metrics.upstreamConnectFailures.increment(http.shard);
        remember(peer);
        boolean retry;
        try {
            retry = proxy().failToConnect(this, peer, kind, context);
        } catch (RuntimeException e) {
            retry = false;
        }
        if (retry && !finished) {
            choosePeer();
        } else {
            fail(kind, cause);
        }
    }

    private void remember(Peer failed) {
        if (triedCount == tried.length) {
            tried = Arrays.copyOf(tried, triedCount * 2);
        }
        tried[triedCount++] = failed;
    }

    private void sendRequest() {
        Connection up = upstream.connection;
        // Sending again is only safe for idempotent methods (RFC 9110 §9.2.2) that carried no body.
        keepHeadForRetry = upstream.served > 0 && requestComplete && !retried && isIdempotent(request.method());
        if (keepHeadForRetry) {
            upstreamHead.retain();
        }
        upstreamHead.window(0, upstreamHeadLength);
        up.write(upstreamHead);
        if (!keepHeadForRetry) {
            upstreamHead = null;
        }
        upstream.served++;
        responseState = RESPONSE_HEAD;
        if (upgradeRequested) {
            // Nothing follows an Upgrade request until the upstream has switched protocols.
            requestComplete = true;
        }
        // Body bytes already read (they came with the head) queue behind the head and go out
        // in the same flush.
        UpstreamConnection sending = upstream;
        pumpRequestBody();
        if (upstream != sending) {
            // The body failed (malformed, too large) and the exchange is over: no timer for it.
            return;
        }
        if (!up.flush() && up.isOpen()) {
            client.connection.suspendRead();
        }
        timer(requestComplete ? TIMER_RESPONSE : TIMER_BODY,
                (requestComplete ? http.service.settings.response() : http.service.settings.bodyRead()).toNanos());
    }

    /** New bytes from the client while this exchange runs. */
    void clientInput() {
        if (tunnel) {
            forwardTunnel(client.connection, upstream.connection);
            return;
        }
        if (!requestComplete) {
            if (timerMode == TIMER_BODY) {
                timer(TIMER_BODY, http.service.settings.bodyRead().toNanos());
            }
            pumpRequestBody();
            Connection up = upstream != null && connected ? upstream.connection : null;
            if (up != null && !up.flush() && up.isOpen()) {
                client.connection.suspendRead();
            }
            finishIfDone();
        }
        // Otherwise the bytes are a pipelined request; they wait in the client's input.
    }

    /**
     * Moves request body bytes from the client's input to the upstream (or drops them after
     * a direct response), as far as the framing says they belong to this request.
     */
    private void pumpRequestBody() {
        while (!requestComplete && !finished) {
            Chunk in = client.input;
            if (in == null) {
                return;
            }
            boolean toUpstream = !discardRequestBody;
            if (toUpstream && (upstream == null || !connected
                    || upstream.connection.hasPendingWrites())) {
                return;
            }
            int available = in.readable();
            int take;
            if (requestChunked) {
                take = requestChunks.scan(in.view(), in.start(), available);
                if (take < 0) {
                    fail(ProxyError.BAD_REQUEST, null);
                    return;
                }
                long maxBody = http.service.settings.maxBodyBytes();
                if (maxBody > 0 && requestChunks.dataBytes() > maxBody) {
                    fail(ProxyError.BODY_TOO_LARGE, null);
                    return;
                }
                requestComplete = requestChunks.isComplete();
            } else {
                take = (int) Math.min(available, requestRemaining);
                requestRemaining -= take;
                requestComplete = requestRemaining == 0;
            }
            if (take > 0) {
                try {
                    proxy().requestBodyFilter(this, bodyView.wrap(in.view(), in.start(), take), requestComplete, context);
                } catch (RuntimeException e) {
                    fail(ProxyError.INTERNAL, e);
                    return;
                }
                if (toUpstream) {
                    // The body goes in the chunk it arrived in; the write queue keeps its own
                    // window, so bytes of a pipelined request behind it stay the client's input.
                    int start = in.start();
                    int end = in.end();
                    in.retain().window(start, start + take);
                    upstream.connection.write(in);
                    in.window(start, end);
                }
                client.consume(take);
            }
            if (requestComplete && !discardRequestBody && timerMode == TIMER_BODY) {
                timer(TIMER_RESPONSE, http.service.settings.response().toNanos());
            }
            if (take == 0) {
                return;
            }
        }
    }

    void clientWritable() {
        if (upstream != null && upstream.connection.isOpen() && upstream.connection.isReadSuspended()) {
            upstream.connection.resumeRead();
        }
    }

    void upstreamWritable() {
        if (tunnel) {
            client.connection.resumeRead();
            return;
        }
        client.connection.resumeRead();
        clientInput();
    }

    void clientEnded() {
        if (tunnel) {
            clientEndedInTunnel = true;
            upstream.connection.shutdownOutput();
            if (upstreamEndedInTunnel) {
                finish();
            }
            return;
        }
        if (!requestComplete) {
            abort(ProxyError.CLIENT_GONE, null);
        } else {
            closeClientAfter = true;
        }
    }

    void clientFailed(IOException cause) {
        if (inBlockingPhase) {
            abandoned = true;
            return;
        }
        abort(ProxyError.CLIENT_GONE, cause);
    }

    // ---------------------------------------------------------------- response side

    void upstreamData(Chunk data) {
        if (finished || responseState == RESPONSE_DONE) {
            // Bytes after a complete response: the upstream broke framing; do not reuse it.
            data.release();
            upstreamReusable = false;
            return;
        }
        if (tunnel) {
            client.connection.write(data);
            if (!client.connection.flush() && client.connection.isOpen()) {
                upstream.connection.suspendRead();
            }
            timer(TIMER_RESPONSE, http.service.settings.response().toNanos());
            return;
        }
        if (timerMode == TIMER_RESPONSE) {
            timer(TIMER_RESPONSE, http.service.settings.response().toNanos());
        }
        if (responseState == RESPONSE_BODY) {
            pumpResponseBody(data);
            return;
        }
        int left = appendResponse(data);
        if (left < 0) {
            fail(ProxyError.UPSTREAM_BROKEN, null);
            return;
        }
        parseResponse();
        if (left > 0) {
            // What did not fit behind the head's beginning follows it, as if it arrived next.
            upstreamData(data);
        }
    }

    /**
     * Adds {@code data} to the partial response head. When both do not fit in one chunk, only
     * the part of {@code data} that does is added (a head must fit in a chunk); the rest stays
     * in {@code data}'s window for afterwards.
     *
     * @return the bytes left in {@code data} (0: it was taken whole and released), or -1 when
     *         nothing could be taken ({@code data} released)
     */
    private int appendResponse(Chunk data) {
        if (responseInput == null) {
            responseInput = data;
            return 0;
        }
        int have = responseInput.readable();
        int incoming = data.readable();
        int take = Math.min(incoming, loop().chunks().chunkBytes() - have);
        Chunk larger = take > 0 ? http.chunkFor(have + take) : null;
        if (larger == null) {
            data.release();
            return -1;
        }
        larger.view().putBytes(0, responseInput.view(), responseInput.start(), have);
        larger.view().putBytes(have, data.view(), data.start(), take);
        larger.window(0, have + take);
        responseInput.release();
        responseInput = larger;
        if (take == incoming) {
            data.release();
            return 0;
        }
        data.window(data.start() + take, data.end());
        return incoming - take;
    }

    private void parseResponse() {
        while (responseInput != null && responseState == RESPONSE_HEAD && !finished) {
            Chunk in = responseInput;
            response.reset();
            int length = response.parse(in.view(), in.start(), in.readable(), http.service.settings.headLimits());
            if (length == 0) {
                return;
            }
            if (length < 0) {
                fail(ProxyError.UPSTREAM_BROKEN, null);
                return;
            }
            int code = response.status();
            if (code >= 100 && code < 200) {
                if (code == 101 && upgradeRequested) {
                    startTunnel(in, length);
                    return;
                }
                // HTTP/1.0 has no 1xx: its clients never get one (RFC 9110 §15.2).
                if (request.versionMinor() == 1 && (code != 100 || !continueSent)) {
                    // Interim responses (103 Early Hints, an upstream's own 100) are passed on as they are.
                    int start = in.start();
                    int end = in.end();
                    in.retain().window(start, start + length);
                    client.connection.write(in);
                    // Now, not with the final response: early hints are only worth something early.
                    client.connection.flush();
                    in.window(start + length, end);
                } else {
                    in.window(in.start() + length, in.end());
                }
                if (in.readable() == 0) {
                    in.release();
                    responseInput = null;
                }
                continue;
            }
            startResponse(in, length);
            return;
        }
    }

    private void startResponse(Chunk in, int headLength) {
        releaseRetryHead();
        status = response.status();
        try {
            proxy().responseFilter(this, responseEdits, context);
        } catch (Exception e) {
            fail(ProxyError.INTERNAL, e);
            return;
        }
        if (responseEdits.status() != 0) {
            status = responseEdits.status();
        }
        if (ResponseHead.bodyForbidden(response.status(), headRequest)) {
            responseRemaining = 0;
            responseChunked = false;
            responseUntilClose = false;
        } else if (response.isChunked()) {
            responseChunked = true;
            responseChunks.reset(http.service.settings.headLimits());
            // HTTP/1.0 clients do not know chunked framing: they get the payload, ended by close.
            dechunkForClient = request.versionMinor() == 0;
        } else if (response.contentLength() >= 0) {
            responseRemaining = response.contentLength();
        } else {
            responseUntilClose = true;
        }
        upstreamReusable = !responseUntilClose && !response.connectionClose()
                && (response.versionMinor() == 1 || response.connectionKeepAlive());
        boolean clientKeepAlive = request.keepAlive() && !http.draining && !client.drainRequested && !client.ended;
        // A body delimited by the upstream closing cannot be re-framed for a keep-alive client.
        closeClientAfter |= !clientKeepAlive || responseUntilClose || dechunkForClient;
        byte[] connectionField = null;
        if (closeClientAfter && request.versionMinor() == 1) {
            connectionField = HeadBuilder.connectionClose();
        } else if (!closeClientAfter && request.versionMinor() == 0) {
            connectionField = HeadBuilder.connectionKeepAlive();
        }
        responseStarted = true;
        responseState = RESPONSE_BODY;
        if (dechunkForClient
                || HeadBuilder.responseNeedsRewrite(response, in.view(), responseEdits, connectionField != null)) {
            Chunk head = http.chunkFor(headLength + 64);
            int written = head == null ? -1
                    : http.heads.clientResponse(response, in.view(), responseEdits, false, connectionField,
                            dechunkForClient, head);
            if (written < 0) {
                if (head != null) {
                    head.release();
                }
                responseStarted = false;
                fail(ProxyError.UPSTREAM_BROKEN, null);
                return;
            }
            head.window(0, written);
            client.connection.write(head);
            in.window(in.start() + headLength, in.end());
        } else {
            int start = in.start();
            int end = in.end();
            in.retain().window(start, start + headLength);
            client.connection.write(in);
            in.window(start + headLength, end);
        }
        responseInput = null;
        pumpResponseBody(in);
    }

    /** Forwards the part of {@code data} that belongs to the response body; takes ownership of {@code data}. */
    private void pumpResponseBody(Chunk data) {
        int available = data.readable();
        int take;
        boolean done;
        int forward = -1;
        if (responseChunked && dechunkForClient) {
            take = responseChunks.decodeInPlace(data.view(), data.start(), available);
            forward = responseChunks.decodedBytes();
            if (take < 0) {
                data.release();
                abort(ProxyError.UPSTREAM_BROKEN, null);
                return;
            }
            done = responseChunks.isComplete();
        } else if (responseChunked) {
            take = responseChunks.scan(data.view(), data.start(), available);
            if (take < 0) {
                data.release();
                abort(ProxyError.UPSTREAM_BROKEN, null);
                return;
            }
            done = responseChunks.isComplete();
        } else if (responseUntilClose) {
            take = available;
            done = false;
        } else {
            take = (int) Math.min(available, responseRemaining);
            responseRemaining -= take;
            done = responseRemaining == 0;
        }
        if (take < available) {
            // Bytes beyond this response: the upstream sent more than it framed.
            upstreamReusable = false;
        }
        // What goes to the client: the message bytes as they came, or the decoded payload.
        int send = forward >= 0 ? forward : take;
        if (send > 0) {
            try {
                proxy().responseBodyFilter(this, bodyView.wrap(data.view(), data.start(), send), done, context);
            } catch (RuntimeException e) {
                data.release();
                abort(ProxyError.INTERNAL, e);
                return;
            }
            data.window(data.start(), data.start() + send);
            client.connection.write(data);
        } else {
            data.release();
        }
        Connection downstream = client.connection;
        boolean flushed = downstream.flush();
        if (done) {
            responseBodyDone();
        } else if (spliceable()) {
            startResponseSplice();
        } else if (!flushed && downstream.isOpen() && upstream != null) {
            upstream.connection.suspendRead();
        }
    }

    private void responseBodyDone() {
        responseState = RESPONSE_DONE;
        if (!requestComplete) {
            // The upstream answered before the request body ended (an early refusal, nginx's
            // "return"): it will not get the rest, so its connection goes. The client was not
            // told to close, and its framing says where the body ends: read and drop the
            // rest, and its connection stays in step for the next request, as with nginx.
            upstreamReusable = false;
            closeUpstream();
            discardRequestBody = true;
            client.connection.resumeRead();
            pumpRequestBody();
            if (!requestComplete) {
                // clientInput finishes the exchange once the rest has arrived.
                return;
            }
        }
        finish();
    }

    /**
     * Whether the rest of a response body (of known length, at least the splice threshold)
     * can move from the upstream to the client inside the kernel: both connections must offer
     * it and the proxy must not want to see the bytes.
     */
    private boolean spliceable() {
        long threshold = http.service.settings.spliceThreshold();
        return threshold > 0 && !responseChunked && !responseUntilClose && responseRemaining >= threshold
                && upstream != null && upstream.connection.splice() != null && client.connection.splice() != null
                && proxy().spliceResponseBody(this, context);
    }

    private void startResponseSplice() {
        splicingResponse = true;
        splicedAtTimer = 0;
        int run = ++spliceRun;
        long expected = responseRemaining;
        http.service.metrics.splicedResponses.increment(http.shard);
        upstream.connection.splice().spliceTo(client.connection, expected,
                (bytes, cause) -> responseSpliced(run, expected, bytes, cause));
    }

    /** Bytes the running splices of this exchange have moved, for idle timeouts. */
    private long splicedSoFar() {
        long moved = 0;
        if ((splicingResponse || splicingTunnel) && upstream != null) {
            moved += upstream.connection.splice().moved();
        }
        if (splicingTunnel && client.connection.isOpen()) {
            moved += client.connection.splice().moved();
        }
        return moved;
    }

    private void responseSpliced(int run, long expected, long bytes, Exception cause) {
        if (run != spliceRun || !splicingResponse || finished) {
            return;
        }
        splicingResponse = false;
        http.service.metrics.splicedBytes.add(http.shard, bytes);
        responseRemaining = expected - bytes;
        if (cause instanceof SpliceCapability.TargetFailedException clientSide) {
            // The client went away in the middle of the body: not the upstream's fault.
            upstreamReusable = false;
            abort(ProxyError.CLIENT_GONE, clientSide);
            return;
        }
        if (cause != null || responseRemaining > 0) {
            // The upstream failed or ended in the middle of the body: cut the client off, as
            // when it happens on the buffer path.
            upstreamReusable = false;
            abort(ProxyError.UPSTREAM_BROKEN, cause instanceof IOException io ? io : null);
            return;
        }
        try {
            proxy().responseBodyFilter(this, bodyView.wrap(EMPTY, 0, 0), true, context);
        } catch (RuntimeException e) {
            abort(ProxyError.INTERNAL, e);
            return;
        }
        responseBodyDone();
    }

    /** The upstream closed (cause null) or failed. */
    void upstreamEnded(IOException cause) {
        if (finished) {
            return;
        }
        if (tunnel) {
            upstreamEndedInTunnel = true;
            if (cause != null || clientEndedInTunnel) {
                finish();
            } else {
                client.connection.shutdownOutput();
            }
            return;
        }
        if (responseState == RESPONSE_BODY && responseUntilClose && cause == null) {
            upstreamReusable = false;
            responseState = RESPONSE_DONE;
            client.connection.flush();
            finish();
            return;
        }
        if (responseState == RESPONSE_HEAD && responseInput == null && keepHeadForRetry && !retried) {
            // A pooled connection the upstream had closed just as we reused it: nothing was
            // answered, the request had no body, so it is safe to send it again on a new one.
            retried = true;
            keepHeadForRetry = false;
            UpstreamConnection dead = upstream;
            upstream = null;
            dead.connection.close();
            http.pool.closed(dead);
            acquireUpstream(true);
            return;
        }
        // Before any response byte reached the client it gets 502; after, fail cuts the connection.
        fail(ProxyError.UPSTREAM_BROKEN, cause);
    }

    private void startTunnel(Chunk in, int headLength) {
        releaseRetryHead();
        status = 101;
        responseStarted = true;
        tunnel = true;
        cancelTimer();
        Chunk head = http.chunkFor(headLength + 64);
        int written = head == null ? -1
                : http.heads.clientResponse(response, in.view(), responseEdits, true, null, false, head);
        if (written < 0) {
            if (head != null) {
                head.release();
            }
            in.release();
            responseInput = null;
            abort(ProxyError.UPSTREAM_BROKEN, null);
            return;
        }
        head.window(0, written);
        client.connection.write(head);
        in.window(in.start() + headLength, in.end());
        responseInput = null;
        if (in.readable() > 0) {
            client.connection.write(in);
        } else {
            in.release();
        }
        client.connection.flush();
        forwardTunnel(client.connection, upstream.connection);
        timer(TIMER_RESPONSE, http.service.settings.response().toNanos());
        spliceTunnel();
    }

    /**
     * Where both connections can splice, the tunnel's bytes move inside the kernel from here
     * on, each direction until its end of stream, which then arrives as it would have on the
     * buffer path. The client's direction stays on the buffer path if bytes of it are still
     * waiting in its input.
     */
    private void spliceTunnel() {
        SpliceCapability fromUpstream = upstream.connection.splice();
        SpliceCapability fromClient = client.connection.splice();
        if (http.service.settings.spliceThreshold() == 0 || fromUpstream == null || fromClient == null) {
            return;
        }
        int run = ++spliceRun;
        splicingTunnel = true;
        UpstreamConnection up = upstream;
        fromUpstream.spliceTo(client.connection, -1, (bytes, cause) -> {
            if (run == spliceRun && !finished) {
                http.service.metrics.splicedBytes.add(http.shard, bytes);
                tunnelDirectionEnded(up.connection, up, cause);
            }
        });
        if (client.input == null && client.connection.isOpen() && up.connection.isOpen()) {
            ClientConnection from = client;
            fromClient.spliceTo(up.connection, -1, (bytes, cause) -> {
                if (run == spliceRun && !finished) {
                    http.service.metrics.splicedBytes.add(http.shard, bytes);
                    tunnelDirectionEnded(from.connection, from, cause);
                }
            });
        }
    }

    /** A spliced direction of the tunnel ended: the same as an end of stream or a failure read on it. */
    private static void tunnelDirectionEnded(Connection from, ConnectionHandler handler, Exception cause) {
        if (cause == null) {
            handler.onReadEnd(from);
        } else if (from.isOpen()) {
            from.close();
            handler.onError(from, cause instanceof IOException io ? io : new IOException(cause));
        }
    }

    /** Tunnel mode: what the client sent goes to the upstream as it is. */
    private void forwardTunnel(Connection from, Connection to) {
        Chunk in = client.input;
        if (in != null) {
            in.retain();
            to.write(in);
            client.consume(in.readable());
        }
        if (!to.flush() && to.isOpen()) {
            from.suspendRead();
        }
        timer(TIMER_RESPONSE, http.service.settings.response().toNanos());
    }

    // ---------------------------------------------------------------- ending

    private void finishIfDone() {
        if (!finished && requestComplete && responseState == RESPONSE_DONE) {
            finish();
        }
    }

    /** Fails before anything was sent upstream with a generated status (405 and the like). */
    private void failBeforeUpstream(int generatedStatus) {
        status = generatedStatus;
        responseStarted = true;
        closeClientAfter = true;
        error = ProxyError.BAD_REQUEST;
        notifyError(error, null);
        http.service.metrics.badRequests.increment(http.shard);
        client.sendGenerated(generatedStatus, true);
        logFailure(generatedStatus, error, null);
        finish();
    }

    private static boolean isIdempotent(int method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.PUT || method == HttpMethod.DELETE;
    }

    /** One line per failed exchange, within the loop's log budget (attacks must not flood the log). */
    private void logFailure(int answered, ProxyError kind, Throwable cause) {
        if (!http.failures.allow(loop().now())) {
            return;
        }
        StringBuilder line = new StringBuilder(128).append("client ").append(clientIpView).append(' ')
                .append(method()).append(' ').append(target()).append(": ");
        line.append(answered > 0 ? answered + " " + StatusText.reason(answered) : "connection cut");
        line.append(" (").append(kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
        if (peer != null && kind.isUpstreamFault()) {
            line.append(", upstream ").append(peer.name());
        }
        if (cause != null) {
            line.append(", ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        http.failures.log(kind.status() >= 500 || kind.status() == 0 ? System.Logger.Level.WARNING
                : System.Logger.Level.INFO, line.append(')').toString());
    }

    /**
     * Something went wrong. When the client has not seen a response yet it gets the error's
     * status; otherwise the client connection is cut (the response cannot be completed).
     */
    private void fail(ProxyError kind, Throwable cause) {
        if (finished) {
            return;
        }
        error = kind;
        notifyError(kind, cause);
        logFailure(!responseStarted && client.connection.isOpen() ? kind.status() : 0, kind, cause);
        closeUpstream();
        if (!responseStarted && kind.status() > 0 && client.connection.isOpen()) {
            status = kind.status();
            responseStarted = true;
            responseState = RESPONSE_DONE;
            boolean clientError = kind.status() < 500;
            if (clientError) {
                http.service.metrics.badRequests.increment(http.shard);
            }
            // The client connection survives an upstream failure only if the request was fully read.
            closeClientAfter |= clientError || !requestComplete;
            client.sendGenerated(kind.status(), closeClientAfter);
            finish();
        } else {
            abort(kind, null);
        }
    }

    /** Ends the exchange without an answer: both connections are closed. */
    private void abort(ProxyError kind, Throwable cause) {
        if (finished) {
            return;
        }
        if (error == null) {
            error = kind;
            notifyError(kind, cause);
            if (kind != ProxyError.CLIENT_GONE) {
                logFailure(0, kind, cause);
            }
        }
        closeUpstream();
        client.close();
        closeClientAfter = true;
        finish();
    }

    private void notifyError(ProxyError kind, Throwable cause) {
        try {
            proxy().errorWhileProxy(this, kind, cause, context);
        } catch (RuntimeException e) {
            loop().uncaught(e, "errorWhileProxy");
        }
    }

    private void closeUpstream() {
        if (upstream != null) {
            UpstreamConnection up = upstream;
            upstream = null;
            up.exchange = null;
            if (up.connection != null) {
                up.connection.close();
            }
            http.pool.closed(up);
        }
        if (timerMode == TIMER_QUEUE && peer != null) {
            http.pool.cancelWait(peer, this);
        }
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimer();
        if (upstream != null) {
            UpstreamConnection up = upstream;
            upstream = null;
            up.exchange = null;
            boolean pooled = upstreamReusable && !tunnel && requestComplete && up.connection.isOpen()
                    && !up.connection.hasPendingWrites();
            if (pooled) {
                up.connection.resumeRead();
                pooled = http.pool.release(up, loop().now());
            }
            if (!pooled) {
                up.connection.close();
                http.pool.closed(up);
            }
        } else if (timerMode == TIMER_QUEUE && peer != null) {
            http.pool.cancelWait(peer, this);
        }
        if (tunnel) {
            client.close();
        }
        try {
            proxy().logging(this, error, context);
        } catch (RuntimeException e) {
            loop().uncaught(e, "logging");
        }
        HttpMetrics metrics = http.service.metrics;
        metrics.response(http.shard, responseStarted ? status : 0);
        metrics.requestDuration.recordNanos(http.shard, System.nanoTime() - startNanos);
        ClientConnection owner = client;
        boolean close = closeClientAfter || tunnel;
        release();
        owner.exchangeDone(close);
    }

    /** Returns every resource and puts the exchange back into the loop's free list. */
    private void release() {
        releaseRetryHead();
        if (upstreamHead != null) {
            upstreamHead.release();
            upstreamHead = null;
        }
        if (headChunk != null) {
            headChunk.release();
            headChunk = null;
        }
        if (responseInput != null) {
            responseInput.release();
            responseInput = null;
        }
        client = null;
        upstream = null;
        context = null;
        attachment = null;
        peer = null;
        Arrays.fill(tried, 0, triedCount, null);
        triedCount = 0;
        timerMode = 0;
        finished = false;
        inBlockingPhase = false;
        abandoned = false;
        keepHeadForRetry = false;
        retried = false;
        requestRemaining = 0;
        requestChunked = false;
        requestComplete = false;
        discardRequestBody = false;
        continueSent = false;
        upgradeRequested = false;
        headRequest = false;
        connected = false;
        responseState = RESPONSE_NONE;
        responseRemaining = 0;
        responseChunked = false;
        responseUntilClose = false;
        dechunkForClient = false;
        upstreamReusable = false;
        responseStarted = false;
        closeClientAfter = false;
        tunnel = false;
        splicingResponse = false;
        splicingTunnel = false;
        clientEndedInTunnel = false;
        upstreamEndedInTunnel = false;
        status = 0;
        error = null;
        requestEdits.clear();
        responseEdits.clear();
        http.recycle(this);
    }

    private void releaseRetryHead() {
        if (keepHeadForRetry && upstreamHead != null) {
            upstreamHead.release();
            upstreamHead = null;
        }
        keepHeadForRetry = false;
    }

    // ---------------------------------------------------------------- timers and blocking phases

    private void timer(int mode, long delayNanos) {
        timerMode = mode;
        loop().timers().schedule(this, loop().now() + delayNanos);
    }

    private void cancelTimer() {
        loop().timers().cancel(this);
    }

    @Override
    protected void onTimeout(long nowNanos) {
        switch (timerMode) {
            case TIMER_QUEUE -> {
                http.pool.cancelWait(peer, this);
                timerMode = 0;
                fail(ProxyError.QUEUE_TIMEOUT, null);
            }
            case TIMER_BODY -> fail(ProxyError.REQUEST_TIMEOUT, null);
            case TIMER_RESPONSE -> {
                long moved = splicedSoFar();
                if ((splicingResponse || splicingTunnel) && moved > splicedAtTimer) {
                    // A splice in progress: bytes moved since the last look, so it is not idle.
                    splicedAtTimer = moved;
                    timer(TIMER_RESPONSE, http.service.settings.response().toNanos());
                } else if (tunnel) {
                    finish();
                } else {
                    fail(ProxyError.UPSTREAM_TIMEOUT, null);
                }
            }
            default -> {
            }
        }
    }

    /**
     * Runs requestFilter (or upstreamPeer) on a virtual thread. The client stops reading
     * meanwhile; the result is handed back to the loop through its inbox.
     */
    private void runBlocking(boolean requestFilterPhase) {
        inBlockingPhase = true;
        client.connection.suspendRead();
        ProxyHttp<Object> proxy = proxy();
        Object ctx = context;
        Thread.ofVirtual().name("isthmus-phase").start(() -> {
            Object result;
            try {
                result = requestFilterPhase ? (Object) proxy.requestFilter(this, ctx) : proxy.upstreamPeer(this, ctx);
            } catch (Throwable t) {
                result = t;
            }
            Object outcome = result;
            loop().execute(() -> resumeAfterBlocking(requestFilterPhase, outcome));
        });
    }

    private void resumeAfterBlocking(boolean requestFilterPhase, Object outcome) {
        inBlockingPhase = false;
        if (abandoned) {
            abort(ProxyError.CLIENT_GONE, null);
            return;
        }
        client.connection.resumeRead();
        if (outcome instanceof Throwable t) {
            fail(ProxyError.INTERNAL, t);
        } else if (requestFilterPhase) {
            afterRequestFilter((Boolean) outcome);
        } else {
            afterPeer((Peer) outcome);
        }
    }

    private void writeToClient(byte[] bytes) {
        Chunk out = http.chunkFor(bytes.length);
        if (out == null) {
            return;
        }
        out.view().putBytes(0, bytes);
        out.window(0, bytes.length);
        client.connection.write(out);
        client.connection.flush();
    }

    // ---------------------------------------------------------------- HttpSession

    @Override
    public int loopIndex() {
        return http.shard;
    }

    @Override
    public InetSocketAddress clientAddress() {
        return client.connection.remoteAddress();
    }

    @Override
    public CharSequence clientIp() {
        return clientIpView;
    }

    @Override
    public CharSequence method() {
        return methodView.wrap(headChunk.view(), request.methodOffset(), request.methodLength());
    }

    @Override
    public CharSequence target() {
        return targetView.wrap(headChunk.view(), request.targetOffset(), request.targetLength());
    }

    @Override
    public CharSequence path() {
        if (request.pathLength() == 0 && request.isAbsoluteForm()) {
            // "http://host" and "http://host?q" have an empty path, which means "/" (RFC 9112 §3.2.1):
            // routes must see what the origin will be sent.
            return ROOT_PATH;
        }
        return pathView.wrap(headChunk.view(), request.pathOffset(), request.pathLength());
    }

    @Override
    public CharSequence host() {
        if (request.isAbsoluteForm()) {
            return hostView.wrap(headChunk.view(), request.authorityOffset(), request.authorityLength());
        }
        int i = request.hostIndex();
        return i < 0 ? null : hostView.wrap(headChunk.view(), request.valueOffset(i), request.valueLength(i));
    }

    @Override
    public CharSequence header(String name) {
        DirectBuffer buffer = headChunk.view();
        for (int i = 0; i < request.headerCount(); i++) {
            if (AsciiText.equalsIgnoreCase(buffer, request.nameOffset(i), request.nameLength(i), name)) {
                return headerView.wrap(buffer, request.valueOffset(i), request.valueLength(i));
            }
        }
        return null;
    }

    @Override
    public int versionMinor() {
        return request.versionMinor();
    }

    @Override
    public RequestHead requestHead() {
        return request;
    }

    @Override
    public DirectBuffer requestBuffer() {
        return headChunk.view();
    }

    @Override
    public void respond(int responseStatus, String contentType, byte[] body, String... headers) {
        if (responseStarted) {
            throw new IllegalStateException("a response was already sent");
        }
        if (!loop().inLoop()) {
            // From a blocking phase: written on the loop before the phase's result is handled
            // (the inbox is first in, first out).
            responseStarted = true;
            status = responseStatus;
            loop().execute(() -> writeGenerated(responseStatus, contentType, body, headers));
            return;
        }
        writeGenerated(responseStatus, contentType, body, headers);
    }

    private void writeGenerated(int responseStatus, String contentType, byte[] body, String[] headers) {
        status = responseStatus;
        responseStarted = true;
        boolean close = !request.keepAlive() || http.draining || client.drainRequested;
        closeClientAfter |= close;
        Chunk head = loop().chunks().acquire();
        if (head == null) {
            closeClientAfter = true;
            return;
        }
        int length = http.heads.generated(responseStatus, contentType, headRequest ? new byte[0] : body, headers, close, head);
        if (length < 0) {
            head.release();
            closeClientAfter = true;
            return;
        }
        int bodyInHead = headRequest ? 0 : Math.min(body.length, head.capacity() - length);
        head.view().putBytes(length, body, 0, bodyInHead);
        head.window(0, length + bodyInHead);
        client.connection.write(head);
        for (int offset = bodyInHead; !headRequest && offset < body.length; ) {
            Chunk more = loop().chunks().acquire();
            if (more == null) {
                closeClientAfter = true;
                break;
            }
            int n = Math.min(more.capacity(), body.length - offset);
            more.view().putBytes(0, body, offset, n);
            more.window(0, n);
            client.connection.write(more);
            offset += n;
        }
        client.connection.flush();
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object value) {
        this.attachment = value;
    }

    @Override
    public int triedPeers() {
        return triedCount;
    }

    @Override
    public boolean hasTried(Peer candidate) {
        for (int i = 0; i < triedCount; i++) {
            if (tried[i] == candidate) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Peer peer() {
        return peer;
    }

    @Override
    public int responseStatus() {
        return status;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }
}
