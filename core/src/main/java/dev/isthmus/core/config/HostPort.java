package dev.isthmus.core.config;

import java.net.Inet6Address;

/**
 * The {@code host:port} syntax shared by listen addresses and peers: {@code host:port},
 * {@code [v6]:port}, {@code :port} and a bare {@code port}. IPv6 literals must be bracketed,
 * because an unbracketed one cannot be told apart from its port.
 *
 * @param host the host without brackets, or null when the text named none
 * @param port the port, not yet range-checked against the caller's rules
 */
record HostPort(String host, int port) {
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
}
