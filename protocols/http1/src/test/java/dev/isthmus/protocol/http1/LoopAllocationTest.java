package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.health.PassiveCheck;

/**
 * Holds the engine's promise that steady-state proxying allocates (almost) nothing on the
 * heap: the bytes the event-loop thread allocates per proxied keep-alive request, counted by
 * the JVM ({@code com.sun.management.ThreadMXBean}), stay under a small bound. The client and
 * the origin run on other threads and are not counted.
 */
class LoopAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 10_000;
    /** Bytes per request the loop may allocate: less than the smallest object, so any per-request allocation fails. */
    private static final double BOUND = 8;

    @Test
    void proxyingKeepAliveRequestsAllocatesAlmostNothingOnTheLoopThread() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.routing(HttpProxySettings.DEFAULT, 1, TestProxy.group(
                     BalanceAlgorithm.WEIGHTED_ROUND_ROBIN, null, null, PassiveCheck.DEFAULT, 1, PoolSettings.DEFAULT,
                     null, origin.address()));
             RawClient client = proxy.raw()) {
            String request = "GET /plain HTTP/1.1\r\nHost: test\r\nUser-Agent: allocation-test\r\n\r\n";
            roundTrips(client, request, WARM_UP);
            EventLoop loop = proxy.server.loops().get(0);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getThreadAllocatedBytes(loop.thread().threadId());
            roundTrips(client, request, MEASURED);
            long after = threads.getThreadAllocatedBytes(loop.thread().threadId());
            double perRequest = (after - before) / (double) MEASURED;
            assertTrue(perRequest < BOUND, "the loop thread allocated " + perRequest + " bytes per request");
            assertEquals(1, origin.connections(), "all requests on one pooled upstream connection");
        }
    }

    /** Sends {@code count} requests one after the other and reads each response ("ok\n"). */
    private static void roundTrips(RawClient client, String request, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            assertEquals("ok\n", client.send(request).read("GET").text());
        }
    }
}
