package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;

/**
 * A connect bound to a local address: the listener sees that source address (loopback accepts
 * all of 127/8, so 127.0.0.2 and 127.0.0.3 connect to a listener on 127.0.0.1), and a local
 * address that cannot be bound fails the connect through the handler. Both transports.
 */
class LocalAddressTest {
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private EventLoop loop;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (loop != null) {
            loop.stop();
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(0, loop.uncaughtErrors(), "no handler or completion may fail unexpectedly");
        }
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    private void start(String io) throws IOException {
        loop = new EventLoop(0, UringTransport.select(io), LoopSettings.DEFAULT);
        loop.start();
    }

    private ServerSocket listener() throws IOException {
        ServerSocket server = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
        resources.add(server);
        return server;
    }

    private Outcome connect(ServerSocket server, InetSocketAddress local) throws Exception {
        Outcome outcome = new Outcome();
        InetSocketAddress target = (InetSocketAddress) server.getLocalSocketAddress();
        outcome.connection = loop.submit(() -> loop.io().connect(target, local, LIMIT_NANOS, outcome)).get();
        return outcome;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void theListenerSeesTheBoundSourceAddress(String io) throws Exception {
        start(io);
        ServerSocket server = listener();
        for (String source : List.of("127.0.0.2", "127.0.0.3")) {
            Outcome outcome = connect(server, new InetSocketAddress(InetAddress.getByName(source), 0));
            Socket accepted = server.accept();
            resources.add(accepted);
            Connection connection = outcome.connected.get(10, TimeUnit.SECONDS);
            assertEquals(source, accepted.getInetAddress().getHostAddress(), "the peer's view of the source");
            InetSocketAddress local = loop.submit(connection::localAddress).get();
            assertEquals(source, local.getAddress().getHostAddress(), "the connection's own view");
            assertEquals(accepted.getPort(), local.getPort());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void withoutALocalAddressTheKernelPicks(String io) throws Exception {
        start(io);
        ServerSocket server = listener();
        Outcome outcome = connect(server, null);
        Socket accepted = server.accept();
        resources.add(accepted);
        outcome.connected.get(10, TimeUnit.SECONDS);
        assertEquals("127.0.0.1", accepted.getInetAddress().getHostAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void anAddressThisHostDoesNotHaveFailsTheConnect(String io) throws Exception {
        start(io);
        ServerSocket server = listener();
        // 192.0.2.0/24 is TEST-NET-1: no interface here has it, so bind(2) says EADDRNOTAVAIL.
        Outcome outcome = connect(server, new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 0));
        Throwable failure = outcome.failed.get(10, TimeUnit.SECONDS);
        assertTrue(failure.getMessage().contains("bind to 192.0.2.1"), failure.getMessage());
        assertFalse(outcome.connected.isDone());
        assertFalse(outcome.connection.isOpen());
        assertEquals(0, (int) loop.submit(() -> loop.io().connectionCount()).get());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void anAddressOfTheOtherFamilyFailsTheConnect(String io) throws Exception {
        start(io);
        ServerSocket server = listener();
        Outcome outcome = connect(server, new InetSocketAddress(InetAddress.getByName("::1"), 0));
        Throwable failure = outcome.failed.get(10, TimeUnit.SECONDS);
        assertTrue(failure.getMessage().contains("not of the peer's address family"), failure.getMessage());
        assertEquals(0, (int) loop.submit(() -> loop.io().connectionCount()).get());
    }

    private static final class Outcome implements ConnectionHandler {
        final CompletableFuture<Connection> connected = new CompletableFuture<>();
        final CompletableFuture<Throwable> failed = new CompletableFuture<>();
        volatile Connection connection;

        @Override
        public void onConnected(Connection c) {
            connected.complete(c);
        }

        @Override
        public void onConnectFailed(Connection c, IOException cause) {
            failed.complete(cause);
        }

        @Override
        public void onRead(Connection c, Chunk data) {
            data.release();
        }

        @Override
        public void onReadEnd(Connection c) {
            c.close();
        }

        @Override
        public void onError(Connection c, IOException cause) {
            failed.complete(cause);
        }
    }
}
