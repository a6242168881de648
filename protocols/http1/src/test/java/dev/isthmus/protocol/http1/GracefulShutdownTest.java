package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shutdown with requests in flight: within the grace period they complete (with
 * Connection: close), idle keep-alive connections close at once, and new connections are
 * refused; past the grace period the remaining connections are cut. The origin holds the
 * in-flight requests on a gate, so "in flight" does not depend on timing.
 */
class GracefulShutdownTest {
    private static final int IN_FLIGHT = 4;

    private TestOrigin origin;
    private TestProxy proxy;
    private final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        origin = new TestOrigin();
        proxy = TestProxy.start(TestProxy.SHORT, 1, origin.address());
    }

    @AfterEach
    void stop() throws IOException {
        origin.gate.countDown();
        for (RawClient client : clients) {
            client.close();
        }
        proxy.close();
        origin.close();
    }

    @Test
    void inFlightRequestsCompleteWithinTheGrace() throws Exception {
        RawClient idle = client();
        assertEquals("HTTP/1.1 200 OK", idle.get("/warm").statusLine());
        sendGatedRequests();

        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(
                () -> proxy.server.shutdown(Duration.ofSeconds(5)), r -> Thread.ofVirtual().start(r));

        assertTrue(idle.endsWithoutData(), "an idle keep-alive connection was not closed");
        // The listener closed before the idle connections were drained.
        assertThrows(ConnectException.class, () -> new Socket(proxy.address().getAddress(), proxy.address().getPort()).close(),
                "a new connection was accepted during shutdown");
        assertFalse(shutdown.isDone(), "shutdown ended with requests in flight");

        origin.gate.countDown();
        for (int i = 0; i < IN_FLIGHT; i++) {
            RawClient client = clients.get(i + 1);
            RawClient.Response response = client.readOrNull();
            assertNotNull(response, "in-flight request " + i + " was cut");
            assertEquals("HTTP/1.1 200 OK", response.statusLine());
            assertEquals("gate\n", response.text());
            assertEquals("close", response.field("connection"));
            assertTrue(client.endsWithoutData());
        }
        shutdown.get(5, TimeUnit.SECONDS);
    }

    @Test
    void shutdownEndsAtTheGraceAndCutsWhatIsStillInFlight() throws Exception {
        sendGatedRequests();
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(
                () -> proxy.server.shutdown(Duration.ofMillis(300)), r -> Thread.ofVirtual().start(r));
        shutdown.get(5, TimeUnit.SECONDS);
        for (RawClient client : clients) {
            assertNull(client.readOrNull(), "a request still held upstream got a response after the grace");
        }
        assertThrows(ConnectException.class, () -> new Socket(proxy.address().getAddress(), proxy.address().getPort()).close());
    }

    private RawClient client() throws IOException {
        RawClient client = proxy.raw();
        clients.add(client);
        return client;
    }

    private void sendGatedRequests() throws IOException {
        for (int i = 0; i < IN_FLIGHT; i++) {
            client().send("GET /gate HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        TestProxy.await("the origin holds every request",
                () -> origin.requests.stream().filter(r -> r.target().equals("/gate")).count() == IN_FLIGHT);
    }
}
