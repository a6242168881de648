package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.isthmus.protocol.http1.MessageReader.Field;

/**
 * A client on a plain socket, for tests that need byte-exact control of what is sent and what
 * comes back: requests are written exactly as given (malformed ones included), and responses
 * are read and framed here (status line, fields as sent, body by HEAD/1xx/204/304, chunked
 * with its raw chunk sizes and trailer, Content-Length, or the end of the stream). What the
 * proxy sends must end its lines in CRLF. Reads give up after {@link TestProxy#PATIENCE}, so a
 * proxy that never answers fails the test instead of hanging it.
 *
 * <p>Two ways to read: {@link #read(String)} demands a whole response, for tests of what a
 * response holds; {@link #readOrNull()} reports how the connection ended (null before a
 * status line, {@link Response#truncated()} inside the body), for tests of failures.
 */
final class RawClient implements AutoCloseable {
    static final int TIMEOUT_MILLIS = (int) TestProxy.PATIENCE.toMillis();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final MessageReader reader;

    RawClient(InetSocketAddress address) throws IOException {
        this(address, 0);
    }

    /** @param receiveBuffer the socket's receive buffer size, 0 for the default; small makes a slow reader */
    RawClient(InetSocketAddress address, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(address, TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 65536);
        out = socket.getOutputStream();
        reader = new MessageReader(in, true);
    }

    /**
     * One response as it came over the wire; {@code truncated} when the connection ended inside
     * its body (only from {@link #readOrNull()}).
     */
    record Response(String statusLine, int status, List<Field> fields, byte[] body, boolean chunked, String chunkSizes,
                    List<Field> trailers, boolean truncated) {
        /** The values of every field {@code name} (case-insensitive) joined with ", ", or null. */
        String field(String name) {
            List<String> values = values(name);
            return values.isEmpty() ? null : String.join(", ", values);
        }

        List<String> values(String name) {
            List<String> values = new ArrayList<>();
            for (Field f : fields) {
                if (f.name().equalsIgnoreCase(name)) {
                    values.add(f.value());
                }
            }
            return values;
        }

        boolean has(String name) {
            return !values(name).isEmpty();
        }

        String trailer(String name) {
            for (Field f : trailers) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f.value();
                }
            }
            return null;
        }

        String text() {
            return new String(body, ISO_8859_1);
        }

        /** The head as text, for assertion messages. */
        String head() {
            StringBuilder text = new StringBuilder(statusLine).append('\n');
            fields.forEach(f -> text.append(f.name()).append(": ").append(f.value()).append('\n'));
            return text.toString();
        }
    }

    RawClient send(String text) throws IOException {
        return send(text.getBytes(ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Sends {@code GET path} with keep-alive and reads its response with {@link #readOrNull()}. */
    Response get(String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
        return readOrNull();
    }

    /**
     * Reads the next response, interim (1xx) ones included, to a request with {@code method};
     * fails if the connection ends before the response is whole.
     */
    Response read(String method) throws IOException {
        Response response = next(method);
        if (response == null) {
            throw new EOFException("connection closed before a response");
        }
        if (response.truncated()) {
            throw new EOFException("connection closed inside the body of\n" + response.head());
        }
        return response;
    }

    /**
     * Reads the next response to a request that is not HEAD, as far as it came: null when the
     * connection ended (or was reset) before a status line, marked truncated when it ended
     * (or was reset) inside the body.
     */
    Response readOrNull() throws IOException {
        try {
            return next("GET");
        } catch (SocketException reset) {
            return null;
        }
    }

    /** Reads the final response to a request with {@code method}, collecting interim ones into {@code interim}. */
    Response readFinal(String method, List<Response> interim) throws IOException {
        while (true) {
            Response response = read(method);
            if (response.status() >= 200) {
                return response;
            }
            interim.add(response);
        }
    }

    Response readFinal(String method) throws IOException {
        return readFinal(method, new ArrayList<>());
    }

    /** The next response; null when the stream ends before its status line. */
    private Response next(String method) throws IOException {
        String statusLine = reader.line();
        if (statusLine == null) {
            return null;
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        List<Field> fields = reader.fields();
        Response head = new Response(statusLine, status, fields, new byte[0], false, "", List.of(), false);
        if (method.equals("HEAD") || status < 200 || status == 204 || status == 304) {
            return head;
        }
        try {
            String transferEncoding = head.field("Transfer-Encoding");
            if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).endsWith("chunked")) {
                MessageReader.ChunkedBody body = reader.chunked();
                return new Response(statusLine, status, fields, body.data(), true, body.sizeLines(), body.trailers(),
                        !body.complete());
            }
            String length = head.field("Content-Length");
            if (length != null) {
                int size = Integer.parseInt(length.trim());
                byte[] body = in.readNBytes(size);
                return new Response(statusLine, status, fields, body, false, "", List.of(), body.length < size);
            }
            return new Response(statusLine, status, fields, in.readAllBytes(), false, "", List.of(), false);
        } catch (EOFException | SocketException ended) {
            return new Response(statusLine, status, fields, new byte[0], false, "", List.of(), true);
        }
    }

    /**
     * Whether the peer ends the stream (with nothing more to read) within the patience; false
     * if it stays open. Bytes arriving instead, or a reset, are a failure of the test.
     */
    boolean closedByPeer() throws IOException {
        try {
            int b = in.read();
            if (b != -1) {
                byte[] rest = new byte[Math.min(in.available(), 200)];
                int n = in.read(rest);
                throw new IOException("expected the end of the stream, got: " + (char) b
                        + new String(rest, 0, Math.max(n, 0), ISO_8859_1));
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    /**
     * True when the proxy ends the connection (FIN or reset) without sending another byte;
     * false when a byte arrives. Fails by timeout when the connection just stays open.
     */
    boolean endsWithoutData() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            throw stillOpen;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** Whether nothing arrives and the connection stays open for {@code millis}. */
    boolean quietFor(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            int b = in.read();
            if (b == -1) {
                return false;
            }
            throw new IOException("unexpected byte: " + (char) b);
        } catch (SocketTimeoutException quiet) {
            return true;
        } finally {
            socket.setSoTimeout(TIMEOUT_MILLIS);
        }
    }

    byte[] exactly(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new EOFException("expected " + n + " bytes, stream ended after " + bytes.length);
        }
        return bytes;
    }

    /** Whatever arrives until the end of the stream. */
    byte[] rest() throws IOException {
        return in.readAllBytes();
    }

    /** A line without its CRLF; null at the end of the stream. */
    String line() throws IOException {
        return reader.line();
    }

    /** Closes with a reset (SO_LINGER 0). */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
