package dev.isthmus.protocol.http1;

import java.util.ArrayDeque;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.upstream.UpstreamPool;

/**
 * The HTTP proxy's state on one event loop: its upstream pool, its recycled exchanges and
 * its client connections (kept in a list so a drain can reach the idle ones).
 */
final class HttpLoop implements LoopService {
    final HttpProxyService<?> service;
    final EventLoop loop;
    final int shard;
    final UpstreamPool pool;
    final HeadBuilder heads = new HeadBuilder();
    /** Failed exchanges and refused requests, at most 20 lines a second per loop. */
    final RateLimitedLog failures = new RateLimitedLog(System.getLogger("dev.isthmus.protocol.http1.HttpProxy"), 20);
    private final ArrayDeque<Exchange> freeExchanges = new ArrayDeque<>();
    private ClientConnection clients;
    boolean draining;

    HttpLoop(HttpProxyService<?> service, EventLoop loop) {
        this.service = service;
        this.loop = loop;
        this.shard = loop.index();
        this.pool = new UpstreamPool(loop.timers());
    }

    @Override
    public ConnectionHandler accepted(Connection connection) {
        if (draining) {
            return null;
        }
        ClientConnection client = new ClientConnection(this, connection);
        client.next = clients;
        if (clients != null) {
            clients.previous = client;
        }
        clients = client;
        service.metrics.acceptedConnections.increment(shard);
        service.metrics.activeConnections.increment(shard);
        client.awaitRequest();
        return client;
    }

    void clientClosed(ClientConnection client) {
        if (client.previous != null) {
            client.previous.next = client.next;
        } else if (clients == client) {
            clients = client.next;
        }
        if (client.next != null) {
            client.next.previous = client.previous;
        }
        client.next = null;
        client.previous = null;
        service.metrics.activeConnections.decrement(shard);
    }

    Exchange exchange() {
        Exchange exchange = freeExchanges.poll();
        return exchange != null ? exchange : new Exchange(this);
    }

    void recycle(Exchange exchange) {
        freeExchanges.push(exchange);
    }

    /** A chunk big enough for {@code bytes}, small when it fits; null when memory is exhausted. */
    Chunk chunkFor(int bytes) {
        Chunk chunk = bytes <= loop.smallChunks().chunkBytes() ? loop.smallChunks().acquire() : null;
        return chunk != null ? chunk : loop.chunks().acquire();
    }

    @Override
    public void drain() {
        draining = true;
        pool.drain();
        for (ClientConnection client = clients; client != null; ) {
            ClientConnection following = client.next;
            client.drain();
            client = following;
        }
    }
}
