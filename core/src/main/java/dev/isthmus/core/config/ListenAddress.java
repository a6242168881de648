package dev.isthmus.core.config;

import java.util.Objects;

/**
 * Where a listener binds.
 *
 * <p>Written {@code host:port}, {@code :port}, {@code port}, {@code [v6]:port} or
 * {@code *:port}; an omitted host or {@code *} means every IPv4 interface ({@code 0.0.0.0}).
 * Port 0 asks the kernel for an ephemeral port (tests use it). Host names are kept as written
 * and resolved when the listener binds.
 *
 * @param host host name or address literal, without brackets
 * @param port 0..65535
 */
public record ListenAddress(String host, int port) {
    /** The host an omitted or {@code *} host stands for. */
    public static final String ANY_HOST = "0.0.0.0";

    public ListenAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("listen host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen port must be 0..65535: " + port);
        }
    }

    /** @throws IllegalArgumentException quoting {@code text} and naming the accepted forms */
    public static ListenAddress parse(String text) {
        HostPort parsed;
        try {
            parsed = HostPort.parse(text, "host:port, :port, port or [v6]:port");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad address '" + text + "': " + e.getMessage());
        }
        String host = parsed.host() == null || parsed.host().equals("*") ? ANY_HOST : parsed.host();
        return new ListenAddress(host, parsed.port());
    }

    /** {@code host:port}, with brackets around IPv6 literals; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return HostPort.format(host, port);
    }
}
