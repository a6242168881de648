package dev.isthmus.protocol.coap.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.isthmus.protocol.coap.CoapRequest;
import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.http1.client.HttpFailure;
import dev.isthmus.protocol.http1.client.HttpHeader;
import dev.isthmus.protocol.http1.client.HttpRequest;
import dev.isthmus.protocol.http1.client.HttpResponse;

/**
 * CoAP to HTTP and back, as RFC 7252 section 10.2 describes a CoAP-HTTP proxy, with the status
 * codes of the RFC 8075 mapping table read the other way. Stateless: one request in, one
 * request out; one response in, one response out.
 */
final class Translation {
    private static final String HEX = "0123456789ABCDEF";
    /** Max-Age is a 32-bit unsigned number of seconds. */
    private static final long MAX_AGE_LIMIT = 0xFFFF_FFFFL;
    private static final int MAX_ETAG_BYTES = 8;

    private Translation() {
    }

    /** The HTTP request for a CoAP one, or the response that refuses it. */
    record Mapped(HttpRequest request, CoapResponse refusal) {
        static Mapped refused(int code, String diagnostic) {
            return new Mapped(null, CoapResponse.error(code, diagnostic).maxAge(0));
        }
    }

    // ---------------------------------------------------------------- requests

    static Mapped request(CoapRequest coap) {
        String method = switch (coap.method()) {
            case CoapCode.GET -> "GET";
            case CoapCode.POST -> "POST";
            case CoapCode.PUT -> "PUT";
            case CoapCode.DELETE -> "DELETE";
            // RFC 8132: both patch a resource; HTTP PATCH promises nothing about idempotence either way.
            case CoapCode.PATCH, CoapCode.IPATCH -> "PATCH";
            default -> null;
        };
        if (method == null) {
            return Mapped.refused(CoapCode.METHOD_NOT_ALLOWED, coap.methodName() + " has no HTTP counterpart");
        }
        if (!coap.optionValues(CoapOption.PROXY_URI).isEmpty() || !coap.optionValues(CoapOption.PROXY_SCHEME).isEmpty()) {
            return Mapped.refused(CoapCode.PROXYING_NOT_SUPPORTED, "this gateway forwards by path, not by Proxy-Uri");
        }
        StringBuilder target = new StringBuilder(64);
        for (String segment : coap.path()) {
            // Origins resolve dot segments and often treat %2F as a separator (nginx does both after
            // decoding), so such a segment could reach a path outside the route's prefix.
            if (segment.equals(".") || segment.equals("..") || segment.indexOf('/') >= 0) {
                return Mapped.refused(CoapCode.BAD_REQUEST, "path segment '" + segment + "' is not forwarded");
            }
            target.append('/');
            percentEncode(target, segment, false);
        }
        if (target.isEmpty()) {
            target.append('/');
        }
        for (int i = 0; i < coap.query().size(); i++) {
            target.append(i == 0 ? '?' : '&');
            percentEncode(target, coap.query().get(i), true);
        }
        List<HttpHeader> headers = new ArrayList<>(6);
        String host = uriHost(coap);
        if (host != null) {
            headers.add(new HttpHeader("Host", host));
        }
        int contentFormat = coap.contentFormat();
        if (contentFormat >= 0) {
            String type = ContentFormats.mediaType(contentFormat);
            if (type == null) {
                return Mapped.refused(CoapCode.UNSUPPORTED_CONTENT_FORMAT, "Content-Format " + contentFormat
                        + " has no HTTP media type here");
            }
            headers.add(new HttpHeader("Content-Type", type));
        }
        int accept = coap.accept();
        if (accept >= 0) {
            String type = ContentFormats.mediaType(accept);
            if (type == null) {
                return Mapped.refused(CoapCode.NOT_ACCEPTABLE, "Accept " + accept + " has no HTTP media type here");
            }
            headers.add(new HttpHeader("Accept", type));
        }
        List<byte[]> ifMatch = coap.optionValues(CoapOption.IF_MATCH);
        if (!ifMatch.isEmpty()) {
            String tags = entityTags(ifMatch);
            if (tags == null) {
                // None of them can be an entity tag of an HTTP origin: none can match.
                return Mapped.refused(CoapCode.PRECONDITION_FAILED, "If-Match matches no entity tag");
            }
            headers.add(new HttpHeader("If-Match", tags));
        }
        if (!coap.optionValues(CoapOption.IF_NONE_MATCH).isEmpty()) {
            headers.add(new HttpHeader("If-None-Match", "*"));
        } else if (coap.method() == CoapCode.GET) {
            // ETags in a GET name the representations the client holds (RFC 7252 10.2.1).
            String tags = entityTags(coap.optionValues(CoapOption.ETAG));
            if (tags != null && !tags.equals("*")) {
                headers.add(new HttpHeader("If-None-Match", tags));
            }
        }
        String client = coap.sender().getAddress().getHostAddress();
        headers.add(new HttpHeader("X-Forwarded-For", client));
        byte[] body = coap.payload().length > 0 || (!method.equals("GET") && !method.equals("DELETE")) ? coap.payload()
                : null;
        return new Mapped(new HttpRequest(method, target.toString(), headers, body, client), null);
    }

