package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A client on a raw socket, for tests that need byte-exact control of what is sent and
 * what comes back: requests are written exactly as given, and responses are read and framed
 * here (status line, fields as sent, body by HEAD/1xx/204/304, chunked, Content-Length or
 * end of stream), keeping the raw chunked bytes and the trailer.
 */
final class SemanticsWire implements AutoCloseable {
    static final int TIMEOUT_MILLIS = (int) SemanticsProxy.PATIENCE.toMillis();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    SemanticsWire(InetSocketAddress address) throws IOException {
        this(address, 0);
    }

    /** @param receiveBuffer the socket's receive buffer size, 0 for the default; small makes a slow reader */
    SemanticsWire(InetSocketAddress address, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(address, TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 65536);
        out = socket.getOutputStream();
    }

    record Field(String name, String value) {
    }

    /** One response as it came over the wire. */
    record Response(String statusLine, int status, List<Field> fields, byte[] body, boolean chunked, String chunkSizes,
                    List<Field> trailers) {
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

    SemanticsWire send(String text) throws IOException {
        return send(text.getBytes(ISO_8859_1));
    }

    SemanticsWire send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Reads the next response, interim (1xx) ones included, to a request with {@code method}. */
    Response read(String method) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        List<Field> fields = fields();
        boolean bodiless = method.equals("HEAD") || status < 200 || status == 204 || status == 304;
        if (bodiless) {
            return new Response(statusLine, status, fields, new byte[0], false, "", List.of());
        }
        Response head = new Response(statusLine, status, fields, null, false, "", List.of());
        String transferEncoding = head.field("Transfer-Encoding");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).endsWith("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            StringBuilder sizes = new StringBuilder();
            while (true) {
                String sizeLine = line();
                if (sizeLine == null) {
                    throw new EOFException("connection closed inside a chunked body");
                }
                sizes.append(sizeLine).append(' ');
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                body.write(exactly(size));
                String end = line();
                if (!"".equals(end)) {
                    throw new IOException("chunk not followed by CRLF: " + end);
                }
            }
            List<Field> trailers = fields();
            return new Response(statusLine, status, fields, body.toByteArray(), true, sizes.toString().trim(), trailers);
        }
        String length = head.field("Content-Length");
        byte[] body = length != null ? exactly(Integer.parseInt(length.trim())) : in.readAllBytes();
        return new Response(statusLine, status, fields, body, false, "", List.of());
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

    /**
     * Whether the peer ends the stream (with nothing more to read) within the patience;
     * false if it stays open. Bytes arriving instead are a failure of the test.
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

    private List<Field> fields() throws IOException {
        List<Field> fields = new ArrayList<>();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("not a field line: " + line);
            }
            fields.add(new Field(line.substring(0, colon), line.substring(colon + 1).trim()));
        }
        return fields;
    }

    /** A line without its CRLF; null at the end of the stream. Bare LF is refused: the proxy must send CRLF. */
    String line() throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int end = line.length();
                if (end == 0 || line.charAt(end - 1) != '\r') {
                    throw new IOException("line not ended by CRLF: " + line);
                }
                line.setLength(end - 1);
                return line.toString();
            }
            line.append((char) b);
        }
        if (!line.isEmpty()) {
            throw new EOFException("stream ended inside a line: " + line);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
