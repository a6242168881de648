package dev.isthmus.protocol.mqtt;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.upstream.balance.BackendSelection;

/** The MQTT proxy on one event loop: its client connections and its balancer state. Loop thread only. */
final class ProxyLoop<C> implements LoopService {
    private static final System.Logger LOG = System.getLogger(MqttProxyService.class.getName());

    final MqttProxyService<C> service;
    final EventLoop loop;
    final int shard;
    final BackendSelection selection;
    /** Refusals and failures, at most 10 lines a second per loop. */
    final RateLimitedLog log = new RateLimitedLog(LOG, 10);
    private final Set<ProxyConnection<C>> connections = new HashSet<>();
    private boolean draining;

    ProxyLoop(MqttProxyService<C> service, EventLoop loop) {
        this.service = service;
        this.loop = loop;
        this.shard = loop.index();
        this.selection = service.group.selection(loop.index());
    }

    @Override
    public ConnectionHandler accepted(Connection connection) {
        if (draining) {
            return null;
        }
        ProxyConnection<C> client = new ProxyConnection<>(this, connection);
        connections.add(client);
        service.metrics.acceptedConnections.increment(shard);
        service.metrics.activeConnections.increment(shard);
        return client;
    }

    void closed(ProxyConnection<C> client) {
        if (connections.remove(client)) {
            service.metrics.activeConnections.decrement(shard);
        }
    }

    /**
     * Graceful shutdown: MQTT has nothing in flight to finish, so every client goes now (a v5
     * client in inspection mode is told DISCONNECT 0x8B Server shutting down first); the broker
     * sees its connection end and publishes the client's will, as for any lost connection.
     */
    @Override
    public void drain() {
        draining = true;
        for (ProxyConnection<C> client : List.copyOf(connections)) {
            client.serverShutdown();
        }
    }

    @Override
    public void close() {
        for (ProxyConnection<C> client : List.copyOf(connections)) {
            client.abort();
        }
    }

    /** Logs a line; callers have asked {@code log.allow} first. */
    void info(String message) {
        log.log(System.Logger.Level.INFO, message);
    }
}
