package dev.isthmus.protocol.http1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.0 clients behind an HTTP/1.1 upstream: the proxy speaks 1.1 upstream (so those
 * upstream connections are pooled like any other), supplies the Host a 1.0 request may lack,
 * and decodes a chunked response for the client, which ends it by closing.
 */
class Http10UpstreamTest {
    /** An origin that records request heads and answers every request with a chunked body, keep-alive. */
    private static final class ChunkedOrigin implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        final List<String> heads = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        final byte[] payload = TestOrigin.pattern(70_000);

        ChunkedOrigin() throws IOException {
            threads.submit(() -> {
                while (!server.isClosed()) {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    threads.submit(() -> serve(socket));
                }
                return null;
            });
        }

        private Void serve(Socket socket) throws IOException {
            try (socket) {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                while (true) {
                    StringBuilder head = new StringBuilder();
                    for (String line = line(in); !line.isEmpty(); line = line(in)) {
                        head.append(line).append('\n');
                    }
                    heads.add(head.toString());
                    ByteArrayOutputStream response = new ByteArrayOutputStream();
                    response.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    // Uneven chunks so decoding crosses read boundaries of the proxy.
                    for (int offset = 0, size = 1; offset < payload.length; offset += size, size = size * 3 % 9001 + 1) {
                        int n = Math.min(size, payload.length - offset);
                        response.write((Integer.toHexString(n) + ";ext=1\r\n").getBytes(StandardCharsets.US_ASCII));
                        response.write(payload, offset, n);
                        response.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    response.write("0\r\nX-Trailer: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(response.toByteArray());
                    out.flush();
                }
            } catch (IOException endOfStream) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }

    private ChunkedOrigin origin;
    private TestProxy proxy;

    @BeforeEach
    void start() throws IOException {
        origin = new ChunkedOrigin();
        proxy = TestProxy.start(HttpProxySettings.DEFAULT, 1,
                (InetSocketAddress) origin.server.getLocalSocketAddress());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        origin.close();
    }

    @Test
    void http10ClientGetsTheDecodedBodyEndedByCloseOverAPooledHttp11Upstream() throws IOException {
        for (int i = 0; i < 3; i++) {
            try (Socket client = new Socket()) {
                client.connect(proxy.address());
                client.getOutputStream().write("GET /data HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = new BufferedInputStream(client.getInputStream());
                String status = line(in);
                assertEquals("HTTP/1.1 200 OK", status);
                StringBuilder fields = new StringBuilder();
                for (String line = line(in); !line.isEmpty(); line = line(in)) {
                    fields.append(line.toLowerCase(Locale.ROOT)).append('\n');
                }
                assertFalse(fields.toString().contains("transfer-encoding"), fields.toString());
                assertFalse(fields.toString().contains("connection: keep-alive"), fields.toString());
                // The body is whatever arrives until the proxy closes: exactly the payload.
                assertArrayEquals(origin.payload, in.readAllBytes());
            }
        }
        assertEquals(1, origin.connections.get(), "the upstream connection was not reused");
        for (String head : origin.heads) {
            assertTrue(head.startsWith("GET /data HTTP/1.1\n"), head);
            InetSocketAddress peer = (InetSocketAddress) origin.server.getLocalSocketAddress();
            assertTrue(head.contains("\nHost: " + peer.getHostString() + ":" + peer.getPort() + "\n"), head);
            assertTrue(head.contains("\nVia: 1.0 isthmus\n"), head);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
