package dev.isthmus.core.upstream;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One backend server of an upstream group: where it is, how much traffic it should get, and
 * whether it may get any right now.
 *
 * <p>A peer is shared by every event loop. Its configuration is immutable; its health is two
 * volatile fields written by health checkers (active probes, passive ejection) and read on
 * every pick without locks. A peer is usable when the active check has not marked it down and
 * no passive ejection is running.
 *
 * <p>{@link #index()} is the peer's dense position in its group (0..n-1), so per-loop state
 * (pool slots, least-connection counters) can live in plain arrays.
 */
public final class Peer {
    /**
     * {@code ejectedUntilNanos} of a peer never ejected. Deadlines are compared by wrap-around
     * subtraction, so no deadline value is in the past for every clock reading: "never" has to
     * be a sentinel that {@link #isEjected(long)} tests for.
     */
    private static final long NEVER_EJECTED = Long.MIN_VALUE;

    private final int index;
    private final String host;
    private final int port;
    private final int weight;
    private final InetSocketAddress address;
    private final String name;
    private final PoolSettings poolSettings;

    private volatile boolean activeHealthy = true;
    private volatile long ejectedUntilNanos = NEVER_EJECTED;

    /**
     * @param index  position in the group, 0-based, dense
     * @param host   host name or address literal as configured (used for hashing, as nginx does)
     * @param port   TCP port
     * @param weight relative share of traffic, at least 1
     */
    public Peer(int index, String host, int port, int weight) {
        this(index, host, port, weight, PoolSettings.DEFAULT);
    }

    /**
     * @param poolSettings how connections to this peer are pooled on each loop
     */
    public Peer(int index, String host, int port, int weight, PoolSettings poolSettings) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0: " + index);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be >= 1: " + weight);
        }
        this.index = index;
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.weight = weight;
        this.address = new InetSocketAddress(host, port);
        this.name = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        this.poolSettings = Objects.requireNonNull(poolSettings, "poolSettings");
    }

    /** Keep-alive pooling of connections to this peer. */
    public PoolSettings poolSettings() {
        return poolSettings;
    }

    public int index() {
        return index;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int weight() {
        return weight;
    }

    /** The resolved socket address (resolved once, when the peer is created). */
    public InetSocketAddress address() {
        return address;
    }

    /** {@code host:port}, with brackets around IPv6 literals. */
    public String name() {
        return name;
    }

    /** True unless an active health check holds the peer down or a passive ejection runs. */
    public boolean isUsable(long nowNanos) {
        return activeHealthy && !isEjected(nowNanos);
    }

    public boolean isActiveHealthy() {
        return activeHealthy;
    }

    /** Set by the active health checker when the peer crosses its rise or fall threshold. */
    public void setActiveHealthy(boolean healthy) {
        this.activeHealthy = healthy;
    }

    /** Takes the peer out of rotation until {@code untilNanos} (System.nanoTime clock). */
    public void ejectUntil(long untilNanos) {
        // A deadline that happens to equal the sentinel moves by 1 ns rather than meaning "never".
        this.ejectedUntilNanos = untilNanos == NEVER_EJECTED ? untilNanos + 1 : untilNanos;
    }

    public boolean isEjected(long nowNanos) {
        long until = ejectedUntilNanos;
        return until != NEVER_EJECTED && nowNanos - until < 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
