package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Connection upgrades: after a 101 the proxy relays bytes both ways until each side ends
 * its half, and a real WebSocket client talks to a WebSocket origin through it.
 */
class UpgradeSemanticsTest {
    private static final long WAIT_SECONDS = TestProxy.PATIENCE.toSeconds();

    private static String upgradeRequest(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: o\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    }

    @Test
    void bytesEchoBothWaysAfter101AndHalfClosesAreRelayed() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            wire.send(upgradeRequest("/upgrade"));
            RawClient.Response switching = wire.read("GET");
            assertEquals(101, switching.status());
            assertEquals("websocket", switching.field("Upgrade"));
            assertEquals("upgrade", switching.field("Connection").toLowerCase(Locale.ROOT));

            TestOrigin.Request request = origin.requests.peek();
            assertNotNull(request);
            assertEquals("websocket", request.field("Upgrade"), "an upgrade request forwards Upgrade");
            assertEquals("upgrade", request.field("Connection").toLowerCase(Locale.ROOT));

            wire.send("hello");
            assertEquals("hello", new String(wire.exactly(5), ISO_8859_1));
            byte[] large = TestOrigin.pattern(1 << 20);
            Thread.ofVirtual().start(() -> {
                try {
                    wire.send(large);
                } catch (Exception ignored) {
                    // the read side reports it
                }
            });
            assertArrayEquals(large, wire.exactly(large.length), "a megabyte echoes through the tunnel");