    /** The Uri-Host the client gave, when it is a host name or address an HTTP Host field can carry. */
    private static String uriHost(CoapRequest coap) {
        List<byte[]> values = coap.optionValues(CoapOption.URI_HOST);
        if (values.isEmpty()) {
            return null;
        }
        String host = new String(values.get(0), UTF_8).toLowerCase(Locale.ROOT);
        boolean name = host.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
                || c == '-' || c == '_');
        boolean ipv6 = host.startsWith("[") && host.endsWith("]")
                && host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '[' || c == ']');
        return (name || ipv6) && !host.isEmpty() ? host : null;
    }

    /**
     * ETag option values as an HTTP list of strong entity tags: an empty value (If-Match's "it
     * exists") is {@code *}; values that are no entity-tag characters (0x21, 0x23 to 0x7E) are
     * left out, as no HTTP origin can have issued them. Null when nothing is left.
     */
    private static String entityTags(List<byte[]> values) {
        StringBuilder tags = new StringBuilder();
        for (byte[] value : values) {
            if (value.length == 0) {
                return "*";
            }
            boolean printable = true;
            for (byte b : value) {
                printable &= b == 0x21 || (b >= 0x23 && b <= 0x7E);
            }
            if (printable) {
                tags.append(tags.isEmpty() ? "" : ", ").append('"').append(new String(value, ISO_8859_1)).append('"');
            }
        }
        return tags.isEmpty() ? null : tags.toString();
    }

    /** RFC 3986 encoding of a CoAP option value, which is raw UTF-8 text, as a path segment or query part. */
    private static void percentEncode(StringBuilder out, String value, boolean query) {
        for (byte b : value.getBytes(UTF_8)) {
            int c = b & 0xFF;
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$'()*,;=:@".indexOf(c) >= 0
                    // One Uri-Query option is one parameter: its & must not split it, its + is no space.
                    || (query ? c == '/' || c == '?' : c == '&' || c == '+');
            if (plain) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xF));
            }
        }
    }

    // ---------------------------------------------------------------- responses

    /** The CoAP response for the origin's answer to {@code sent}, the translation of a {@code coapMethod} request. */
    static CoapResponse response(int coapMethod, HttpRequest sent, HttpResponse http) {
        int status = http.status();
        int code = code(coapMethod, status);
        if (code == CoapCode.BAD_GATEWAY && status < 500) {
            String location = http.header("Location");
            return CoapResponse.error(CoapCode.BAD_GATEWAY, "the origin answered " + status
                    + (location == null ? "" : " to " + location) + ", which is not followed").maxAge(0);
        }
        CoapResponse coap = CoapResponse.of(code);
        if (code != CoapCode.VALID) {
            // 2.03 Valid carries no payload (RFC 7252 5.9.1.3): the client's copy is the body.
            coap.payload(http.body());
            int format = ContentFormats.contentFormat(http.header("Content-Type"));
            if (format >= 0 && http.body().length > 0) {
                coap.contentFormat(format);
            }
        }
        Instant date = httpDate(http.header("Date"));
        long maxAge = (status == 503 || status == 429) ? retryAfter(http, date) : -1;
        coap.maxAge(maxAge >= 0 ? maxAge : freshness(http, date));
        byte[] etag = etag(http.header("ETag"));
        if (etag != null) {
            coap.option(CoapOption.ETAG, etag);
        }
        if (CoapCode.codeClass(code) == 2) {
            location(coap, sent, http);
        }
        return coap;
    }

    /**
     * HTTP status to CoAP code. Successes depend on the method, as RFC 7252 10.2 says a proxy
     * answers each: 2.05 for GET, 2.02 for DELETE, 2.01 or 2.04 for the others; 304 is 2.03.
     * Errors take the CoAP code of the same meaning, the rest of their class 4.00 or 5.00;
     * redirects are not followed and are a bad gateway.
     */
    static int code(int coapMethod, int status) {
        if (status >= 200 && status < 300) {
            if (coapMethod == CoapCode.GET) {
                return CoapCode.CONTENT;
            }
            if (coapMethod == CoapCode.DELETE) {
                return CoapCode.DELETED;
            }
            return status == 201 ? CoapCode.CREATED : CoapCode.CHANGED;
        }
        return switch (status) {
            case 304 -> CoapCode.VALID;
            case 400 -> CoapCode.BAD_REQUEST;
            case 401 -> CoapCode.UNAUTHORIZED;
            case 403 -> CoapCode.FORBIDDEN;
            case 404 -> CoapCode.NOT_FOUND;
            case 405 -> CoapCode.METHOD_NOT_ALLOWED;
            case 406 -> CoapCode.NOT_ACCEPTABLE;
            case 409 -> CoapCode.CONFLICT;
            case 412 -> CoapCode.PRECONDITION_FAILED;
            case 413 -> CoapCode.REQUEST_ENTITY_TOO_LARGE;
            case 415 -> CoapCode.UNSUPPORTED_CONTENT_FORMAT;
            case 422 -> CoapCode.UNPROCESSABLE_ENTITY;
            case 429 -> CoapCode.TOO_MANY_REQUESTS;
            case 500 -> CoapCode.INTERNAL_SERVER_ERROR;
            case 501 -> CoapCode.NOT_IMPLEMENTED;
            case 502 -> CoapCode.BAD_GATEWAY;
            case 503 -> CoapCode.SERVICE_UNAVAILABLE;
            case 504 -> CoapCode.GATEWAY_TIMEOUT;
            default -> status >= 500 ? CoapCode.INTERNAL_SERVER_ERROR
                    : status >= 400 ? CoapCode.BAD_REQUEST : CoapCode.BAD_GATEWAY;
        };
    }

    /** The response of the gateway itself when the origin gave none. */
    static CoapResponse failure(HttpFailure failure, int maxBodyBytes) {
        CoapResponse response = switch (failure) {
            case NO_PEER -> CoapResponse.error(CoapCode.BAD_GATEWAY, "no upstream peer is available");
            case CONNECT_FAILED -> CoapResponse.error(CoapCode.BAD_GATEWAY, "the upstream could not be reached");
            case INVALID_RESPONSE -> CoapResponse.error(CoapCode.BAD_GATEWAY, "the upstream's response was invalid");
            case BODY_TOO_LARGE -> CoapResponse.error(CoapCode.BAD_GATEWAY, "the upstream's response is larger than "
                    + maxBodyBytes + " bytes");
            case TIMEOUT -> CoapResponse.error(CoapCode.GATEWAY_TIMEOUT, "the upstream did not answer in time");
        };
        // A failure of this moment, not a representation to keep.
        return response.maxAge(0);
    }

    /**
     * How long the response stays fresh, in seconds (RFC 9111 4.2.1: s-maxage, then max-age, then
     * Expires), less its Age; 0 when it must not be reused unchecked or says nothing about it,
     * since Max-Age must not exceed the freshness left (RFC 7252 10.2.1).
     */
    private static long freshness(HttpResponse http, Instant date) {
        long maxAge = -1;
        long sharedMaxAge = -1;
        for (String field : http.headers("Cache-Control")) {
            for (String directive : field.split(",")) {
                String d = directive.strip().toLowerCase(Locale.ROOT);
                if (d.startsWith("no-store") || d.startsWith("no-cache") || d.equals("private")
                        || d.startsWith("private=")) {
                    return 0;
                }
                if (d.startsWith("s-maxage=")) {
                    sharedMaxAge = seconds(d.substring("s-maxage=".length()));
                } else if (d.startsWith("max-age=")) {
                    maxAge = seconds(d.substring("max-age=".length()));
                }
            }
        }
        long lifetime = sharedMaxAge >= 0 ? sharedMaxAge : maxAge;
        if (lifetime < 0) {
            Instant expires = httpDate(http.header("Expires"));
            if (http.header("Expires") != null) {
                Instant base = date != null ? date : Instant.now();
                lifetime = expires == null ? 0 : Math.max(0, expires.getEpochSecond() - base.getEpochSecond());
            }
        }
        if (lifetime < 0) {
            return 0;
        }
        long age = seconds(http.header("Age") == null ? "0" : http.header("Age").strip());
        return Math.min(MAX_AGE_LIMIT, Math.max(0, lifetime - Math.max(0, age)));
    }

    /** Retry-After in seconds (delta-seconds or an HTTP date), or -1. */
    private static long retryAfter(HttpResponse http, Instant date) {
        String value = http.header("Retry-After");
        if (value == null) {
            return -1;
        }
        long seconds = seconds(value.strip());
        if (seconds >= 0) {
            return Math.min(MAX_AGE_LIMIT, seconds);
        }
        Instant at = httpDate(value);
        if (at == null) {
            return -1;
        }
        Instant base = date != null ? date : Instant.now();
        return Math.min(MAX_AGE_LIMIT, Math.max(0, at.getEpochSecond() - base.getEpochSecond()));
    }

    /** A non-negative decimal, capped, or -1. */
    private static long seconds(String text) {
        String digits = text.startsWith("\"") && text.endsWith("\"") && text.length() > 1
                ? text.substring(1, text.length() - 1) : text;
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return digits.length() > 10 ? MAX_AGE_LIMIT : Math.min(MAX_AGE_LIMIT, Long.parseLong(digits));
    }

    private static Instant httpDate(String value) {
        if (value == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A strong entity tag whose opaque part fits an ETag option (1 to 8 bytes); null otherwise. */
    static byte[] etag(String value) {
        if (value == null) {
            return null;
        }
        String tag = value.strip();
        if (tag.length() < 3 || tag.charAt(0) != '"' || tag.charAt(tag.length() - 1) != '"') {
            // Weak tags (W/"...") only allow weak comparison, which CoAP ETags do not offer.
            return null;
        }
        byte[] opaque = tag.substring(1, tag.length() - 1).getBytes(ISO_8859_1);
        return opaque.length <= MAX_ETAG_BYTES ? opaque : null;
    }

    /**
     * Location as Location-Path and Location-Query options, when it points into the same origin:
     * the CoAP client reaches that path through this gateway as it reached the request's.
     */
    private static void location(CoapResponse coap, HttpRequest sent, HttpResponse http) {
        String location = http.header("Location");
        if (location == null) {
            return;
        }
        String authority = sent.header("Host") != null ? sent.header("Host") : http.peer();
        URI resolved;
        try {
            resolved = new URI("http://" + authority + sent.path()).resolve(location.strip());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return;
        }
        if (!"http".equalsIgnoreCase(resolved.getScheme()) || resolved.getRawAuthority() == null
                || !resolved.getRawAuthority().equalsIgnoreCase(authority) || resolved.getRawPath() == null) {
            return;
        }
        for (String segment : resolved.getRawPath().split("/")) {
            if (!segment.isEmpty()) {
                coap.option(CoapOption.LOCATION_PATH, percentDecode(segment));
            }
        }
        if (resolved.getRawQuery() != null) {
            for (String parameter : resolved.getRawQuery().split("&")) {
                coap.option(CoapOption.LOCATION_QUERY, percentDecode(parameter));
            }
        }
    }

    private static byte[] percentDecode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int high = c == '%' && i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
            int low = high >= 0 ? Character.digit(text.charAt(i + 2), 16) : -1;
            if (low >= 0) {
                out.write(high << 4 | low);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
