package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.zip.CRC32;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.Listener;

/**
 * The io_uring transport on real sockets against plain JDK clients and servers: many accepts
 * at once, half-close, resets, closing with work in flight, suspended reads, an exhausted
 * buffer ring, and a gigabyte spliced between two connections without a byte changed.
 */
class UringTransportTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private EventLoop loop;

    private EventLoop start(LoopSettings settings) throws IOException {
        loop = new EventLoop(0, UringTransport.INSTANCE, settings);
        loop.start();
        return loop;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(0, loop.uncaughtErrors(), "no handler or completion may fail unexpectedly");
        }
    }

    private Listener listen(Supplier<ConnectionHandler> handlers) throws Exception {
        return listen(c -> handlers.get());
    }

    private Listener listen(Acceptor acceptor) throws Exception {
        return loop.submit(() -> loop.io().listen(new InetSocketAddress(LOOPBACK, 0), false, 1024, acceptor)).get();
    }

    /** What a splice relay does when a splice ends. */
    private interface SpliceEnd {
        void ended(Connection source, Connection target, long bytes, Exception error);
    }

    /**
     * A listener whose accepted connections are each spliced, until their end of stream, into
     * a new connection to {@code sinkPort}; {@code started} runs once a splice is under way.
     */
    private Listener spliceRelay(int sinkPort, Runnable started, SpliceEnd end) throws Exception {
        return listen(source -> {
            source.suspendRead();
            loop.io().connect(new InetSocketAddress(LOOPBACK, sinkPort), 0, new ConnectionHandler() {
                @Override
                public void onConnected(Connection target) {
                    source.splice().spliceTo(target, -1, (bytes, error) -> end.ended(source, target, bytes, error));
                    started.run();
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
                    // A failing target ends the splice, whose completion reports it.
                }
            });
            return new Echo();
        });
    }

    private int openConnections() throws Exception {
        return loop.submit(() -> loop.io().connectionCount()).get();
    }

    private void awaitNoConnections() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, openConnections());
    }

    /** Writes back what arrives and half-closes after the peer did. */
    private static final class Echo implements ConnectionHandler {
        @Override
        public void onRead(Connection c, Chunk data) {
            c.write(data);
            if (!c.flush()) {
                c.suspendRead();
            }
        }

        @Override
        public void onWritable(Connection c) {
            c.resumeRead();
        }

        /** Everything written so far is flushed: closing sends it, then the end of stream. */
        @Override
        public void onReadEnd(Connection c) {
            c.flush();
            c.close();
        }

        @Override
        public void onError(Connection c, IOException cause) {
        }
    }

    @Test
    void aClosedListenerLetsGoOfItsPortAndKeepsWhatItAccepted() throws Exception {
        start(LoopSettings.DEFAULT);
        Listener listener = listen(Echo::new);
        int port = listener.localAddress().getPort();
        try (Socket accepted = new Socket(LOOPBACK, port)) {
            accepted.getOutputStream().write('a');
            assertEquals('a', accepted.getInputStream().read());
            loop.submit(() -> {
                listener.close();
                listener.close();
                return null;
            }).get();
            // The ring closes the descriptor once the cancelled accept has completed.
            for (int attempt = 0; ; attempt++) {
                try (ServerSocket taken = new ServerSocket(port, 50, LOOPBACK)) {
                    assertEquals(port, taken.getLocalPort());
                    break;
                } catch (java.net.BindException stillOpen) {
                    if (attempt > 100) {
                        throw stillOpen;
                    }
                    Thread.sleep(20);
                }
            }
            accepted.getOutputStream().write('b');
            assertEquals('b', accepted.getInputStream().read(), "a connection accepted before the close is served on");
        }
        awaitNoConnections();
    }

    @Test
    void anAcceptStormIsServedWholly() throws Exception {
        start(LoopSettings.DEFAULT);
        Listener listener = listen(Echo::new);
        int clients = 400;
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            String message = "client " + i + " says hello";
            Thread.ofVirtual().start(() -> {
                try (Socket socket = new Socket(LOOPBACK, listener.localAddress().getPort())) {
                    socket.getOutputStream().write(message.getBytes(StandardCharsets.US_ASCII));
                    socket.shutdownOutput();
                    String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    if (!answer.equals(message)) {
                        wrong.add(message + " -> " + answer);
                    }
                } catch (IOException e) {
                    wrong.add(message + ": " + e);
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertTrue(wrong.isEmpty(), () -> wrong.size() + " wrong, e.g. " + wrong.peek());
        awaitNoConnections();
    }

    @Test
    void halfCloseLetsTheOtherDirectionFinish() throws Exception {
        start(LoopSettings.DEFAULT);
        Listener listener = listen(Echo::new);
        byte[] payload = pattern(3_000_000, 7);
        try (Socket socket = new Socket(LOOPBACK, listener.localAddress().getPort())) {
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return socket.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            socket.getOutputStream().write(payload);
            socket.shutdownOutput();
            // All of it comes back, then the end of stream the server sent after ours.
            assertArrayEquals(payload, echoed.get(20, TimeUnit.SECONDS));
        }
        awaitNoConnections();
    }

    @Test
    void aResetReachesTheHandlerAndFreesTheConnection() throws Exception {
        start(LoopSettings.DEFAULT);
        CompletableFuture<String> outcome = new CompletableFuture<>();
        CountDownLatch readSome = new CountDownLatch(1);
        Listener listener = listen(() -> new ConnectionHandler() {
            @Override
            public void onRead(Connection c, Chunk data) {
                data.release();
                readSome.countDown();
            }

            @Override
            public void onReadEnd(Connection c) {
                outcome.complete("end");
                c.close();
            }

            @Override
            public void onError(Connection c, IOException cause) {
                outcome.complete(cause.getMessage());
            }
        });
        try (Socket socket = new Socket(LOOPBACK, listener.localAddress().getPort())) {
            socket.getOutputStream().write(new byte[1000]);
            // Reset once the server is reading (a connection reset before it is accepted is
            // closed by the transport without a handler ever seeing it).
            assertTrue(readSome.await(5, TimeUnit.SECONDS));
            socket.setSoLinger(true, 0);
        }
        assertEquals("recv: ECONNRESET (connection reset by peer)", outcome.get(10, TimeUnit.SECONDS));
        awaitNoConnections();
    }

    @Test
    void closingWithAReceiveArmedAndDataUnsentClosesTheSocket() throws Exception {
        start(LoopSettings.DEFAULT);
        LinkedBlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
        Listener listener = listen(c -> {
            accepted.add(c);
            return new Echo();
        });
        for (int i = 0; i < 20; i++) {
            try (Socket socket = new Socket(LOOPBACK, listener.localAddress().getPort())) {
                socket.setSoTimeout(5000);
                Connection connection = accepted.poll(5, TimeUnit.SECONDS);
                assertNotNull(connection);
                boolean withData = i % 2 == 1;
                loop.submit(() -> {
                    if (withData) {
                        // Queued and flushed, but the peer never reads: it may still be in flight.
                        Chunk chunk = loop.chunks().acquire();
                        chunk.window(0, chunk.capacity());
                        connection.write(chunk);
                        connection.flush();
                    }
                    connection.close();
                    return null;
                }).get();
                InputStream in = socket.getInputStream();
                // The socket ends: the peer sees what was flushed (or a reset), then no more.
                try {
                    while (in.read() >= 0) {
                        // drain
                    }
                } catch (SocketException reset) {
                    // closing with unread input may reset; ended either way
                }
            }
        }
        awaitNoConnections();
    }

    @Test
    void bytesArrivingWhileSuspendedComeInOrderOnResumeAndNoFalseEnd() throws Exception {
        start(LoopSettings.DEFAULT);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        CompletableFuture<Integer> ended = new CompletableFuture<>();
        Listener listener = listen(() -> new ConnectionHandler() {
            int reads;

            @Override
            public void onRead(Connection c, Chunk data) {
                byte[] bytes = new byte[data.readable()];
                data.view().getBytes(data.start(), bytes);
                got.writeBytes(bytes);
                data.release();
                if (reads++ % 3 == 0) {
                    c.suspendRead();
                    Thread.ofVirtual().start(() -> {
                        sleep(30);
                        loop.execute(c::resumeRead);
                    });
                }
            }

            @Override
            public void onReadEnd(Connection c) {
                ended.complete(got.size());
                c.close();
            }

            @Override
            public void onError(Connection c, IOException cause) {
                ended.completeExceptionally(cause);
            }
        });
        byte[] payload = pattern(2_000_000, 11);
        try (Socket socket = new Socket(LOOPBACK, listener.localAddress().getPort())) {
            OutputStream out = socket.getOutputStream();
            for (int offset = 0; offset < payload.length; offset += 100_000) {
                out.write(payload, offset, 100_000);
                out.flush();
                Thread.sleep(5);
            }
            Thread.sleep(300);
            assertFalse(ended.isDone(), "no end of stream before the client ends");
        }
        assertEquals(payload.length, ended.get(20, TimeUnit.SECONDS));
        assertArrayEquals(payload, loop.submit(got::toByteArray).get());
    }

    @Test
    void anExhaustedBufferRingStallsReceivesUntilChunksComeBack() throws Exception {
        // 24 chunks for the whole loop: eight busy connections empty the ring at once.
        start(new LoopSettings(16 * 1024, 2 * 1024, 24 * 16 * 1024, 10_000_000L));
        int clients = 8;
        int perClient = 1_000_000;
        List<Chunk> held = new ArrayList<>();
        CRC32[] sums = new CRC32[clients];
        long[] counts = new long[clients];
        CountDownLatch ends = new CountDownLatch(clients);
        Listener listener = listen(new Supplier<>() {
            int next;

            @Override
            public ConnectionHandler get() {
                int index = next++;
                sums[index] = new CRC32();
                return new ConnectionHandler() {
                    @Override
                    public void onRead(Connection c, Chunk data) {
                        byte[] bytes = new byte[data.readable()];
                        data.view().getBytes(data.start(), bytes);
                        sums[index].update(bytes);
                        counts[index] += bytes.length;
                        // Hold chunks a while, like a handler waiting on a slow peer.
                        held.add(data);
                        if (held.size() >= 12) {
                            held.forEach(Chunk::release);
                            held.clear();
                        }
                    }

                    @Override
                    public void onReadEnd(Connection c) {
                        held.forEach(Chunk::release);
                        held.clear();
                        c.close();
                        ends.countDown();
                    }

                    @Override
                    public void onError(Connection c, IOException cause) {
                    }
                };
            }
        });
        long[] expected = new long[clients];
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            byte[] payload = pattern(perClient, 100 + i);
            CRC32 crc = new CRC32();
            crc.update(payload);
            expected[i] = crc.getValue();
            Socket socket = new Socket(LOOPBACK, listener.localAddress().getPort());
            senders.add(Thread.ofVirtual().start(() -> {
                try (socket) {
                    socket.getOutputStream().write(payload);
                    socket.shutdownOutput();
                    socket.getInputStream().read();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        assertTrue(ends.await(30, TimeUnit.SECONDS), "every client's bytes arrive despite the empty ring");
        for (Thread sender : senders) {
            sender.join();
        }
        long starvations = loop.submit(() -> ((UringDriver) loop.io()).starvations).get();
        assertTrue(starvations > 0, "the ring ran dry at least once (ENOBUFS) and receives were re-armed");
        // Accept order is the connect order here (one at a time from this thread).
        long[] actual = loop.submit(() -> {
            long[] values = new long[clients];
            for (int i = 0; i < clients; i++) {
                values[i] = counts[i] == perClient ? sums[i].getValue() : -counts[i];
            }
            return values;
        }).get();
        assertArrayEquals(expected, actual);
    }

    @Test
    void aGigabyteSplicedBetweenConnectionsArrivesUnchanged() throws Exception {
        start(LoopSettings.DEFAULT);
        long total = 1L << 30;
        ServerSocket sinkServer = new ServerSocket(0, 1, LOOPBACK);
        CompletableFuture<long[]> sink = CompletableFuture.supplyAsync(() -> {
            try (sinkServer; Socket socket = sinkServer.accept()) {
                CRC32 crc = new CRC32();
                byte[] buffer = new byte[1 << 16];
                long count = 0;
                InputStream in = socket.getInputStream();
                int n;
                while ((n = in.read(buffer)) > 0) {
                    crc.update(buffer, 0, n);
                    count += n;
                }
                return new long[] {count, crc.getValue()};
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        CompletableFuture<Long> spliced = new CompletableFuture<>();
        Listener relay = spliceRelay(sinkServer.getLocalPort(), () -> { }, (source, target, bytes, error) -> {
            if (error != null) {
                spliced.completeExceptionally(error);
            } else {
                spliced.complete(bytes);
            }
            target.shutdownOutput();
            source.close();
        });
        CRC32 sent = new CRC32();
        try (Socket socket = new Socket(LOOPBACK, relay.localAddress().getPort())) {
            OutputStream out = socket.getOutputStream();
            SplittableRandom random = new SplittableRandom(42);
            byte[] block = new byte[1 << 20];
            for (long written = 0; written < total; written += block.length) {
                for (int i = 0; i < block.length; i += 8) {
                    long value = random.nextLong();
                    for (int b = 0; b < 8; b++) {
                        block[i + b] = (byte) (value >>> (8 * b));
                    }
                }
                sent.update(block);
                out.write(block);
            }
            socket.shutdownOutput();
            assertEquals(total, spliced.get(60, TimeUnit.SECONDS));
        }
        long[] received = sink.get(60, TimeUnit.SECONDS);
        assertEquals(total, received[0]);
        assertEquals(sent.getValue(), received[1], "checksum of the spliced gigabyte");
        awaitNoConnections();
    }

    @Test
    void resetsInTheMiddleOfASpliceEndItWithAnErrorAndLeakNothing() throws Exception {
        start(LoopSettings.DEFAULT);
        for (boolean resetTarget : new boolean[] {false, true}) {
            ServerSocket sinkServer = new ServerSocket(0, 1, LOOPBACK);
            CompletableFuture<Socket> sinkSide = CompletableFuture.supplyAsync(() -> {
                try (sinkServer) {
                    return sinkServer.accept();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            CompletableFuture<String> outcome = new CompletableFuture<>();
            CountDownLatch splicing = new CountDownLatch(1);
            Listener relay = spliceRelay(sinkServer.getLocalPort(), splicing::countDown, (source, target, bytes, error) -> {
                outcome.complete(error == null ? "ended after " + bytes : "failed: " + error.getMessage());
                source.close();
                target.close();
            });
            Socket client = new Socket(LOOPBACK, relay.localAddress().getPort());
            Socket sink = sinkSide.get(5, TimeUnit.SECONDS);
            assertTrue(splicing.await(5, TimeUnit.SECONDS));
            byte[] block = new byte[1 << 16];
            OutputStream out = client.getOutputStream();
            for (int i = 0; i < 16; i++) {
                out.write(block);
            }
            sink.getInputStream().readNBytes(1 << 16);
            // The sink has taken some; now one side goes away with a reset while bytes still flow.
            Socket gone = resetTarget ? sink : client;
            gone.setSoLinger(true, 0);
            gone.close();
            if (resetTarget) {
                Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 64; i++) {
                            out.write(block);
                        }
                    } catch (IOException expected) {
                        // the relay closes the client when the splice fails
                    }
                });
            }
            String result = outcome.get(10, TimeUnit.SECONDS);
            assertTrue(result.startsWith("failed: ") || !resetTarget, result);
            client.close();
            sink.close();
            relay.close();
            awaitNoConnections();
        }
    }

    @Test
    void acceptedSocketsInheritNoDelayFromTheListener() throws Exception {
        start(LoopSettings.DEFAULT);
        CompletableFuture<Connection> accepted = new CompletableFuture<>();
        Listener listener = listen(c -> {
            accepted.complete(c);
            return new Echo();
        });
        try (Socket socket = new Socket(LOOPBACK, listener.localAddress().getPort())) {
            UringConnection connection = (UringConnection) accepted.get(5, TimeUnit.SECONDS);
            int noDelay = loop.submit(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment value = arena.allocate(4);
                    MemorySegment length = arena.allocate(4);
                    length.set(ValueLayout.JAVA_INT, 0, 4);
                    MemorySegment errno = Libc.errnoState(arena);
                    assertEquals(0, Libc.getsockopt(errno, connection.fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, value, length));
                    return value.get(ValueLayout.JAVA_INT, 0);
                }
            }).get();
            assertEquals(1, noDelay);
            assertEquals(socket.getLocalPort(), connection.remoteAddress().getPort());
        }
    }

    private static byte[] pattern(int size, long seed) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