            // Bytes still in flight when the client ends its half come back, then the origin's end arrives.
            wire.send("last words");
            wire.shutdownOutput();
            assertEquals("last words", new String(wire.exactly(10), ISO_8859_1));
            assertEquals(0, wire.rest().length, "the origin's half-close reaches the client as the end of the stream");
        }
    }

    @Test
    void theOriginEndingItsHalfFirstLeavesTheClientsHalfOpen() throws Exception {
        CompletableFuture<String> receivedByOrigin = new CompletableFuture<>();
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket socket = listener.accept()) {
                    java.io.InputStream in = socket.getInputStream();
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        head.append((char) in.read());
                    }
                    socket.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x-test\r\n"
                            + "Connection: Upgrade\r\n\r\nserver done").getBytes(ISO_8859_1));
                    socket.shutdownOutput();
                    receivedByOrigin.complete(new String(in.readAllBytes(), ISO_8859_1));
                } catch (Exception e) {
                    receivedByOrigin.completeExceptionally(e);
                }
            });
            try (TestProxy proxy = TestProxy.start((java.net.InetSocketAddress) listener.getLocalSocketAddress());
                 RawClient wire = new RawClient(proxy.address())) {
                wire.send("GET /half HTTP/1.1\r\nHost: o\r\nConnection: upgrade\r\nUpgrade: x-test\r\n\r\n");
                assertEquals(101, wire.read("GET").status());
                assertEquals("server done", new String(wire.rest(), ISO_8859_1), "the origin's bytes, then its end");
                wire.send("client still talking");
                wire.shutdownOutput();
                assertEquals("client still talking", receivedByOrigin.get(WAIT_SECONDS, TimeUnit.SECONDS),
                        "after the origin's half-close the client's half still carries bytes");
            }
        }
    }

    @Test
    void anUpgradeTheOriginDeclinesLeavesAnOrdinaryKeptConnection() throws Exception {
        try (TestOrigin origin = new TestOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             RawClient wire = new RawClient(proxy.address())) {
            wire.send(upgradeRequest("/echo?upgrade=declined"));
            RawClient.Response response = wire.read("GET");
            assertEquals(200, response.status());
            assertTrue(response.text().startsWith("GET /echo?upgrade=declined\n"), response.text());
            wire.send("GET /echo?after=declined HTTP/1.1\r\nHost: o\r\n\r\n");
            assertTrue(wire.read("GET").text().startsWith("GET /echo?after=declined\n"));
        }
    }

    /** Collects what a JDK WebSocket receives. */
    private static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            messages.add("pong:" + ISO_8859_1.decode(message));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
            messages.add(error);
        }

        Object next() throws InterruptedException {
            Object message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (message instanceof Throwable t) {
                throw new AssertionError("the WebSocket failed", t);
            }
            assertNotNull(message, "no message within " + WAIT_SECONDS + " s");
            return message;
        }
    }

    @Test
    void jdkWebSocketClientTalksToAWebSocketOriginThroughTheProxy() throws Exception {
        try (WebSocketOrigin origin = new WebSocketOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             HttpClient client = HttpClient.newHttpClient()) {
            Collector collector = new Collector();
            WebSocket socket = client.newWebSocketBuilder()
                    .header("X-Device", "sensor-7")
                    .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws/telemetry"), collector)
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);

            List<String> texts = List.of("message 0", "message 1", "ünïcödé ✓", "x".repeat(1_000), "y".repeat(70_000),
                    "message 5");
            for (String text : texts) {
                socket.sendText(text, true).get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertEquals(text, collector.next(), "echo of a " + text.length() + "-char message");
            }
            byte[] binary = TestOrigin.pattern(200_000);
            socket.sendBinary(ByteBuffer.wrap(binary), true).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertArrayEquals(binary, (byte[]) collector.next());
            socket.sendPing(ByteBuffer.wrap("are you there".getBytes(ISO_8859_1))).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("pong:are you there", collector.next());

            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(WebSocket.NORMAL_CLOSURE, collector.closed.get(WAIT_SECONDS, TimeUnit.SECONDS));
            // The client may split a large message into several frames; each came back.
            assertTrue(origin.framesEchoed.get() >= texts.size() + 1, "frames echoed: " + origin.framesEchoed.get());
            assertEquals(1, origin.closesReceived.get());

            String handshake = origin.handshakes.peek();
            assertNotNull(handshake);
            String lower = handshake.toLowerCase(Locale.ROOT);
            assertTrue(handshake.startsWith("GET /ws/telemetry HTTP/1.1\n"), handshake);
            assertTrue(lower.contains("\nupgrade: websocket\n"), handshake);
            assertTrue(lower.contains("\nconnection: upgrade\n"), handshake);
            assertTrue(lower.contains("\nsec-websocket-key: "), handshake);
            assertTrue(lower.contains("\nsec-websocket-version: 13\n"), handshake);
            assertTrue(lower.contains("\nx-device: sensor-7\n"), handshake);
            assertTrue(lower.contains("\nx-forwarded-for: 127.0.0.1\n"), handshake);
        }
    }

    @Test
    void severalWebSocketsAtOnceEachGetTheirOwnEchoes() throws Exception {
        try (WebSocketOrigin origin = new WebSocketOrigin();
             TestProxy proxy = TestProxy.start(origin.address());
             HttpClient client = HttpClient.newHttpClient()) {
            int sockets = 8;
            Collector[] collectors = new Collector[sockets];
            WebSocket[] webSockets = new WebSocket[sockets];
            for (int i = 0; i < sockets; i++) {
                collectors[i] = new Collector();
                webSockets[i] = client.newWebSocketBuilder()
                        .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws/" + i), collectors[i])
                        .get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < sockets; i++) {
                    webSockets[i].sendText("socket " + i + " round " + round, true).get(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                for (int i = 0; i < sockets; i++) {
                    assertEquals("socket " + i + " round " + round, collectors[i].next());
                }
            }
            for (int i = 0; i < sockets; i++) {
                webSockets[i].sendClose(WebSocket.NORMAL_CLOSURE, "").get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertEquals(WebSocket.NORMAL_CLOSURE, collectors[i].closed.get(WAIT_SECONDS, TimeUnit.SECONDS));
            }
            assertTrue(TestProxy.eventually(() -> proxy.metric("isthmus_http_connections_active") == 0),
                    "closed tunnels release their client connections: " + proxy.scrape());
        }
    }
}
