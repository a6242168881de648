package dev.isthmus.core.upstream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.isthmus.core.timer.TimerWheel;

/**
 * One event loop's keep-alive pool of upstream connections, per peer: idle connections in a
 * last-in first-out list (the warmest socket is reused first, the coldest times out), a count
 * of open connections against the per-peer limit, and a first-come queue of requests waiting
 * for a connection when the limit is reached.
 *
 * <p>An idle connection stays registered for reading with a handler that closes and
 * {@link #removeIdle removes} it when the upstream closes it or sends anything, so a dead
 * connection is found before it is reused.
 *
 * <p>Not thread-safe: a pool belongs to its loop.
 */
public final class UpstreamPool {
    private final TimerWheel timers;
    private final Map<Peer, PeerSlots> peers = new IdentityHashMap<>();
    private boolean draining;

    public UpstreamPool(TimerWheel timers) {
        this.timers = timers;
    }

    private PeerSlots slots(Peer peer, PoolSettings settings) {
        PeerSlots slots = peers.get(peer);
        if (slots == null) {
            slots = new PeerSlots(settings);
            peers.put(peer, slots);
        }
        return slots;
    }

    /** The most recently used idle connection to {@code peer}, taken out of the pool, or null. */
    public PooledConnection takeIdle(Peer peer, PoolSettings settings) {
        PeerSlots slots = slots(peer, settings);
        PooledConnection connection = slots.idleHead;
        if (connection != null) {
            unlinkIdle(slots, connection);
        }
        return connection;
    }

    /**
     * Claims a slot for a new connection to {@code peer}; false when the peer is at its limit
     * (then {@link #await} the next one).
     */
    public boolean tryOpen(Peer peer, PoolSettings settings) {
        PeerSlots slots = slots(peer, settings);
        if (slots.settings.maxConnsPerPeer() > 0 && slots.open >= slots.settings.maxConnsPerPeer()) {
            return false;
        }
        slots.open++;
        return true;
    }

    /** Queues {@code waiter} until a connection or slot for {@code peer} frees up. */
    public void await(Peer peer, PoolSettings settings, PoolWaiter waiter) {
        slots(peer, settings).waiters.add(waiter);
    }

    /** Withdraws a waiter (it timed out or its client left); true if it was still waiting. */
    public boolean cancelWait(Peer peer, PoolWaiter waiter) {
        PeerSlots slots = peers.get(peer);
        return slots != null && slots.waiters.remove(waiter);
    }

    /** A connection from {@link #tryOpen} was opened; binds it to this pool. */
    public void bind(PooledConnection connection) {
        connection.pool = this;
    }

    /**
     * Gives a healthy connection back after an exchange. It goes to the first waiter, or into
     * the idle list; false when neither wants it (idle list full, draining) and the caller
     * must close it and call {@link #closed}.
     */
    public boolean release(PooledConnection connection, long nowNanos) {
        PeerSlots slots = peers.get(connection.peer);
        PoolWaiter waiter = slots.waiters.poll();
        if (waiter != null) {
            waiter.connectionAvailable(connection);
            return true;
        }
        if (draining || slots.idleCount >= slots.settings.maxIdlePerPeer()) {
            return false;
        }
        connection.idle = true;
        connection.previousIdle = null;
        connection.nextIdle = slots.idleHead;
        if (slots.idleHead != null) {
            slots.idleHead.previousIdle = connection;
        }
        slots.idleHead = connection;
        slots.idleCount++;
        timers.schedule(connection, nowNanos + slots.settings.idleTimeout().toNanos());
        return true;
    }

    /** An idle connection died (closed by the upstream, unexpected bytes); takes it out of the list. */
    public void removeIdle(PooledConnection connection) {
        PeerSlots slots = peers.get(connection.peer);
        if (slots != null && connection.idle) {
            unlinkIdle(slots, connection);
        }
    }

    /** A connection counted by {@link #tryOpen} is gone; a waiter may open a new one. */
    public void closed(PooledConnection connection) {
        closedSlot(connection.peer);
    }

    /** A slot claimed by {@link #tryOpen} is free again (the connection closed or never opened). */
    public void closedSlot(Peer peer) {
        PeerSlots slots = peers.get(peer);
        if (slots == null) {
            return;
        }
        slots.open--;
        PoolWaiter waiter = slots.waiters.poll();
        if (waiter != null) {
            slots.open++;
            waiter.slotAvailable();
        }
    }

    private void unlinkIdle(PeerSlots slots, PooledConnection connection) {
        if (connection.previousIdle != null) {
            connection.previousIdle.nextIdle = connection.nextIdle;
        } else {
            slots.idleHead = connection.nextIdle;
        }
        if (connection.nextIdle != null) {
            connection.nextIdle.previousIdle = connection.previousIdle;
        }
        connection.nextIdle = null;
        connection.previousIdle = null;
        connection.idle = false;
        slots.idleCount--;
        timers.cancel(connection);
    }

    /** Shutdown: closes every idle connection and keeps no more. */
    public void drain() {
        draining = true;
        List<PooledConnection> idle = new ArrayList<>();
        for (PeerSlots slots : peers.values()) {
            for (PooledConnection c = slots.idleHead; c != null; c = c.nextIdle) {
                idle.add(c);
            }
        }
        for (PooledConnection connection : idle) {
            removeIdle(connection);
            connection.connection().close();
            closed(connection);
        }
    }

    /** Idle connections to {@code peer} on this loop. */
    public int idleCount(Peer peer) {
        PeerSlots slots = peers.get(peer);
        return slots == null ? 0 : slots.idleCount;
    }

    private static final class PeerSlots {
        final PoolSettings settings;
        final ArrayDeque<PoolWaiter> waiters = new ArrayDeque<>();
        PooledConnection idleHead;
        int idleCount;
        int open;

        PeerSlots(PoolSettings settings) {
            this.settings = settings;
        }
    }
}
