package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
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
 * The transport limits a connect by itself (io_uring: a LINK_TIMEOUT chained to the CONNECT;
 * NIO: a timer of the loop). Both transports.
 */
class ConnectTimeoutTest {
    private static final long LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

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

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void aConnectThatHangsFailsWithATimeoutAndFreesItsConnection(String io) throws Exception {
        start(io);
        InetSocketAddress hanging = blackhole();
        Outcome outcome = new Outcome();
        Connection connection = loop.submit(() -> loop.io().connect(hanging, LIMIT_NANOS, outcome)).get();

        Throwable failure = outcome.failed.get(10, TimeUnit.SECONDS);
        assertInstanceOf(SocketTimeoutException.class, failure);
        assertTrue(failure.getMessage().contains("timed out after 300 ms"), failure.getMessage());
        assertTrue(!connection.isOpen(), "a connect that timed out leaves a closed connection");
        assertEquals(0, (int) loop.submit(() -> loop.io().connectionCount()).get());
        assertTrue(!outcome.connected.isDone());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void aConnectThatSucceedsInTimeOutlivesItsLimit(String io) throws Exception {
        start(io);
        ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        resources.add(server);
        Outcome outcome = new Outcome();
        loop.submit(() -> loop.io().connect((InetSocketAddress) server.getLocalSocketAddress(), LIMIT_NANOS, outcome)).get();
        Socket accepted = server.accept();
        resources.add(accepted);
        Connection connection = outcome.connected.get(10, TimeUnit.SECONDS);

        // Well past the limit the connection still carries bytes both ways: the timeout went with the connect.
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(LIMIT_NANOS) * 3);
        accepted.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertEquals("ping", outcome.received.get(10, TimeUnit.SECONDS));
        loop.submit(() -> {
            Chunk pong = loop.smallChunks().acquire();
            pong.view().putStringWithoutLengthAscii(0, "pong");
            connection.write(pong.window(0, 4));
            return connection.flush();
        }).get();
        InputStream in = accepted.getInputStream();
        assertArrayEquals("pong".getBytes(StandardCharsets.US_ASCII), in.readNBytes(4));
        assertTrue(!outcome.failed.isDone(), "no failure after a connect that succeeded");
    }

    /**
     * An address where connecting hangs: a listener with an accept backlog of 1 whose queue is
     * filled with connections nobody accepts, so the kernel drops further SYNs.
     */
    private InetSocketAddress blackhole() throws IOException {
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(listener);
        for (int i = 0; i < 16; i++) {
            Socket socket = new Socket();
            resources.add(socket);
            try {
                socket.connect(listener.getLocalSocketAddress(), 200);
            } catch (SocketTimeoutException e) {
                return (InetSocketAddress) listener.getLocalSocketAddress();
            }
        }
        throw new IllegalStateException("the accept queue never filled up: connects cannot be made to hang here");
    }

    private static final class Outcome implements ConnectionHandler {
        final CompletableFuture<Connection> connected = new CompletableFuture<>();
        final CompletableFuture<Throwable> failed = new CompletableFuture<>();
        final CompletableFuture<String> received = new CompletableFuture<>();

        @Override
        public void onConnected(Connection connection) {
            connected.complete(connection);
        }

        @Override
        public void onConnectFailed(Connection connection, IOException cause) {
            failed.complete(cause);
        }

        @Override
        public void onRead(Connection connection, Chunk data) {
            received.complete(StandardCharsets.US_ASCII.decode(data.nio()).toString());
            data.release();
        }

        @Override
        public void onReadEnd(Connection connection) {
            connection.close();
        }

        @Override
        public void onError(Connection connection, IOException cause) {
            failed.complete(cause);
        }
    }
}
