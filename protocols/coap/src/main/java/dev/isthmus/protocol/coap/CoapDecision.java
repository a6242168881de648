package dev.isthmus.protocol.coap;

import java.util.Objects;

import dev.isthmus.protocol.coap.codec.CoapCode;

/**
 * What {@link CoapHooks#request} decides: let the request through to its resource, refuse it with
 * a response code (4.01, 4.03, 4.29, ...) and a diagnostic, or send it to another handler (a
 * route: a different upstream, a device-specific resource).
 */
public final class CoapDecision {
    private static final CoapDecision ACCEPT = new CoapDecision(0, null, null);

    private final int code;
    private final String diagnostic;
    private final CoapHandler route;

    private CoapDecision(int code, String diagnostic, CoapHandler route) {
        this.code = code;
        this.diagnostic = diagnostic;
        this.route = route;
    }

    public static CoapDecision accept() {
        return ACCEPT;
    }

    /** Refuses with {@code code}, a 4.xx or 5.xx response code, and a diagnostic payload (may be empty). */
    public static CoapDecision reject(int code, String diagnostic) {
        if (CoapCode.codeClass(code) != 4 && CoapCode.codeClass(code) != 5) {
            throw new IllegalArgumentException(CoapCode.toString(code) + " is no error code");
        }
        return new CoapDecision(code, diagnostic == null ? "" : diagnostic, null);
    }

    /** Sends the request to {@code handler} instead of the resource at its path. */
    public static CoapDecision route(CoapHandler handler) {
        return new CoapDecision(0, null, Objects.requireNonNull(handler, "handler"));
    }

    public boolean isRejected() {
        return code != 0;
    }

    public int code() {
        return code;
    }

    public String diagnostic() {
        return diagnostic;
    }

    /** The handler to use instead of the resource's, or null. */
    public CoapHandler route() {
        return route;
    }
}
