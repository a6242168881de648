package dev.isthmus.core.server;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One listening address and the protocol served there.
 *
 * @param name    how logs and {@link Server#boundAddress(String)} refer to it ("http", "admin", ...)
 * @param address where to listen; port 0 picks a free port (shared by all loops)
 * @param service what handles accepted connections
 */
public record ListenerSpec(String name, InetSocketAddress address, ProtocolService service) {
    public ListenerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(service, "service");
    }
}
