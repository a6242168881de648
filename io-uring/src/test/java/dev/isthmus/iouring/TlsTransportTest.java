package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.testing.TestCertificates;
import dev.isthmus.core.tls.TlsConnection;
import dev.isthmus.core.tls.TlsContext;
import dev.isthmus.core.tls.TlsProvider;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.Listener;

/**
 * The TLS layer of core over both transports and both engine providers, against the JDK's
 * own TLS sockets as the peer: the server side against an SSLSocket client, the client side
 * against an SSLServerSocket, megabytes both ways in records that span chunks, back-pressure
 * with suspended reads, client certificates, verification failures, close_notify and the
 * end of stream, garbage and silence instead of a handshake.
 */
class TlsTransportTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static TestCertificates certificates;

    private EventLoop loop;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCertificates.create();
    }

    @AfterAll
    static void deleteCertificates() throws IOException {
        if (certificates != null) {
            certificates.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
        if (loop != null) {
            loop.stop();
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(0, loop.uncaughtErrors(), "no handler or completion may fail unexpectedly");
        }
    }

    static Stream<Arguments> transportsAndProviders() {
        return Stream.of(Arguments.of("nio", "Conscrypt"), Arguments.of("nio", "JDK"),
                Arguments.of("uring", "Conscrypt"), Arguments.of("uring", "JDK"));
    }

    private void start(String io) throws IOException {
        start(io, LoopSettings.DEFAULT);
    }

    private void start(String io, LoopSettings settings) throws IOException {
        loop = new EventLoop(0, UringTransport.select(io), settings);
        loop.start();
    }

    private static TlsProvider provider(String name) {
        return name.equals("JDK") ? TlsProvider.jdk() : TlsProvider.conscrypt();
    }

    private TlsContext server(String provider) throws IOException {
        return TlsContext.server(certificates.serverCertificate(), certificates.serverKey())
                .provider(provider(provider)).build();
    }

    private TlsContext.Builder client(String provider) {
        return TlsContext.client().provider(provider(provider)).trustedCertificates(certificates.ca());
    }

    private InetSocketAddress listen(TlsContext context, Acceptor acceptor) throws Exception {
        Listener listener = loop.submit(() -> loop.io().listen(new InetSocketAddress(LOOPBACK, 0), false, 64,
                TlsConnection.acceptor(context, acceptor))).get();
        return listener.localAddress();
    }

    private SSLSocket jdkClient(InetSocketAddress address, String identity, String... protocols) throws Exception {
        SSLContext context = certificates.jdkContext(identity, certificates.ca());
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", address.getPort());
        resources.add(socket);
        if (protocols.length > 0) {
            socket.setEnabledProtocols(protocols);
        }
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        return socket;
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    // ---- the server side against the JDK's SSLSocket

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void serverSideEchoesMegabytesToAJdkClientOverTls13And12(String io, String provider) throws Exception {
        start(io);
        Recorder server = new Recorder();
        InetSocketAddress address = listen(server(provider), c -> new Echo(server));
        for (String version : List.of("TLSv1.3", "TLSv1.2")) {
            SSLSocket socket = jdkClient(address, null, version);
            byte[] sent = random(3 << 20, version.hashCode());
            Future<byte[]> echoed = threads.submit(() -> socket.getInputStream().readNBytes(sent.length));
            OutputStream out = socket.getOutputStream();
            // Writes of odd sizes: records of every size, many spanning the transport's chunks.
            for (int at = 0, step = 1; at < sent.length; at += step, step = step * 3 % 40_000 + 1) {
                out.write(sent, at, Math.min(step, sent.length - at));
            }
            out.flush();
            assertArrayEquals(sent, echoed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS), version);
            assertEquals(version, socket.getSession().getProtocol());
            socket.close(); // close_notify
            assertTrue(server.ended.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the server saw close_notify");
            server.reset();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void aSlowReaderGetsEverythingThroughBackPressure(String io, String provider) throws Exception {
        start(io);
        Recorder server = new Recorder();
        InetSocketAddress address = listen(server(provider), c -> new Echo(server));
        SSLSocket socket = jdkClient(address, null);
        byte[] sent = random(8 << 20, 7);
        Future<?> writer = threads.submit(() -> {
            socket.getOutputStream().write(sent);
            return null;
        });
        // The client reads nothing for a while: the echo fills the socket, flush says wait, reads are suspended.
        Thread.sleep(500);
        byte[] echoed = socket.getInputStream().readNBytes(sent.length);
        writer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertArrayEquals(sent, echoed);
        assertTrue(server.writable > 0, "the echo waited for the socket at least once");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void clientCertificatesAreRequiredWhenAsked(String io, String provider) throws Exception {
        start(io);
        TlsContext mutual = TlsContext.server(certificates.serverCertificate(), certificates.serverKey())
                .provider(provider(provider)).requireClientCertificates(certificates.ca()).build();
        Recorder server = new Recorder();
        InetSocketAddress address = listen(mutual, c -> new Echo(server));

        SSLSocket withCertificate = jdkClient(address, "client");
        withCertificate.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), withCertificate.getInputStream().readNBytes(5));
        Connection accepted = server.connection.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String peer = loop.submit(() -> ((java.security.cert.X509Certificate) ((TlsConnection) accepted).session()
                .getPeerCertificates()[0]).getSubjectX500Principal().getName()).get();
        assertEquals("CN=bench-client", peer);

        server.reset();
        SSLSocket without = jdkClient(address, null);
        assertThrows(IOException.class, () -> {
            without.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            without.getInputStream().read();
        });
        assertInstanceOf(SSLException.class, server.failure.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void garbageInsteadOfAHandshakeFailsOnlyThatConnection(String io, String provider) throws Exception {
        start(io);
        Recorder server = new Recorder();
        InetSocketAddress address = listen(server(provider), c -> new Echo(server));
        try (Socket plain = new Socket(LOOPBACK, address.getPort())) {
            plain.setSoTimeout((int) TIMEOUT.toMillis());
            plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Throwable failure = server.failure.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(SSLException.class, failure);
            assertTrue(failure.getMessage().contains("does not speak TLS"), failure.getMessage());
            InputStream in = plain.getInputStream();
            while (in.read() >= 0) {
                // an alert at most, then the end
            }
        }
        server.reset();
        // A record header claiming more than TLS allows.
        try (Socket plain = new Socket(LOOPBACK, address.getPort())) {
            plain.getOutputStream().write(new byte[] {0x16, 0x03, 0x03, (byte) 0xff, (byte) 0xff, 1, 2, 3});
            Throwable failure = server.failure.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(SSLException.class, failure);
            assertTrue(failure.getMessage().contains("more than TLS allows"), failure.getMessage());
        }
        server.reset();
        // A header that arrives a byte at a time, then a ClientHello that is nonsense inside.
        try (Socket plain = new Socket(LOOPBACK, address.getPort())) {
            plain.setTcpNoDelay(true);
            OutputStream out = plain.getOutputStream();
            for (byte b : new byte[] {0x16, 0x03, 0x01, 0x00, 0x08}) {
                out.write(b);
                out.flush();
                Thread.sleep(20);
            }
            out.write(new byte[] {1, 0, 0, 4, 9, 9, 9, 9});
            assertInstanceOf(SSLException.class, server.failure.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        }
        server.reset();
        SSLSocket fine = jdkClient(address, null);
        fine.getOutputStream().write(7);
        assertEquals(7, fine.getInputStream().read(), "the listener still serves TLS after the garbage");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void aSilentClientTimesOutOfTheHandshake(String io, String provider) throws Exception {
        start(io);
        TlsContext impatient = TlsContext.server(certificates.serverCertificate(), certificates.serverKey())
                .provider(provider(provider)).handshakeTimeout(Duration.ofMillis(300)).build();
        Recorder server = new Recorder();
        InetSocketAddress address = listen(impatient, c -> new Echo(server));
        try (Socket silent = new Socket(LOOPBACK, address.getPort())) {
            Throwable failure = server.failure.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(SSLHandshakeException.class, failure);
            assertTrue(failure.getMessage().contains("did not finish within 300 ms"), failure.getMessage());
            silent.setSoTimeout((int) TIMEOUT.toMillis());
            InputStream in = silent.getInputStream();
            int first = in.read();
            assertTrue(first == -1 || first == 0x15, "nothing but an alert record: " + first);
            while (in.read() >= 0) {
                // the alert, then the end: the connection was closed
            }
        }
    }

    // ---- the client side against the JDK's SSLServerSocket

    private SSLServerSocket jdkServer(String identity, String... protocols) throws Exception {
        SSLServerSocket server = (SSLServerSocket) certificates.jdkContext(identity, null).getServerSocketFactory()
                .createServerSocket(0, 16, LOOPBACK);
        resources.add(server);
        if (protocols.length > 0) {
            server.setEnabledProtocols(protocols);
        }
        return server;
    }

    /** Serves TLS echo connections until closed, shrugging off clients that refuse it. */
    private void serveEchoes(SSLServerSocket server) {
        threads.submit(() -> {
            while (!server.isClosed()) {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                    socket.startHandshake();
                    socket.getInputStream().transferTo(socket.getOutputStream());
                } catch (IOException expected) {
                    // the client refused us
                }
            }
            return null;
        });
    }

    /** Accepts one connection and echoes it until the client's close_notify, then closes. */
    private Future<String> echoOnce(SSLServerSocket server) {
        return threads.submit(() -> {
            try (SSLSocket socket = (SSLSocket) server.accept()) {
                socket.setSoTimeout((int) TIMEOUT.toMillis());
                socket.getInputStream().transferTo(socket.getOutputStream());
                return socket.getSession().getProtocol();
            }
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void clientSideSendsMegabytesToAJdkServerAndHalfCloses(String io, String provider) throws Exception {
        start(io);
        for (String version : List.of("TLSv1.3", "TLSv1.2")) {
            SSLServerSocket server = jdkServer("server", version);
            Future<String> echo = echoOnce(server);
            byte[] sent = random(4 << 20, 11);
            Sender client = new Sender(sent);
            TlsContext context = client(provider).build();
            loop.submit(() -> TlsConnection.connect(loop, context, new InetSocketAddress("localhost", server.getLocalPort()), null,
                    TimeUnit.SECONDS.toNanos(10), client)).get();
            assertArrayEquals(sent, client.received.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS), version);
            assertEquals(version, echo.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(client.closeNotify, "the JDK server's close_notify ended the stream");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void theClientChecksTheServersCertificate(String io, String provider) throws Exception {
        start(io);
        SSLServerSocket server = jdkServer("server");
        serveEchoes(server);
        // Signed by a CA the client does not trust.
        Throwable untrusted = connectAndFail(client(provider).trustedCertificates(certificates.otherCa()).build(),
                new InetSocketAddress("localhost", server.getLocalPort()));
        assertInstanceOf(SSLHandshakeException.class, untrusted);
        // The right CA, but the certificate names elsewhere.example, not localhost.
        SSLServerSocket elsewhere = jdkServer("elsewhere");
        serveEchoes(elsewhere);
        Throwable misnamed = connectAndFail(client(provider).build(),
                new InetSocketAddress("localhost", elsewhere.getLocalPort()));
        assertInstanceOf(SSLHandshakeException.class, misnamed);
        // Verification off (what load tools do by default): the same untrusted chain is accepted.
        Sender sender = new Sender("ok".getBytes(StandardCharsets.US_ASCII));
        TlsContext trusting = TlsContext.client().provider(provider(provider)).trustAnyServer().build();
        loop.submit(() -> TlsConnection.connect(loop, trusting, new InetSocketAddress("127.0.0.1", server.getLocalPort()),
                null, TimeUnit.SECONDS.toNanos(10), sender)).get();
        assertArrayEquals("ok".getBytes(StandardCharsets.US_ASCII), sender.received.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        // The right CA by IP address: the certificate names 127.0.0.1 too.
        Sender byIp = new Sender("ip".getBytes(StandardCharsets.US_ASCII));
        TlsContext verifying = client(provider).build();
        loop.submit(() -> TlsConnection.connect(loop, verifying, new InetSocketAddress("127.0.0.1", server.getLocalPort()),
                null, TimeUnit.SECONDS.toNanos(10), byIp)).get();
        assertArrayEquals("ip".getBytes(StandardCharsets.US_ASCII), byIp.received.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    }

    private Throwable connectAndFail(TlsContext context, InetSocketAddress address) throws Exception {
        Sender client = new Sender(new byte[1]);
        Connection connection = loop.submit(() -> TlsConnection.connect(loop, context, address, null,
                TimeUnit.SECONDS.toNanos(10), client)).get();
        Throwable failure = client.connectFailed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertFalse(client.connected, "no onConnected before a failed handshake");
        assertFalse(loop.submit(connection::isOpen).get());
        return failure;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void aServerThatClosesDuringTheHandshakeFailsTheConnect(String io, String provider) throws Exception {
        start(io);
        java.net.ServerSocket plain = new java.net.ServerSocket(0, 4, LOOPBACK);
        resources.add(plain);
        threads.submit(() -> {
            try (Socket socket = plain.accept()) {
                socket.getInputStream().read();
            }
            return null;
        });
        Throwable failure = connectAndFail(client(provider).build(), new InetSocketAddress("localhost", plain.getLocalPort()));
        assertInstanceOf(SSLException.class, failure);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndProviders")
    void anExhaustedPoolPausesTheConnectionInsteadOfFailingIt(String io, String provider) throws Exception {
        start(io);
        Recorder server = new Recorder();
        InetSocketAddress address = listen(server(provider), c -> new Echo(server));
        SSLSocket socket = jdkClient(address, null);
        socket.getOutputStream().write(1);
        assertEquals(1, socket.getInputStream().read(), "handshake done, echo running");
        // Every large chunk of the loop taken: nothing to decrypt into until they come back.
        List<Chunk> hog = loop.submit(() -> {
            List<Chunk> taken = new ArrayList<>();
            Chunk chunk;
            while ((chunk = loop.chunks().acquire()) != null) {
                taken.add(chunk);
            }
            return taken;
        }).get();
        assertTrue(hog.size() > 0);
        byte[] sent = random(1 << 20, 13);
        Future<byte[]> echoed = threads.submit(() -> socket.getInputStream().readNBytes(sent.length));
        Future<?> writer = threads.submit(() -> {
            socket.getOutputStream().write(sent);
            return null;
        });
        Thread.sleep(500);
        assertFalse(echoed.isDone(), "nothing came back while the pool was empty");
        loop.submit(() -> {
            hog.forEach(Chunk::release);
            return null;
        }).get();
        assertArrayEquals(sent, echoed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        writer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertNull(server.failure.getNow(null));
    }

    // ---- handlers

    /** What a server-side handler saw. */
    private static final class Recorder {
        volatile CompletableFuture<Connection> connection = new CompletableFuture<>();
        volatile CompletableFuture<Boolean> ended = new CompletableFuture<>();
        volatile CompletableFuture<Throwable> failure = new CompletableFuture<>();
        volatile int writable;

        void reset() {
            connection = new CompletableFuture<>();
            ended = new CompletableFuture<>();
            failure = new CompletableFuture<>();
        }
    }

    /** Writes back what arrives, suspending reads while the connection is backed up. */
    private static final class Echo implements ConnectionHandler {
        private final Recorder recorder;

        Echo(Recorder recorder) {
            this.recorder = recorder;
        }

        @Override
        public void onRead(Connection c, Chunk data) {
            recorder.connection.complete(c);
            c.write(data);
            if (!c.flush()) {
                c.suspendRead();
            }
        }

        @Override
        public void onWritable(Connection c) {
            recorder.writable++;
            c.resumeRead();
        }

        @Override
        public void onReadEnd(Connection c) {
            recorder.ended.complete(((TlsConnection) c).closeNotifyReceived());
            c.close();
        }

        @Override
        public void onError(Connection c, IOException cause) {
            recorder.failure.complete(cause);
        }
    }

    /** A client that sends its bytes once connected, half-closes, and collects what comes back. */
    private static final class Sender implements ConnectionHandler {
        private final byte[] bytes;
        private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> received = new CompletableFuture<>();
        final CompletableFuture<Throwable> connectFailed = new CompletableFuture<>();
        volatile boolean connected;
        volatile boolean closeNotify;
        private int sent;

        Sender(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public void onConnected(Connection c) {
            connected = true;
            send(c);
        }

        private void send(Connection c) {
            while (sent < bytes.length) {
                Chunk chunk = c.loop().chunks().acquire();
                if (chunk == null) {
                    return; // a write completes and frees one; onWritable is not promised here, so poll
                }
                int n = Math.min(chunk.capacity() - 100, bytes.length - sent);
                chunk.view().putBytes(0, bytes, sent, n);
                c.write(chunk.window(0, n));
                sent += n;
                if (!c.flush()) {
                    return;
                }
            }
            c.shutdownOutput();
        }

        @Override
        public void onWritable(Connection c) {
            send(c);
        }

        @Override
        public void onConnectFailed(Connection c, IOException cause) {
            connectFailed.complete(cause);
            received.completeExceptionally(cause);
        }

        @Override
        public void onRead(Connection c, Chunk data) {
            byte[] copy = new byte[data.readable()];
            data.view().getBytes(data.start(), copy);
            collected.writeBytes(copy);
            data.release();
        }

        @Override
        public void onReadEnd(Connection c) {
            closeNotify = ((TlsConnection) c).closeNotifyReceived();
            received.complete(collected.toByteArray());
            c.close();
        }

        @Override
        public void onError(Connection c, IOException cause) {
            received.completeExceptionally(cause);
            connectFailed.complete(cause);
        }
    }
}
