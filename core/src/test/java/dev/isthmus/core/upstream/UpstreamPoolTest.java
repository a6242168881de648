package dev.isthmus.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.TimerWheel;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;

/** The per-loop keep-alive pool: LIFO reuse, limits with a waiting queue, idle timeout, drain. */
class UpstreamPoolTest {
    private static final long TICK = 1_000_000;
    private static final PoolSettings SETTINGS = new PoolSettings(2, Duration.ofSeconds(1), 3);

    private final TimerWheel timers = new TimerWheel(TICK, 64, 0);
    private final UpstreamPool pool = new UpstreamPool(timers);
    private final Peer peer = new Peer(0, "127.0.0.1", 9, 1, SETTINGS);

    /** Just enough of a connection to see whether the pool closed it. */
    private static final class FakeConnection implements Connection {
        boolean closed;

        @Override public EventLoop loop() { return null; }
        @Override public ConnectionHandler handler() { return null; }
        @Override public void handler(ConnectionHandler handler) { }
        @Override public InetSocketAddress remoteAddress() { return null; }
        @Override public InetSocketAddress localAddress() { return null; }
        @Override public byte[] remoteAddressText() { return new byte[0]; }
        @Override public void write(Chunk chunk) { }
        @Override public boolean flush() { return true; }
        @Override public boolean hasPendingWrites() { return false; }
        @Override public void suspendRead() { }
        @Override public void resumeRead() { }
        @Override public boolean isReadSuspended() { return false; }
        @Override public void shutdownOutput() { }
        @Override public void close() { closed = true; }
        @Override public boolean isOpen() { return !closed; }
    }

    private final class Pooled extends PooledConnection {
        final FakeConnection connection = new FakeConnection();

        Pooled(Peer target) {
            super(target);
        }

        @Override
        public Connection connection() {
            return connection;
        }
    }

    private final class Waiter implements PoolWaiter {
        final List<Object> told = new ArrayList<>();

        @Override
        public void connectionAvailable(PooledConnection connection) {
            told.add(connection);
        }

        @Override
        public void slotAvailable() {
            told.add("slot");
        }
    }

    private Pooled open() {
        assertTrue(pool.tryOpen(peer, SETTINGS));
        Pooled connection = new Pooled(peer);
        pool.bind(connection);
        return connection;
    }

    @Test
    void idleConnectionsAreReusedMostRecentFirst() {
        Pooled first = open();
        Pooled second = open();
        assertTrue(pool.release(first, 0));
        assertTrue(pool.release(second, 0));
        assertEquals(2, pool.idleCount(peer));
        assertSame(second, pool.takeIdle(peer, SETTINGS));
        assertSame(first, pool.takeIdle(peer, SETTINGS));
        assertNull(pool.takeIdle(peer, SETTINGS));
    }

    @Test
    void theIdleListHoldsAtMostMaxIdle() {
        Pooled a = open();
        Pooled b = open();
        Pooled c = open();
        assertTrue(pool.release(a, 0));
        assertTrue(pool.release(b, 0));
        assertFalse(pool.release(c, 0), "a third idle connection is over max-idle-per-peer");
    }

    @Test
    void atTheLimitRequestsWaitAndAreHandedReleasedConnectionsInOrder() {
        Pooled a = open();
        open();
        open();
        assertFalse(pool.tryOpen(peer, SETTINGS), "max-connections-per-peer reached");
        Waiter first = new Waiter();
        Waiter second = new Waiter();
        pool.await(peer, SETTINGS, first);
        pool.await(peer, SETTINGS, second);
        assertTrue(pool.release(a, 0));
        assertEquals(List.of(a), first.told, "a released connection goes straight to the first waiter");
        assertEquals(0, pool.idleCount(peer));
        pool.closed(a);
        assertEquals(List.of("slot"), second.told, "a closed connection frees a slot for the next waiter");
        assertFalse(pool.tryOpen(peer, SETTINGS), "the slot was handed to the waiter, not freed");
    }

    @Test
    void aWithdrawnWaiterIsNotTold() {
        open();
        open();
        Pooled c = open();
        Waiter waiter = new Waiter();
        pool.await(peer, SETTINGS, waiter);
        assertTrue(pool.cancelWait(peer, waiter));
        pool.closed(c);
        assertTrue(waiter.told.isEmpty());
        assertTrue(pool.tryOpen(peer, SETTINGS));
    }

    @Test
    void idleTimeoutClosesAndFreesTheSlot() {
        Pooled a = open();
        assertTrue(pool.release(a, 0));
        timers.expire(Duration.ofMillis(999).toNanos());
        assertFalse(a.connection.closed);
        timers.expire(Duration.ofMillis(1002).toNanos());
        assertTrue(a.connection.closed);
        assertEquals(0, pool.idleCount(peer));
        open();
        open();
        open();
    }

    @Test
    void aDeadIdleConnectionLeavesTheListAndItsTimer() {
        Pooled a = open();
        assertTrue(pool.release(a, 0));
        pool.removeIdle(a);
        pool.closed(a);
        assertNull(pool.takeIdle(peer, SETTINGS));
        assertEquals(0, timers.scheduled());
    }

    @Test
    void drainClosesIdleConnectionsAndKeepsNoMore() {
        Pooled a = open();
        Pooled b = open();
        assertTrue(pool.release(a, 0));
        pool.drain();
        assertTrue(a.connection.closed);
        assertFalse(pool.release(b, 0), "nothing is pooled while draining");
    }
}
