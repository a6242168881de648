package dev.isthmus.protocol.http1.client;

import java.util.Objects;

/**
 * One header field of a request or response, as text: a field value is octets, carried here as
 * ISO-8859-1 so every byte survives the round trip.
 */
public record HttpHeader(String name, String value) {
    public HttpHeader {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** Whether this field is called {@code other}, compared without ASCII case as HTTP does. */
    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }
}
