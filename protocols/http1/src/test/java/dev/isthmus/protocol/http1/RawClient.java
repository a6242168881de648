package dev.isthmus.protocol.http1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client on a plain socket that writes exactly the bytes a test gives it (malformed ones
 * included) and reads responses the way a strict client would: status line, fields, and a
 * body framed by Content-Length, chunked coding or the end of the connection. Reads give up
 * after 5 s, so a proxy that never answers fails the test instead of hanging it.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 2000);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** One response as received; {@code truncated} when the connection ended inside its body. */
    record Response(String statusLine, Map<String, List<String>> fields, byte[] body, boolean truncated) {
        String field(String name) {
            List<String> values = fields.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(", ", values);
        }

        int status() {
            return Integer.parseInt(statusLine.substring(9, 12));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends {@code GET path} with keep-alive and reads its response. */
    Response get(String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
        return read();
    }

    /** Reads one response to a request that is not HEAD; null when the connection ended (or was reset) first. */
    Response read() throws IOException {
        String statusLine;
        try {
            statusLine = line();
        } catch (SocketException e) {
            return null;
        }
        if (statusLine == null) {
            return null;
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            fields.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean truncated = false;
        try {
            if (status < 200 || status == 204 || status == 304) {
                // no body
            } else if (fields.containsKey("transfer-encoding")) {
                truncated = !readChunked(body);
            } else if (fields.containsKey("content-length")) {
                long length = Long.parseLong(fields.get("content-length").get(0));
                byte[] bytes = in.readNBytes((int) length);
                body.write(bytes);
                truncated = bytes.length < length;
            } else {
                in.transferTo(body);
            }
        } catch (SocketException e) {
            truncated = true;
        }
        return new Response(statusLine, fields, body.toByteArray(), truncated);
    }

    private boolean readChunked(ByteArrayOutputStream body) throws IOException {
        while (true) {
            String sizeLine = line();
            if (sizeLine == null) {
                return false;
            }
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                    // trailer fields are dropped
                }
                return true;
            }
            byte[] bytes = in.readNBytes(size);
            body.write(bytes);
            if (bytes.length < size || line() == null) {
                return false;
            }
        }
    }

    /**
     * True when the proxy ends the connection (FIN or reset) without sending another byte;
     * false when a byte arrives. Fails by timeout (5 s) when the connection just stays open.
     */
    boolean endsWithoutData() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (SocketException e) {
            // A reset counts as an end too.
            return true;
        }
    }

    /** Closes with a reset (SO_LINGER 0). */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) b);
        }
        return line.isEmpty() ? null : line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
