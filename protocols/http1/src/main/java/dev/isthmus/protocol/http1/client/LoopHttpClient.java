package dev.isthmus.protocol.http1.client;

import java.util.Objects;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.UpstreamPool;

/**
 * An HTTP/1.1 client of one event loop, for other protocols that forward to HTTP origins. A
 * request goes to a peer of an {@link UpstreamGroup} picked the way the proxy picks: the loop's
 * {@link dev.isthmus.core.upstream.balance.BackendSelection} of the group, usable peers only,
 * the next peer (up to the group's retries) when connecting fails, and the group's passive
 * health told of every outcome. Connections are kept alive in this client's own
 * {@link UpstreamPool}, within each peer's pool settings.
 *
 * <p>Bodies may be framed by Content-Length, chunked or the end of the connection; interim 1xx
 * responses are skipped; a connection is reused only after a complete keep-alive response. A
 * pooled connection the origin had closed just before it was reused (it ends before any
 * response byte) is replaced by a fresh one, once, for idempotent methods.
 *
 * <p>Not thread-safe: create it for its loop and call it on that loop's thread only; every
 * callback comes there as well. {@link #drain()} closes its connections for a graceful
 * shutdown; the loop's end closes whatever is left.
 */
public final class LoopHttpClient {
    final EventLoop loop;
    final HttpClientSettings settings;
    final UpstreamPool pool;

    public LoopHttpClient(EventLoop loop, HttpClientSettings settings) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.pool = new UpstreamPool(loop.timers());
    }

    /**
     * Sends {@code request} to a peer of {@code group}; {@code handler} hears the outcome later,
     * never from within this call. The group must have been made for at least as many loops as
     * this loop's index.
     */
    public void send(UpstreamGroup group, HttpRequest request, HttpResponseHandler handler) {
        if (!loop.inLoop()) {
            throw new IllegalStateException("the client of " + loop + " is used from another thread");
        }
        ClientExchange exchange = new ClientExchange(this, group, request, handler);
        // Started as a task: an outcome known at once (no usable peer) must not reach the handler inside send.
        loop.execute(exchange::start);
    }

    /**
     * Shutdown: closes the idle connections now, and every other one once its exchange is over,
     * so the loop's connections run out as the server's drain expects.
     */
    public void drain() {
        pool.drain();
    }

    /** Idle keep-alive connections to {@code peer} in this client's pool. */
    public int idleConnections(Peer peer) {
        return pool.idleCount(peer);
    }
}
