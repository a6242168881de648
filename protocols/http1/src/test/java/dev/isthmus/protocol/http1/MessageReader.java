package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the parts of HTTP/1.1 messages from a blocking stream, for the tests' own clients and
 * origins: lines, field lines and chunked bodies. Text is ISO-8859-1, so each byte is one char.
 *
 * <p>A strict reader, as a client checking what the proxy sends uses, refuses a line that does
 * not end in CRLF and a stream that ends inside a line. A lenient one, as the origins use, also
 * takes a bare LF and returns a last line cut short by the end of the stream.
 */
final class MessageReader {
    record Field(String name, String value) {
    }

    /**
     * A chunked body as it arrived: the data, the chunk-size lines (separated by spaces), the
     * trailer fields, and whether it was complete (false when the stream ended inside it).
     */
    record ChunkedBody(byte[] data, String sizeLines, List<Field> trailers, boolean complete) {
    }

    private final InputStream in;
    private final boolean strict;

    MessageReader(InputStream in, boolean strict) {
        this.in = in;
        this.strict = strict;
    }

    /** A line without its line end; null at the end of the stream. */
    String line() throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int end = line.length();
                boolean crlf = end > 0 && line.charAt(end - 1) == '\r';
                if (strict && !crlf) {
                    throw new IOException("line not ended by CRLF: " + line);
                }
                if (crlf) {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) b);
        }
        if (line.isEmpty()) {
            return null;
        }
        if (strict) {
            throw new EOFException("stream ended inside a line: " + line);
        }
        return line.toString();
    }

    /** Field lines up to the empty line that ends them (or the end of the stream), values trimmed. */
    List<Field> fields() throws IOException {
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

    /** A chunked body, from its first chunk-size line through its trailer section. */
    ChunkedBody chunked() throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        StringBuilder sizes = new StringBuilder();
        while (true) {
            String sizeLine = line();
            if (sizeLine == null) {
                return new ChunkedBody(data.toByteArray(), sizes.toString().trim(), List.of(), false);
            }
            sizes.append(sizeLine).append(' ');
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                return new ChunkedBody(data.toByteArray(), sizes.toString().trim(), fields(), true);
            }
            byte[] bytes = in.readNBytes(size);
            data.write(bytes);
            String end = bytes.length < size ? null : line();
            if (end == null) {
                return new ChunkedBody(data.toByteArray(), sizes.toString().trim(), List.of(), false);
            }
            if (!end.isEmpty()) {
                throw new IOException("chunk not followed by CRLF: " + new String(bytes, ISO_8859_1) + end);
            }
        }
    }
}
