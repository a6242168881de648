package dev.isthmus.core.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkPool;
import dev.isthmus.core.buffer.ChunkWaiter;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.WriteQueue;

/**
 * TLS over a plain connection of any transport: to its handler a {@code TlsConnection} is a
 * {@link Connection} like any other, carrying plaintext, while it runs an {@link SSLEngine}
 * over the transport's connection underneath. Client side: {@link #connect}; server side:
 * {@link #acceptor} (what a {@link dev.isthmus.core.server.Server} listener with a TLS context uses).
 *
 * <p>Events: a client's handler hears {@link ConnectionHandler#onConnected} once the handshake
 * is done, and {@link ConnectionHandler#onConnectFailed} when the TCP connect or the handshake
 * failed or timed out ({@link TlsContext#handshakeTimeoutNanos()}). A server's handler is
 * chosen at accept, before the handshake; a failed handshake reaches it as
 * {@link ConnectionHandler#onError}. Writes made before the handshake is done wait for it.
 * {@link ConnectionHandler#onReadEnd} follows the peer's close_notify, or the end of the TCP
 * stream at a record boundary without one (many MQTT and HTTP peers just close; protocols that
 * frame their messages notice a truncation themselves, and {@link #closeNotifyReceived()} tells
 * the two apart); a stream that ends inside a record is an error.
 *
 * <p>Buffers: received records are decrypted straight out of the transport's chunks into
 * chunks of the loop's large pool, which go to the handler; what the handler writes is
 * encrypted (several queued windows gathered into one record) and copied into large chunks
 * for the transport. A record that arrived in pieces is put together in a per-thread scratch
 * buffer, so an idle connection holds no chunk at all. When the pool is exhausted the
 * connection stops reading (or encrypting) until a chunk comes back, as the transports do.
 *
 * <p>Back-pressure is the transport's: {@link #flush()} returns false while the transport holds
 * too much, and {@link ConnectionHandler#onWritable} follows when it no longer does.
 * {@link #close()} sends close_notify when it can (best effort, like the rest of a close);
 * {@link #shutdownOutput()} sends it after the queued writes, then the FIN. Splicing is not
 * possible through TLS: {@link #splice()} is null.
 *
 * <p>Caveats: the handshake's CPU work (key exchange, certificate checks) runs on the loop
 * thread, a few hundred microseconds to a few milliseconds per handshake; a loop accepting a
 * storm of handshakes is busy with them. Every method must be called on the loop's thread.
 */
public final class TlsConnection extends Timer implements Connection, ConnectionHandler, ChunkWaiter {
    private static final System.Logger LOG = System.getLogger(TlsConnection.class.getName());
    static final int RECORD_HEADER = 5;
    /** The largest record TLS allows: 2^14 bytes of plaintext plus 2048 of expansion (TLS 1.2). */
    static final int MAX_RECORD = RECORD_HEADER + (1 << 14) + 2048;

    private static final int EVENT_INPUT = 1;
    private static final int EVENT_OUTPUT = 2;
    private static final int EVENT_CONNECTED = 4;
    private static final int EVENT_FAILED = 8;

    private final EventLoop loop;
    private final TlsContext context;
    private final SSLEngine engine;
    private final int plaintextRoom;
    private final int recordRoom;
    private Connection transport;
    private ConnectionHandler handler;

    /** What the handler wrote, waiting to be encrypted. */
    private final WriteQueue plaintext = new WriteQueue();
    /** Records received and not yet decrypted: part of one, unless reading is suspended. */
    private ArrayDeque<Chunk> received;
    private final FillingChunks decrypted;
    private final FillingChunks encrypted;
    /** Plaintext decrypted while the handler had reading suspended; delivered first on resume. */
    private Chunk held;
    /** The first received chunk's data end while its window is narrowed to whole records. */
    private int receivedLimit;

