package dev.isthmus.protocol.http1;

import java.io.IOException;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.protocol.http1.codec.RequestHead;

/**
 * A client connection of the HTTP proxy: it collects bytes until a request head is complete,
 * hands the request to an {@link Exchange}, and goes back to waiting when the exchange is
 * done. Requests are served one at a time in arrival order, so pipelined responses come back
 * in order by construction.
 *
 * <p>Input not yet consumed lives in one chunk; when a second read does not fit, it is held
 * and reading stops until the exchange consumes input (back-pressure without dropping
 * anything). Clients that do not pipeline never trigger that, so the common path costs no
 * change of interest set.
 *
 * <p>Its timer is, in turn: the keep-alive idle timeout, the header-read timeout (from the
 * first byte of a head, 408), and the lingering-close timeout after an error response.
 */
final class ClientConnection extends Timer implements ConnectionHandler {
    private static final int TIMER_IDLE = 1;
    private static final int TIMER_HEAD = 2;
    private static final int TIMER_LINGER = 3;

    final HttpLoop http;
    final Connection connection;
    ClientConnection next;
    ClientConnection previous;

    Chunk input;
    private Chunk held;
    Exchange exchange;
    private Exchange parsing;
    private int timerMode;
    private boolean parsingRequests;
    private boolean lingering;
    private boolean closed;
    boolean ended;
    boolean drainRequested;

    ClientConnection(HttpLoop http, Connection connection) {
        this.http = http;
        this.connection = connection;
    }

    void awaitRequest() {
        timerMode = TIMER_IDLE;
        http.loop.timers().schedule(this, http.loop.now() + http.service.settings.clientIdle().toNanos());
    }

    @Override
    public void onRead(Connection c, Chunk data) {
        if (closed || lingering) {
            data.release();
            return;
        }
        if (!append(data)) {
            held = data;
            connection.suspendRead();
        }
        if (exchange != null) {
            exchange.clientInput();
        } else {
            parseRequests();
        }
    }

    /** Adds {@code data} to the unconsumed input; false when it does not fit. */
    private boolean append(Chunk data) {
        if (held != null) {
            return false;
        }
        if (input == null) {
            input = data;
            return true;
        }
        int incoming = data.readable();
        int end = input.end();
        if (input.capacity() - end >= incoming) {
            input.view().putBytes(end, data.view(), data.start(), incoming);
            input.window(input.start(), end + incoming);
            data.release();
            return true;
        }
        int have = input.readable();
        if (have + incoming > http.loop.chunks().chunkBytes()) {
            return false;
        }
        Chunk larger = http.chunkFor(have + incoming);
        if (larger == null) {
            return false;
        }
        larger.view().putBytes(0, input.view(), input.start(), have);
        larger.view().putBytes(have, data.view(), data.start(), incoming);
        larger.window(0, have + incoming);
        input.release();
        data.release();
        input = larger;
        return true;
    }

    /** Drops the first {@code bytes} of the input (they were forwarded or discarded). */
    void consume(int bytes) {
        if (bytes == 0) {
            return;
        }
        int start = input.start() + bytes;
        if (start == input.end()) {
            input.release();
            input = null;
            if (held != null) {
                input = held;
                held = null;
                connection.resumeRead();
            }
        } else {
            input.window(start, input.end());
        }
    }

    /** Parses and starts requests while no exchange is running; pipelined ones follow each other here. */
    void parseRequests() {
        if (parsingRequests) {
            return;
        }
        parsingRequests = true;
        try {
            while (exchange == null && input != null && !closed && !lingering) {
                if (timerMode != TIMER_HEAD) {
                    timerMode = TIMER_HEAD;
                    http.loop.timers().schedule(this, http.loop.now() + http.service.settings.headerRead().toNanos());
                }
                if (parsing == null) {
                    parsing = http.exchange();
                    parsing.request.reset();
                }
                RequestHead request = parsing.request;
                int result = request.parse(input.view(), input.start(), input.readable(), http.service.settings.headLimits());
                if (result == 0) {
                    if (held != null ? mergeHeld() : input.end() == input.capacity()
                            && input.capacity() < http.loop.chunks().chunkBytes() && moveToLargeChunk()) {
                        continue;
                    }
                    return;
                }
                if (result < 0) {
                    reject(-result);
                    return;
                }
                http.loop.timers().cancel(this);
                timerMode = 0;
                Exchange started = parsing;
                parsing = null;
                exchange = started;
                started.begin(this, result);
            }
        } finally {
            parsingRequests = false;
        }
    }

