package dev.isthmus.core.config;

import java.net.Inet6Address;

/**
 * A host and a port, and the {@code host:port} syntax shared by listen addresses, peers and
 * MQTT upstreams: {@code host:port}, {@code [v6]:port}, {@code :port} and a bare {@code port}.
 * IPv6 literals must be bracketed, because an unbracketed one cannot be told apart from its port.
 *
 * <p>As the syntax's result the host may be missing and the port 0; each caller checks them
 * against its own rules. Where the model keeps a {@code HostPort} to connect to (the MQTT
 * upstreams, see {@link MqttConfig#parseUpstream}), it has a host and a port from 1.
 *
 * @param host the host without brackets, or null when the text named none
 * @param port 0..65535
 */
public record HostPort(String host, int port) {
    public HostPort {
        if (host != null && host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty; null stands for none");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
    }

    /**
     * @param forms the forms the caller accepts, for messages about the overall shape
     * @throws IllegalArgumentException saying what is wrong, without quoting {@code text}: the
     *                                  caller names it as an address or a peer
     */
    static HostPort parse(String text, String forms) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("it is empty; expected " + forms);
        }
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected [v6]:port");
            }
            String host = text.substring(1, close);
            try {
                Inet6Address.ofLiteral(host);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + host + "' is not an IPv6 address");
            }
            return new HostPort(host, parsePort(text.substring(close + 2)));
        }
        int colon = text.lastIndexOf(':');
        if (colon != text.indexOf(':')) {
            throw new IllegalArgumentException("put IPv6 addresses in brackets, like [::1]:8080");
        }
        if (colon < 0 && !isDigits(text)) {
            throw new IllegalArgumentException("no port; expected " + forms);
        }
        String host = colon <= 0 ? null : text.substring(0, colon);
        if (host != null && !isPlainHost(host)) {
            throw new IllegalArgumentException("'" + host + "' is not a host name or address");
        }
        return new HostPort(host, parsePort(text.substring(colon + 1)));
    }

    /** A host name or IPv4 literal, or {@code *}; rejects what would only fail later, at bind or connect. */
    private static boolean isPlainHost(String host) {
        return host.equals("*")
                || host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_');
    }

    private static boolean isDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static int parsePort(String port) {
        if (!isDigits(port)) {
            throw new IllegalArgumentException("port '" + port + "' is not a number");
        }
        if (port.length() > 5 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("port " + port + " is above 65535");
        }
        return Integer.parseInt(port);
    }

    /** {@code host:port}, bracketing IPv6 literals. */
    static String format(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code host:port} with brackets around IPv6 literals, or {@code :port} without a host. */
    @Override
    public String toString() {
        return host == null ? ":" + port : format(host, port);
    }
}
