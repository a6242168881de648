package dev.isthmus.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine end to end: loops, listeners, connects, reads, gathering writes, back-pressure, half-close. */
class TcpRelayTest {
    private ServerSocket echo;
    private ExecutorService threads;
    private Server server;

    @BeforeEach
    void startEchoOrigin() throws IOException {
        echo = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        threads = Executors.newVirtualThreadPerTaskExecutor();
        threads.submit(() -> {
            while (!echo.isClosed()) {
                Socket socket = echo.accept();
                threads.submit(() -> echoUntilEnd(socket));
            }
            return null;
        });
        server = Server.builder().threads(2)
                .listen("relay", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new TcpRelay((InetSocketAddress) echo.getLocalSocketAddress()))
                .build().start();
    }

    private static Void echoUntilEnd(Socket socket) throws IOException {
        try (socket) {
            socket.getInputStream().transferTo(socket.getOutputStream());
            socket.shutdownOutput();
        }
        return null;
    }

    @AfterEach
    void stop() throws IOException {
        server.shutdown(Duration.ofSeconds(1));
        echo.close();
        threads.shutdownNow();
    }

    @Test
    void relaysManyConnectionsConcurrentlyWithoutCorruption() throws Exception {
        InetSocketAddress relay = server.boundAddress("relay");
        List<Future<byte[][]>> results = new ArrayList<>();
        for (int c = 0; c < 32; c++) {
            int seed = c;
            results.add(threads.submit(() -> roundTrip(relay, 3 * 1024 * 1024 + seed, seed)));
        }
        for (Future<byte[][]> result : results) {
            byte[][] sentAndReceived = result.get();
            assertArrayEquals(sentAndReceived[0], sentAndReceived[1]);
        }
    }

    /** Sends {@code size} random bytes, half-closes, and reads the echo until end of stream. */
    private byte[][] roundTrip(InetSocketAddress relay, int size, int seed) throws Exception {
        byte[] payload = new byte[size];
        new Random(seed).nextBytes(payload);
        try (Socket socket = new Socket(relay.getAddress(), relay.getPort())) {
            ByteArrayOutputStream received = new ByteArrayOutputStream(size);
            Future<?> reader = threads.submit(() -> {
                try (InputStream in = socket.getInputStream()) {
                    in.transferTo(received);
                }
                return null;
            });
            OutputStream out = socket.getOutputStream();
            Random chunks = new Random(seed);
            for (int offset = 0; offset < size; ) {
                int length = Math.min(size - offset, 1 + chunks.nextInt(64 * 1024));
                out.write(payload, offset, length);
                offset += length;
            }
            socket.shutdownOutput();
            reader.get();
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return new byte[][] {digest.digest(payload), MessageDigest.getInstance("SHA-256").digest(received.toByteArray())};
        }
    }

    @Test
    void closesClientWhenUpstreamRefuses() throws Exception {
        ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        InetSocketAddress dead = (InetSocketAddress) closed.getLocalSocketAddress();
        closed.close();
        try (Server refusing = Server.builder().threads(1)
                .listen("relay", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new TcpRelay(dead))
                .build().start();
             Socket socket = new Socket()) {
            socket.connect(refusing.boundAddress("relay"));
            socket.setSoTimeout(10_000);
            assertEquals(-1, socket.getInputStream().read());
        }
    }
}
