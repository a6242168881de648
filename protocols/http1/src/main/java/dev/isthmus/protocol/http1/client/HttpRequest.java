package dev.isthmus.protocol.http1.client;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A whole request for a {@link LoopHttpClient}. The client owns the framing and the connection:
 * it writes {@code Content-Length} itself and manages keep-alive, so the hop-by-hop and framing
 * fields are refused here. Without a {@code Host} field the peer's {@code host:port} is sent.
 *
 * @param method        the method token ({@code GET}, {@code POST}, ...)
 * @param target        origin-form: an absolute path and an optional query, percent-encoded
 * @param headers       the end-to-end fields to send, in order
 * @param body          the body, or null for none (POST, PUT and PATCH then send an empty one)
 * @param clientAddress the address of the client the request is made for ("192.0.2.7"): what
 *                      groups balancing by client address hash; null hashes as empty
 */
public record HttpRequest(String method, String target, List<HttpHeader> headers, byte[] body, String clientAddress) {
    private static final Set<String> CLIENT_OWNED = Set.of("connection", "content-length", "transfer-encoding",
            "upgrade", "keep-alive", "te", "trailer", "proxy-connection");

    public HttpRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        headers = List.copyOf(headers);
        if (method.isEmpty() || !method.chars().allMatch(HttpRequest::isTokenChar)) {
            throw new IllegalArgumentException("not a method token: '" + method + "'");
        }
        if (!target.startsWith("/") || !target.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException("the target must be an absolute path of visible ASCII: '" + target + "'");
        }
        for (HttpHeader header : headers) {
            String name = header.name();
            if (name.isEmpty() || !name.chars().allMatch(HttpRequest::isTokenChar)) {
                throw new IllegalArgumentException("not a field name: '" + name + "'");
            }
            if (CLIENT_OWNED.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(name + " is managed by the client");
            }
            if (!header.value().chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7F && c <= 0xFF))) {
                throw new IllegalArgumentException("field " + name + " has a value with control characters");
            }
        }
    }

    /** A request without body. */
    public static HttpRequest of(String method, String target, List<HttpHeader> headers, String clientAddress) {
        return new HttpRequest(method, target, headers, null, clientAddress);
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

    /** The target up to its query. */
    public String path() {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /** Whether sending it twice has the effect of sending it once (RFC 9110 §9.2.2). */
    public boolean isIdempotent() {
        return switch (method) {
            case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" -> true;
            default -> false;
        };
    }

    /** RFC 9110 §5.6.2 tchar. */
    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    @Override
    public String toString() {
        return method + " " + target + (body == null ? "" : " (" + body.length + " bytes)");
    }
}