    private boolean moveToLargeChunk() {
        Chunk larger = http.loop.chunks().acquire();
        if (larger == null) {
            return false;
        }
        int have = input.readable();
        larger.view().putBytes(0, input.view(), input.start(), have);
        larger.window(0, have);
        input.release();
        input = larger;
        return true;
    }

    /**
     * A head begins at the end of the input and goes on in the held chunk (which did not fit
     * behind it): gathers the input and as much of the held chunk as fits into one large chunk.
     *
     * @return false when nothing could be gathered (no memory, or the input fills a chunk already)
     */
    private boolean mergeHeld() {
        int have = input.readable();
        int take = Math.min(http.loop.chunks().chunkBytes() - have, held.readable());
        if (take <= 0) {
            return false;
        }
        Chunk larger = http.loop.chunks().acquire();
        if (larger == null) {
            return false;
        }
        larger.view().putBytes(0, input.view(), input.start(), have);
        larger.view().putBytes(have, held.view(), held.start(), take);
        larger.window(0, have + take);
        input.release();
        input = larger;
        if (take == held.readable()) {
            held.release();
            held = null;
            connection.resumeRead();
        } else {
            held.window(held.start() + take, held.end());
        }
        return true;
    }

    /** Answers a request the proxy refuses before any exchange (malformed, too large, too slow) and closes. */
    private void reject(int status) {
        http.service.metrics.badRequests.increment(http.shard);
        http.service.metrics.response(http.shard, status);
        if (http.failures.allow(http.loop.now())) {
            http.failures.log(System.Logger.Level.INFO, "client " + connection.remoteAddress() + ": " + status + " "
                    + StatusText.reason(status) + (status == 408 ? " (request head too slow)" : " (refused request head)"));
        }
        sendGenerated(status, true);
        closeGracefully();
    }

    /** Writes a small generated response (the proxy's own error answers). */
    void sendGenerated(int status, boolean close) {
        Chunk out = http.loop.smallChunks().acquire();
        if (out == null) {
            out = http.loop.chunks().acquire();
        }
        if (out == null) {
            return;
        }
        byte[] body = (status + " " + StatusText.reason(status) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int length = http.heads.generated(status, "text/plain", body, NO_HEADERS, close, out);
        out.view().putBytes(length, body);
        out.window(0, length + body.length);
        connection.write(out);
        connection.flush();
    }

    private static final String[] NO_HEADERS = {};

    /** The running exchange finished; serve the next request or close. */
    void exchangeDone(boolean close) {
        exchange = null;
        if (closed) {
            return;
        }
        if (close || drainRequested || ended) {
            closeGracefully();
            return;
        }
        if (held == null) {
            // The exchange may have stopped reading to hold back a request body its upstream
            // did not take (and then got its answer without needing the rest): the next request
            // must be read all the same.
            connection.resumeRead();
        }
        awaitRequest();
        if (input != null) {
            parseRequests();
        }
    }

    /**
     * Sends FIN after what is queued and keeps reading (and dropping) what the client still
     * sends for a while, so the client reads our last response before the socket closes;
     * closing with unread input would reset the connection and could destroy that response.
     */
    void closeGracefully() {
        if (closed || lingering) {
            return;
        }
        lingering = true;
        releaseInput();
        connection.shutdownOutput();
        connection.resumeRead();
        timerMode = TIMER_LINGER;
        http.loop.timers().schedule(this, http.loop.now() + http.service.settings.linger().toNanos());
        if (ended) {
            close();
        }
    }

    @Override
    public void onReadEnd(Connection c) {
        ended = true;
        if (lingering || exchange == null) {
            close();
        } else {
            exchange.clientEnded();
        }
    }

    @Override
    public void onWritable(Connection c) {
        if (exchange != null) {
            exchange.clientWritable();
        }
    }

    @Override
    public void onError(Connection c, IOException cause) {
        Exchange running = exchange;
        close();
        if (running != null) {
            running.clientFailed(cause);
        }
    }

    @Override
    protected void onTimeout(long nowNanos) {
        switch (timerMode) {
            case TIMER_HEAD -> reject(408);
            case TIMER_IDLE, TIMER_LINGER -> close();
            default -> {
            }
        }
    }

    /** Graceful shutdown: idle connections close now, busy ones after their response. */
    void drain() {
        drainRequested = true;
        if (exchange == null) {
            close();
        }
    }

    boolean isClosed() {
        return closed;
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        http.loop.timers().cancel(this);
        releaseInput();
        if (parsing != null) {
            http.recycle(parsing);
            parsing = null;
        }
        connection.close();
        http.clientClosed(this);
    }

    private void releaseInput() {
        if (input != null) {
            input.release();
            input = null;
        }
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
