package dev.isthmus.core.server;

import java.net.InetSocketAddress;
import java.util.Objects;

import dev.isthmus.core.tls.TlsContext;

/**
 * One listening address and the protocol served there, in plain TCP or behind TLS.
 *
 * @param name    how logs and {@link Server#boundAddress(String)} refer to it ("http", "admin", ...)
 * @param address where to listen; port 0 picks a free port (shared by all loops)
 * @param service what handles accepted connections
 * @param tls     the server side of TLS every accepted connection runs before the service sees
 *                it (the service then reads and writes plaintext), or null for plain TCP. One
 *                service may listen both ways (MQTT on 1883 and 8883): it is attached to each
 *                loop once either way.
 */
public record ListenerSpec(String name, InetSocketAddress address, ProtocolService service, TlsContext tls) {
    public ListenerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(service, "service");
        if (tls != null && tls.isClient()) {
            throw new IllegalArgumentException("listener " + name + " needs a server-side TLS context");
        }
    }

    /** A plain TCP listener. */
    public ListenerSpec(String name, InetSocketAddress address, ProtocolService service) {
        this(name, address, service, null);
    }
}