    private boolean handshakeStarted;
    /** A client's first encryption must run whatever the engine says (Conscrypt says NEED_UNWRAP before its ClientHello). */
    private boolean wrapFirst;
    private boolean handshakeDone;
    private boolean closed;
    private boolean closedByUser;
    private boolean readSuspended;
    private boolean transportSuspended;
    private boolean waitingToDecrypt;
    private boolean waitingToEncrypt;
    private boolean awaitingWritable;
    private boolean closeNotifyReceived;
    private boolean streamEnded;
    private boolean endDelivered;
    private boolean shutdownRequested;
    private boolean outputShut;
    /** closeOutbound was called: wrap until the engine says its close_notify is out. */
    private boolean outboundClosed;
    /** Depth of the handler's calls into this connection: events raised inside them are deferred. */
    private int handlerCalls;
    private int deferredEvents;
    private IOException deferredCause;
    private Runnable runDeferred;

    private TlsConnection(EventLoop loop, TlsContext context, SSLEngine engine, ConnectionHandler handler) {
        this.loop = loop;
        this.context = context;
        this.engine = engine;
        this.handler = handler;
        SSLSession session = engine.getSession();
        this.plaintextRoom = session.getApplicationBufferSize();
        this.recordRoom = session.getPacketBufferSize();
        TlsScratch.current().fit(Math.max(recordRoom, MAX_RECORD));
        ChunkPool pool = loop.chunks();
        this.decrypted = new FillingChunks(pool);
        this.encrypted = new FillingChunks(pool);
    }

    /**
     * Connects to {@code address} (from {@code localAddress}, or null) and runs the client side
     * of the handshake; {@code handler} hears {@code onConnected} once it is done. The host name
     * of {@code address} (as given, not resolved) is the server name sent and checked. On the
     * loop's thread.
     */
    public static TlsConnection connect(EventLoop loop, TlsContext context, InetSocketAddress address,
                                        InetSocketAddress localAddress, long timeoutNanos, ConnectionHandler handler) {
        if (!context.isClient()) {
            throw new IllegalArgumentException("a server-side TLS context cannot connect");
        }
        TlsConnection tls = new TlsConnection(loop, context, context.newEngine(address.getHostString(), address.getPort()),
                handler);
        tls.transport = loop.io().connect(address, localAddress, timeoutNanos, tls);
        return tls;
    }

    /**
     * An acceptor that runs the server side of TLS on every connection {@code inner} would
     * accept: {@code inner} is asked first (with the TLS connection), then the handshake starts.
     */
    public static Acceptor acceptor(TlsContext context, Acceptor inner) {
        if (context.isClient()) {
            throw new IllegalArgumentException("a client-side TLS context cannot accept");
        }
        return plain -> {
            InetSocketAddress remote = plain.remoteAddress();
            SSLEngine engine = context.newEngine(remote == null ? null : remote.getHostString(),
                    remote == null ? -1 : remote.getPort());
            TlsConnection tls = new TlsConnection(plain.loop(), context, engine, null);
            tls.transport = plain;
            ConnectionHandler handler = inner.accepted(tls);
            if (handler == null) {
                tls.closed = true;
                return null;
            }
            tls.handler = handler;
            tls.beginHandshake();
            return tls;
        };
    }

    // ---- what the peer and the transport do

    @Override
    public void onConnected(Connection c) {
        beginHandshake();
    }

