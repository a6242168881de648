package dev.isthmus.protocol.http1.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A final response as a {@link LoopHttpClient} received it: status, reason phrase, every header
 * field in order (hop-by-hop ones included), and the whole body, de-chunked.
 *
 * @param peer the {@code host:port} of the peer that answered
 */
public record HttpResponse(int status, String reason, List<HttpHeader> headers, byte[] body, String peer) {
    public HttpResponse {
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** The value of the first field called {@code name}, or null. */
    public String header(String name) {
        for (HttpHeader header : headers) {
            if (header.is(name)) {
                return header.value();
            }
        }
        return null;
    }

    /** The values of every field called {@code name}, in order. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>(1);
        for (HttpHeader header : headers) {
            if (header.is(name)) {
                values.add(header.value());
            }
        }
        return values;
    }

    @Override
    public String toString() {
        return status + " " + reason + " from " + peer + " (" + body.length + " bytes)";
    }
}
