package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;

import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.health.PassiveCheck;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Large response bodies of known length: on io_uring they move from upstream to client inside
 * the kernel (from the harness's 64 KiB threshold on), on NIO through chunks; either way the
 * client gets exactly the bytes, keep-alive goes on, and a body cut short by the upstream
 * cuts the client off rather than hanging or passing a short body for a whole one.
 */
class SpliceSemanticsTest {
    private static final String SPLICED = "isthmus_http_spliced_responses_total";
    private static final boolean SPLICING = TestProxy.TRANSPORT.name().equals("uring");

    private TestOrigin origin;
    private TestProxy proxy;

    @BeforeEach
    void start() throws IOException {
        origin = new TestOrigin();
        proxy = TestProxy.start(TestProxy.SHORT, 1, origin.address());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        origin.close();
    }

    @Test
    void largeBodiesArriveWholeAndTheConnectionStaysUsable() throws Exception {
        int[] sizes = {5_000_000, 1_000, 300_001, 2_000};
        try (RawClient client = proxy.raw()) {
            for (int size : sizes) {
                RawClient.Response response = client.get("/bytes/" + size);
                assertEquals(200, response.status());
                assertArrayEquals(TestOrigin.pattern(size), response.body(), "body of " + size);
            }
        }
        // What is left of 5,000,000 and 300,001 after the first read is over the threshold.
        assertEquals(SPLICING ? 2 : 0, proxy.metric(SPLICED));
        if (SPLICING) {
            assertTrue(proxy.metric("isthmus_http_spliced_bytes_total") > 5_000_000, "the spliced bytes are counted");
        }
    }

    @Test
    void manyClientsAtOnceGetTheirOwnBodies() throws Exception {
        Thread[] threads = new Thread[8];
        Throwable[] failures = new Throwable[threads.length];
        for (int i = 0; i < threads.length; i++) {
            int index = i;
            threads[i] = Thread.ofVirtual().start(() -> {
                int size = 200_000 + index * 77_777;
                try (RawClient client = proxy.raw()) {
                    for (int round = 0; round < 3; round++) {
                        RawClient.Response response = client.get("/bytes/" + size);
                        assertArrayEquals(TestOrigin.pattern(size), response.body(), "client " + index);
                    }
                } catch (Throwable t) {
                    failures[index] = t;
                }
            });
        }
        for (int i = 0; i < threads.length; i++) {
            threads[i].join();
            assertNull(failures[i], () -> String.valueOf(failures[0]));
        }
        if (SPLICING) {
            assertEquals(24, proxy.metric(SPLICED));
        }
    }

    @Test
    void anUpgradedConnectionIsSplicedBothWays() throws Exception {
        try (RawClient wire = proxy.raw()) {
            wire.send("GET /upgrade HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
            assertEquals(101, wire.read("GET").status());
            // Small exchanges one at a time: each waits for its echo, as interactive traffic does.
            for (int i = 0; i < 20; i++) {
                String message = "message " + i;
                wire.send(message);
                assertEquals(message, new String(wire.exactly(message.length()), StandardCharsets.ISO_8859_1));
            }
            byte[] large = TestOrigin.pattern(3 << 20);
            Thread.ofVirtual().start(() -> {
                try {
                    wire.send(large);
                } catch (IOException ignored) {
                    // the read side reports it
                }
            });
            assertArrayEquals(large, wire.exactly(large.length));
            wire.shutdownOutput();
            assertEquals(0, wire.rest().length, "the ends of stream are relayed");
        }
        if (SPLICING) {
            // Counted when each direction's splice ends: both echoed 3 MiB and more.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (proxy.metric("isthmus_http_spliced_bytes_total") < 2 * (3 << 20) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(proxy.metric("isthmus_http_spliced_bytes_total") >= 2 * (3 << 20));
        }
    }

    @Test
    void clientsLeavingInTheMiddleOfLargeBodiesDoNotCountAgainstTheUpstream() throws Exception {
        UpstreamGroup group = TestProxy.group(BalanceAlgorithm.ROUND_ROBIN, null, null,
                new PassiveCheck(2, Duration.ofSeconds(60)), 0, PoolSettings.DEFAULT, null, origin.address());
        try (TestProxy guarded = TestProxy.routing(TestProxy.SHORT, group)) {
            for (int i = 0; i < 4; i++) {
                try (RawClient client = guarded.raw()) {
                    client.send("GET /bytes/30000000 HTTP/1.1\r\nHost: test\r\n\r\n");
                    // Done sending: the proxy stops reading this client, so only writing to it
                    // can find out that it went away.
                    client.shutdownOutput();
                    client.exactly(100_000);
                    // Gone with most of the body still to come (a reset: unread bytes are discarded).
                    client.reset();
                }
            }
            assertFalse(group.peers().get(0).isEjected(System.nanoTime()), "the upstream did nothing wrong");
            try (RawClient client = guarded.raw()) {
                assertArrayEquals(TestOrigin.pattern(100_000), client.get("/bytes/100000").body());
            }
        }
    }

    @Test
    void aBodyCutShortByTheUpstreamCutsTheClientOff() throws Exception {
        try (RawClient client = proxy.raw()) {
            client.send("GET /short/2000000 HTTP/1.1\r\nHost: test\r\n\r\n");
            RawClient.Response response = client.readOrNull();
            // The head went out before the upstream failed: the client sees a truncated
            // message and the connection closed, never a complete-looking response.
            assertTrue(response == null || response.truncated(), "a short body must not look whole");
        }
        RawClient.Response next;
        try (RawClient client = proxy.raw()) {
            next = client.get("/bytes/100000");
        }
        assertArrayEquals(TestOrigin.pattern(100_000), next.body(), "the proxy goes on serving");
    }
}
