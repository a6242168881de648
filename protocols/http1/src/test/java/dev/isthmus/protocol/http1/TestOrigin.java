package dev.isthmus.protocol.http1;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * An HTTP/1.1 origin for tests, on real blocking sockets and virtual threads. It parses just
 * enough HTTP to serve keep-alive requests with Content-Length or chunked bodies, and its
 * answers are chosen by path so a test can ask for each upstream behaviour:
 *
 * <pre>
 * /echo               200, body = request line + fields + body digest (text)
 * /bytes/N            200, N bytes (pattern), Content-Length
 * /chunked/N          200, N bytes in chunks of 1000, with a trailer
 * /close/N            200, N bytes, no length: the body ends when the origin closes
 * /status/C           status C, empty body (no body for 1xx/204/304)
 * /slow/MS            waits MS ms, then 200
 * /reset              closes the socket without answering (with SO_LINGER 0: a reset)
 * /garbage            answers bytes that are not HTTP
 * /upgrade            101 Switching Protocols, then echoes bytes until end of stream
 * /short/N            200 promising N bytes (Content-Length), sends half of them, closes
 * /fin                200 "fin" framed for keep-alive (no Connection: close), then closes at once
 * /stale              200 "stale" for keep-alive; the next request on that connection is read
 *                     and the connection closed without an answer (a keep-alive race lost)
 * /health             status {@link #healthStatus} (200 unless a test changes it), empty body
 * /gate               waits until {@link #gate} is opened, then 200 "gate"
 * anything else       200 "ok"
 * </pre>
 *
 * Each request is recorded (method, target, fields, body size) so tests can see what the
 * proxy forwarded; connections are counted so tests can see keep-alive reuse.
 */
final class TestOrigin implements AutoCloseable {
    private final OriginListener listener;
    final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    /** Status answered on /health. */
    volatile int healthStatus = 200;
    /** Every status /health answered, in order (recorded before the answer is written). */
    final ConcurrentLinkedQueue<Integer> healthAnswers = new ConcurrentLinkedQueue<>();
    /** Holds /gate requests until counted down. */
    final CountDownLatch gate = new CountDownLatch(1);

    record Request(String method, String target, Map<String, List<String>> fields, long bodyBytes, byte[] body) {
        String field(String name) {
            List<String> values = fields.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(",", values);
        }
    }

    TestOrigin() throws IOException {
        listener = new OriginListener(512, this::serve);
    }

    InetSocketAddress address() {
        return listener.address();
    }

    int port() {
        return listener.port();
    }

    int connections() {
        return listener.connections();
    }

    /** The targets of the requests received so far, in order. */
    List<String> targets() {
        return requests.stream().map(Request::target).toList();
    }

    /** The last request received for {@code target}; fails the test if there was none. */
    Request seen(String target) {
        return requests.stream().filter(r -> r.target().equals(target)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the origin never saw " + target + "; it saw " + targets()));
    }

    private void serve(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        MessageReader reader = new MessageReader(in, false);
        OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 65536);
        while (true) {
            String requestLine = reader.line();
            if (requestLine == null) {
                return;
            }
            String[] parts = requestLine.split(" ");
            Map<String, List<String>> fields = new LinkedHashMap<>();
            for (MessageReader.Field field : reader.fields()) {
                fields.computeIfAbsent(field.name().trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(field.value());
            }
            byte[] body = readBody(reader, in, fields);
            Request request = new Request(parts[0], parts[1], fields, body.length, body);
            requests.add(request);
            if (!answer(request, socket, reader, in, out)) {
                return;
            }
        }
    }

    private static byte[] readBody(MessageReader reader, InputStream in, Map<String, List<String>> fields)
            throws IOException {
        if (fields.containsKey("transfer-encoding")) {
            MessageReader.ChunkedBody body = reader.chunked();
            if (!body.complete()) {
                throw new EOFException("connection ended inside a chunked body");
            }
            return body.data();
        }
        if (fields.containsKey("content-length")) {
            int length = Integer.parseInt(fields.get("content-length").get(0));
            byte[] bytes = in.readNBytes(length);
            if (bytes.length < length) {
                // An incomplete request is not recorded: it never reached the origin as a request.
                throw new EOFException("connection ended inside a body");
            }
            return bytes;
        }
        return new byte[0];
    }

    /** @return false when the connection must end after this answer */
    private boolean answer(Request request, Socket socket, MessageReader reader, InputStream in, OutputStream out) throws IOException {
        String path = request.target();
        if (path.equals("/echo") || path.startsWith("/echo?")) {
            StringBuilder text = new StringBuilder(request.method() + " " + request.target() + "\n");
            request.fields().forEach((name, values) -> values.forEach(v -> text.append(name).append(": ").append(v).append('\n')));
            text.append("body-bytes: ").append(request.bodyBytes()).append('\n');
            text.append("body-hash: ").append(Arrays.hashCode(request.body())).append('\n');
            send(out, 200, text.toString().getBytes(StandardCharsets.UTF_8));
        } else if (path.startsWith("/bytes/")) {
            send(out, 200, pattern(Integer.parseInt(path.substring(7))));
        } else if (path.startsWith("/chunked/")) {
            byte[] body = pattern(Integer.parseInt(path.substring(9)));
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            message.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Digest\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int offset = 0; offset < body.length; offset += 1000) {
                int n = Math.min(1000, body.length - offset);
                message.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                message.write(body, offset, n);
                message.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            message.write("0\r\nX-Digest: done\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(message.toByteArray());
        } else if (path.startsWith("/close/")) {
            byte[] body = pattern(Integer.parseInt(path.substring(7)));
            out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return false;
        } else if (path.startsWith("/status/")) {
            int status = Integer.parseInt(path.substring(8));
            boolean bodyless = status < 200 || status == 204 || status == 304;
            out.write(("HTTP/1.1 " + status + " Test\r\n" + (bodyless ? "" : "Content-Length: 0\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } else if (path.startsWith("/slow/")) {
            try {
                Thread.sleep(Long.parseLong(path.substring(6)));
            } catch (InterruptedException e) {
                return false;
            }
            send(out, 200, "slow\n".getBytes(StandardCharsets.US_ASCII));
        } else if (path.equals("/reset")) {
            socket.setSoLinger(true, 0);
            return false;
        } else if (path.equals("/garbage")) {
            out.write("this is not http\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return false;
        } else if (path.equals("/upgrade")) {
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + request.field("upgrade")
                    + "\r\nConnection: Upgrade\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            socket.shutdownOutput();
            return false;
        } else if (path.startsWith("/short/")) {
            int promised = Integer.parseInt(path.substring(7));
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + promised + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(pattern(promised / 2));
            out.flush();
            return false;
        } else if (path.equals("/fin")) {
            send(out, 200, "fin\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return false;
        } else if (path.equals("/stale")) {
            send(out, 200, "stale\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Read the whole next head (no unread bytes, so closing sends FIN, not a reset).
            for (String line = reader.line(); line != null && !line.isEmpty(); line = reader.line()) {
                // dropped
            }
            return false;
        } else if (path.equals("/health")) {
            int status = healthStatus;
            healthAnswers.add(status);
            out.write(("HTTP/1.1 " + status + " Health\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        } else if (path.equals("/gate")) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                return false;
            }
            send(out, 200, "gate\n".getBytes(StandardCharsets.US_ASCII));
        } else if (request.method().equals("HEAD")) {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            send(out, 200, "ok\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
        return !"close".equalsIgnoreCase(request.field("connection"));
    }

    private static void send(OutputStream out, int status, byte[] body) throws IOException {
        out.write(("HTTP/1.1 " + status + " OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
    }

    /** Deterministic body bytes: byte i is (i * 31 + 7) & 0xff. */
    static byte[] pattern(int size) {
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = (byte) (i * 31 + 7);
        }
        return body;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