    private void beginHandshake() {
        if (closed) {
            return;
        }
        handshakeStarted = true;
        wrapFirst = context.isClient();
        loop.timers().schedule(this, loop.now() + context.handshakeTimeoutNanos());
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            fail(e);
            return;
        }
        if (encrypt()) {
            transport.flush();
        }
    }

    @Override
    public void onConnectFailed(Connection c, IOException cause) {
        closed = true;
        releaseAll();
        handler.onConnectFailed(this, cause);
    }

    @Override
    public void onRead(Connection c, Chunk data) {
        if (closed || closeNotifyReceived) {
            data.release();
            return;
        }
        if (received == null) {
            received = new ArrayDeque<>(2);
        }
        received.add(data);
        processInput();
    }

    @Override
    public void onReadEnd(Connection c) {
        streamEnded = true;
        processInput();
    }

    @Override
    public void onWritable(Connection c) {
        if (!closed && awaitingWritable && !waitingToEncrypt && handshakeDone) {
            awaitingWritable = false;
            handler.onWritable(this);
        }
    }

    @Override
    public void onError(Connection c, IOException cause) {
        if (closed) {
            return;
        }
        closed = true;
        releaseAll();
        failed(cause);
    }

    @Override
    protected void onTimeout(long nowNanos) {
        if (!closed && !handshakeDone) {
            fail(new SSLHandshakeException("the TLS handshake did not finish within "
                    + TimeUnit.NANOSECONDS.toMillis(context.handshakeTimeoutNanos()) + " ms"));
        }
    }

    @Override
    public void chunkAvailable() {
        // Called from inside whoever freed the chunk: continue later, on our own turn.
        if (waitingToDecrypt) {
            waitingToDecrypt = false;
            defer(EVENT_INPUT);
        }
        if (waitingToEncrypt) {
            waitingToEncrypt = false;
            defer(EVENT_OUTPUT);
        }
    }

    // ---- decrypting

    /** Decrypts and delivers what has arrived, as far as the handler takes it; reports the end. */
    private void processInput() {
        while (!closed) {
            if (held != null) {
                if (readSuspended) {
                    break;
                }
                Chunk chunk = held;
                held = null;
                handler.onRead(this, chunk);
                continue;
            }
            if ((readSuspended && handshakeDone) || !hasCompleteRecord()) {
                break;
            }
            // Room first: a record put together from pieces leaves them, and must be decrypted at once.
            if (!decrypted.reserve(plaintextRoom)) {
                waitToDecrypt();
                break;
            }
            ByteBuffer records = nextRecords();
            if (records == null || !decrypt(records)) {
                break;
            }
        }
        if (!closed && !readSuspended && held == null && !endDelivered && (closeNotifyReceived || streamEnded)
                && !waitingToDecrypt && !hasCompleteRecord()) {
            endOfInput();
        }
        updateTransportReading();
    }

    private void endOfInput() {
        if (!handshakeDone) {
            fail(new SSLHandshakeException("the peer closed the connection during the TLS handshake"));
            return;
        }
        if (!closeNotifyReceived && received != null && !received.isEmpty()) {
            fail(new SSLException("the connection ended inside a TLS record (truncated)"));
            return;
        }
        endDelivered = true;
        handler.onReadEnd(this);
    }

    /**
     * A buffer whose window holds one or more whole records, or null until more arrives:
     * the first received chunk itself when its window starts with whole records, else the
     * scratch buffer with the one record that spans several chunks put together.
     */
    private ByteBuffer nextRecords() {
        if (received == null || received.isEmpty() || closeNotifyReceived) {
            return null;
        }
        ByteBuffer first = received.peekFirst().nio();
        int whole = wholeRecords(first);
        if (whole < 0) {
            return null;
        }
        if (whole > 0) {
            receivedLimit = first.limit();
            first.limit(first.position() + whole);
            return first;
        }
        int length = recordLength();
        if (length < 0 || length > pendingBytes()) {
            return null;
        }
        ByteBuffer record = TlsScratch.current().record;
        record.clear();
        while (record.position() < length) {
            ByteBuffer piece = received.peekFirst().nio();
            int take = Math.min(piece.remaining(), length - record.position());
            int limit = piece.limit();
            piece.limit(piece.position() + take);
            record.put(piece);
            piece.limit(limit);
            if (!piece.hasRemaining()) {
                received.pollFirst().release();
            }
        }
        return record.flip();
    }

    /** Bytes of whole records at the start of {@code buffer}'s window; -1 after a record header that is not TLS's. */
    private int wholeRecords(ByteBuffer buffer) {
        int at = buffer.position();
        int end = buffer.limit();
        while (end - at >= RECORD_HEADER) {
            int length = RECORD_HEADER + ((buffer.get(at + 3) & 0xff) << 8 | (buffer.get(at + 4) & 0xff));
            if (!isRecordHeader(buffer.get(at), buffer.get(at + 1), length)) {
                return -1;
            }
            if (end - at < length) {
                break;
            }
            at += length;
        }
        return at - buffer.position();
    }

    /** The length of the first received record, header included, or -1 while its header is incomplete (or bad). */
    private int recordLength() {
        byte[] header = null;
        int seen = 0;
        for (Chunk chunk : received) {
            ByteBuffer piece = chunk.nio();
            for (int i = piece.position(); i < piece.limit() && seen < RECORD_HEADER; i++, seen++) {
                if (seen == 0 && piece.limit() - i >= RECORD_HEADER) {
                    int length = RECORD_HEADER + ((piece.get(i + 3) & 0xff) << 8 | (piece.get(i + 4) & 0xff));
                    return isRecordHeader(piece.get(i), piece.get(i + 1), length) ? length : -1;
                }
                if (header == null) {
                    header = new byte[RECORD_HEADER]; // a header split over chunks: rare
                }
                header[seen] = piece.get(i);
            }
        }
        if (seen < RECORD_HEADER) {
            return -1;
        }
        int length = RECORD_HEADER + ((header[3] & 0xff) << 8 | (header[4] & 0xff));
        return isRecordHeader(header[0], header[1], length) ? length : -1;
    }

    /**
     * Whether a record header is TLS's: a content type TLS uses (change_cipher_spec, alert,
     * handshake, application data), version 3.x and a length TLS allows. Anything else fails
     * the connection at once, so a plaintext client on a TLS port is told now, not at the
     * handshake timeout.
     */
    private boolean isRecordHeader(byte type, byte major, int length) {
        if (type < 20 || type > 23 || major != 3) {
            fail(new SSLException("not a TLS record (content type " + (type & 0xff) + ", version " + (major & 0xff)
                    + ".x): the peer does not speak TLS"));
            return false;
        }
        if (length > MAX_RECORD) {
            fail(new SSLException("a TLS record of " + length + " bytes, more than TLS allows"));
            return false;
        }
        return true;
    }

    private int pendingBytes() {
        int bytes = 0;
        for (Chunk chunk : received) {
            bytes += chunk.readable();
        }
        return bytes;
    }

    private boolean hasCompleteRecord() {
        if (received == null || received.isEmpty() || closeNotifyReceived) {
            return false;
        }
        ByteBuffer first = received.peekFirst().nio();
        if (first.remaining() >= RECORD_HEADER) {
            // The usual case, looked at without iterating (an iterator per read is garbage).
            int at = first.position();
            int length = RECORD_HEADER + ((first.get(at + 3) & 0xff) << 8 | (first.get(at + 4) & 0xff));
            if (!isRecordHeader(first.get(at), first.get(at + 1), length)) {
                return false;
            }
            if (first.remaining() >= length) {
                return true;
            }
        }
        if (received.size() == 1) {
            return false;
        }
        int length = recordLength();
        return length >= 0 && length <= pendingBytes();
    }

    /**
     * Decrypts the whole records of {@code records}, delivering the plaintext; false to stop
     * (failed, closed, out of chunks, or the handler suspended reading with plaintext left).
     */
    private boolean decrypt(ByteBuffer records) {
        Chunk source = records == TlsScratch.current().record ? null : received.peekFirst();
        try {
            while (records.hasRemaining() && !closed && !closeNotifyReceived && !(readSuspended && handshakeDone)) {
                if (!decrypted.reserve(plaintextRoom)) {
                    waitToDecrypt();
                    return false;
                }
                SSLEngineResult result;
                try {
                    result = engine.unwrap(records, decrypted.buffers(), 0, decrypted.count());
                } catch (SSLException e) {
                    fail(e);
                    return false;
                }
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW
                        || result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    fail(new SSLException("the TLS engine did not take a whole record (" + result.getStatus() + ")"));
                    return false;
                }
                // Not the CLOSED status: Conscrypt reports it for either direction being closed.
                if (engine.isInboundDone()) {
                    closeNotifyReceived = true;
                }
                Chunk full = decrypted.takeFull();
                if (full != null) {
                    handler.onRead(this, full);
                }
                if (!afterEngineCall(result.getHandshakeStatus())) {
                    return false;
                }
                if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                    break;
                }
            }
        } finally {
            if (source != null && !closed) {
                // The window was narrowed to the whole records; the bytes behind them are still to come.
                ByteBuffer window = source.nio();
                window.limit(receivedLimit);
                if (!window.hasRemaining() && received.peekFirst() == source) {
                    received.pollFirst().release();
                }
            }
        }
        return deliverDecrypted();
    }

    /** Hands the plaintext over; false when the handler suspended reading (what is left is held). */
    private boolean deliverDecrypted() {
        Chunk chunk;
        while ((chunk = decrypted.take()) != null) {
            if (closed) {
                chunk.release();
                continue;
            }
            if (readSuspended) {
                held = chunk;
                decrypted.release();
                return false;
            }
            handler.onRead(this, chunk);
        }
        return !closed;
    }

    private void waitToDecrypt() {
        deliverDecrypted();
        if (!waitingToDecrypt && !closed) {
            waitingToDecrypt = true;
            loop.chunks().await(this);
        }
        updateTransportReading();
    }

    private void updateTransportReading() {
        if (closed) {
            return;
        }
        boolean suspend = (readSuspended && handshakeDone) || waitingToDecrypt;
        if (suspend != transportSuspended) {
            transportSuspended = suspend;
            if (suspend) {
                transport.suspendRead();
            } else {
                transport.resumeRead();
            }
        }
    }

    // ---- the engine's own needs

    /**
     * Does what the engine asks after a call (its delegated tasks, a reply to send) and notices
     * the end of the handshake, which sends what the handler queued meanwhile; false when the
     * connection failed.
     */
    private boolean afterEngineCall(HandshakeStatus status) {
        boolean wasDone = handshakeDone;
        if (status == HandshakeStatus.NEED_TASK) {
            runTasks();
            status = engine.getHandshakeStatus();
        }
        if (status == HandshakeStatus.FINISHED
                || (!handshakeDone && engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING)) {
            handshakeFinished();
        }
        boolean queuedMeanwhile = !wasDone && handshakeDone && (plaintext.size() > 0 || shutdownRequested);
        if ((engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP || queuedMeanwhile) && !closed && encrypt()) {
            transport.flush();
        }
        return !closed;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private void handshakeFinished() {
        if (handshakeDone) {
            return;
        }
        handshakeDone = true;
        loop.timers().cancel(this);
        updateTransportReading();
        if (context.isClient()) {
            if (handlerCalls > 0) {
                defer(EVENT_CONNECTED);
            } else {
                handler.onConnected(this);
            }
        }
    }

    // ---- encrypting

    /**
     * Encrypts what the engine and the handler have to send (handshake messages, queued
     * plaintext, close_notify) into chunks written to the transport, without flushing it;
     * false when it failed, or stopped for lack of chunks (the rest waits).
     */
    private boolean encrypt() {
        TlsScratch scratch = TlsScratch.current();
        while (!closed) {
            HandshakeStatus status = engine.getHandshakeStatus();
            if (status == HandshakeStatus.NEED_TASK) {
                runTasks();
                continue;
            }
            if (engine.isOutboundDone()) {
                plaintext.releaseFirst(plaintext.size()); // nothing can be sent any more
                break;
            }
            boolean sendPlaintext = handshakeDone && plaintext.size() > 0;
            if (handshakeDone && plaintext.size() == 0 && shutdownRequested && !outboundClosed) {
                outboundClosed = true;
                engine.closeOutbound();
                status = engine.getHandshakeStatus();
            }
            // After closeOutbound a finished engine may say NOT_HANDSHAKING with close_notify still to wrap (Conscrypt).
            if (status != HandshakeStatus.NEED_WRAP && !sendPlaintext && !wrapFirst && !outboundClosed) {
                break;
            }
            wrapFirst = false;
            if (!encrypted.reserve(recordRoom)) {
                pushEncrypted();
                waitToEncrypt();
                return false;
            }
            ByteBuffer sealed = scratch.sealed;
            sealed.clear();
            int gathered = sendPlaintext && status != HandshakeStatus.NEED_WRAP ? gather(scratch) : 0;
            SSLEngineResult result;
            try {
                result = gathered == 0 ? engine.wrap(scratch.empty, sealed) : engine.wrap(scratch.sources, 0, gathered, sealed);
            } catch (SSLException e) {
                fail(e);
                return false;
            } finally {
                if (gathered > 0) {
                    ungather(scratch, gathered);
                }
            }
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                fail(new SSLException("TLS engine wanted more room than a record (" + recordRoom + " bytes)"));
                return false;
            }
            sealed.flip();
            encrypted.put(sealed);
            Chunk full = encrypted.takeFull();
            if (full != null) {
                transport.write(full);
            }
            HandshakeStatus after = result.getHandshakeStatus();
            if (after == HandshakeStatus.FINISHED) {
                handshakeFinished();
            } else if (after == HandshakeStatus.NEED_TASK) {
                runTasks();
            }
            if (result.bytesProduced() == 0 && result.bytesConsumed() == 0) {
                break;
            }
        }
        pushEncrypted();
        if (!closed && engine.isOutboundDone() && shutdownRequested && !outputShut) {
            outputShut = true;
            transport.shutdownOutput();
        }
        return !closed;
    }

    private void pushEncrypted() {
        Chunk chunk;
        while ((chunk = encrypted.take()) != null) {
            transport.write(chunk);
        }
    }

    /** Lends the queued plaintext windows to the engine, up to a duplicate chunk (one view per chunk). */
    private int gather(TlsScratch scratch) {
        int count = Math.min(plaintext.size(), TlsScratch.MAX_GATHER);
        for (int i = 0; i < count; i++) {
            Chunk chunk = plaintext.chunk(i);
            for (int j = 0; j < i; j++) {
                if (plaintext.chunk(j) == chunk) {
                    count = i;
                    break;
                }
            }
            if (i == count) {
                break;
            }
            ByteBuffer view = chunk.nio();
            scratch.sourcePosition[i] = view.position();
            scratch.sourceLimit[i] = view.limit();
            view.limit(plaintext.end(i)).position(plaintext.start(i));
            scratch.sources[i] = view;
        }
        return count;
    }

    /** Moves the queue past what the engine took and gives the chunks their windows back. */
    private void ungather(TlsScratch scratch, int count) {
        int done = 0;
        for (int i = 0; i < count; i++) {
            ByteBuffer view = scratch.sources[i];
            plaintext.start(i, view.position());
            view.limit(scratch.sourceLimit[i]).position(scratch.sourcePosition[i]);
            scratch.sources[i] = null;
            if (plaintext.remaining(i) == 0) {
                done++;
            }
        }
        plaintext.releaseFirst(done);
    }

    private void waitToEncrypt() {
        if (!waitingToEncrypt && !closed) {
            waitingToEncrypt = true;
            loop.chunks().await(this);
        }
    }

    /** Chunks came back: encrypt what waited, then tell a handler waiting to write. */
    private void resumeEncrypting() {
        if (closed || !encrypt()) {
            return;
        }
        boolean more = transport.flush();
        if (more && awaitingWritable && !closed && handshakeDone) {
            awaitingWritable = false;
            handler.onWritable(this);
        }
    }

    // ---- failing and deferring

    /** Fails the connection: a best-effort alert, the transport closed, the handler told (later, inside its calls). */
    private void fail(IOException cause) {
        if (closed) {
            return;
        }
        sendAlert();
        closed = true;
        transport.close();
        releaseAll();
        if (handlerCalls > 0) {
            deferredCause = cause;
            defer(EVENT_FAILED);
        } else {
            failed(cause);
        }
    }

    /** After a failure the engine holds the alert that says why; it is worth one try to send it. */
    private void sendAlert() {
        if (transport == null || !transport.isOpen()) {
            return;
        }
        try {
            TlsScratch scratch = TlsScratch.current();
            ByteBuffer sealed = scratch.sealed;
            sealed.clear();
            engine.closeOutbound();
            engine.wrap(scratch.empty, sealed);
            sealed.flip();
            if (sealed.hasRemaining() && encrypted.reserve(sealed.remaining())) {
                encrypted.put(sealed);
                pushEncrypted();
                transport.flush();
            }
        } catch (SSLException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no TLS alert could be sent", e);
        }
    }

    private void failed(IOException cause) {
        if (context.isClient() && !handshakeDone) {
            handler.onConnectFailed(this, cause);
        } else {
            handler.onError(this, cause);
        }
    }

    private void defer(int event) {
        if (deferredEvents == 0) {
            if (runDeferred == null) {
                runDeferred = this::runDeferred;
            }
            loop.execute(runDeferred);
        }
        deferredEvents |= event;
    }

    private void runDeferred() {
        int events = deferredEvents;
        deferredEvents = 0;
        if (closedByUser) {
            return;
        }
        if ((events & EVENT_FAILED) != 0) {
            failed(deferredCause);
            return;
        }
        if ((events & EVENT_CONNECTED) != 0 && !closed) {
            handler.onConnected(this);
        }
        if ((events & EVENT_OUTPUT) != 0) {
            resumeEncrypting();
        }
        if ((events & EVENT_INPUT) != 0 && !closed) {
            processInput();
        }
    }

    private void releaseAll() {
        loop.timers().cancel(this);
        plaintext.releaseFirst(plaintext.size());
        if (received != null) {
            Chunk chunk;
            while ((chunk = received.poll()) != null) {
                chunk.release();
            }
        }
        if (held != null) {
            held.release();
            held = null;
        }
        decrypted.release();
        encrypted.release();
    }

    // ---- the Connection the handler sees

    @Override
    public void write(Chunk chunk) {
        if (closed || outputShut) {
            chunk.release();
            return;
        }
        plaintext.add(chunk);
    }

    @Override
    public boolean flush() {
        if (closed) {
            return false;
        }
        handlerCalls++;
        try {
            if (!handshakeDone) {
                // Written plaintext waits for the handshake; the transport's state is what counts.
                return !transport.hasPendingWrites();
            }
            if (!encrypt()) {
                awaitingWritable = !closed;
                return false;
            }
            if (!transport.flush() || closed) {
                awaitingWritable = !closed;
                return false;
            }
            awaitingWritable = false;
            return true;
        } finally {
            handlerCalls--;
        }
    }

    @Override
    public boolean hasPendingWrites() {
        return awaitingWritable;
    }

    @Override
    public void suspendRead() {
        readSuspended = true;
        updateTransportReading();
    }

    @Override
    public void resumeRead() {
        if (!readSuspended) {
            return;
        }
        readSuspended = false;
        if (closed) {
            return;
        }
        // What was held back is delivered on the loop's next turn, never inside this call.
        if (held != null || (received != null && !received.isEmpty()) || streamEnded || closeNotifyReceived) {
            defer(EVENT_INPUT);
        }
        updateTransportReading();
    }

    @Override
    public boolean isReadSuspended() {
        return readSuspended;
    }

    @Override
    public void shutdownOutput() {
        if (closed || shutdownRequested) {
            return;
        }
        shutdownRequested = true;
        if (!handshakeDone) {
            return; // sent once the handshake is done
        }
        handlerCalls++;
        try {
            if (encrypt()) {
                transport.flush();
            }
        } finally {
            handlerCalls--;
        }
    }

    @Override
    public void close() {
        closedByUser = true;
        if (closed) {
            return;
        }
        // Unflushed writes are dropped, as on any connection; the peer gets close_notify.
        plaintext.releaseFirst(plaintext.size());
        if (handshakeDone && !engine.isOutboundDone()) {
            handlerCalls++;
            try {
                outboundClosed = true;
                engine.closeOutbound();
                encrypt();
                if (!closed) {
                    transport.flush();
                }
            } finally {
                handlerCalls--;
            }
        }
        closed = true;
        if (transport != null) {
            transport.close();
        }
        releaseAll();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public ConnectionHandler handler() {
        return handler;
    }

    @Override
    public void handler(ConnectionHandler handler) {
        this.handler = handler;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    @Override
    public byte[] remoteAddressText() {
        return transport.remoteAddressText();
    }

    /** The TLS session: protocol, cipher suite, the peer's certificates once the handshake is done. */
    public SSLSession session() {
        return engine.getSession();
    }

    public boolean isHandshakeDone() {
        return handshakeDone;
    }

    /** Whether the peer ended its side with close_notify (rather than just closing the TCP connection). */
    public boolean closeNotifyReceived() {
        return closeNotifyReceived;
    }

    /** The transport's connection underneath. */
    public Connection transport() {
        return transport;
    }

    @Override
    public String toString() {
        return "TLS " + transport;
    }
}
