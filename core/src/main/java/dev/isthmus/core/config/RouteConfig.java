package dev.isthmus.core.config;

import java.util.Locale;
import java.util.Objects;

/**
 * Sends HTTP requests for a host and path prefix to an upstream group.
 *
 * <p>Intended matching, most specific first: an exact host beats a wildcard host, which beats
 * a route without a host; among those, the longest matching path prefix wins. That is why two
 * routes with the same host and prefix are a configuration error rather than a silent
 * shadowing. {@code *.example.com} matches any name ending in {@code .example.com} (at any
 * depth) but not {@code example.com} itself, as in nginx. Host names compare case-insensitively
 * and are stored in lower case; a host is written without a port.
 *
 * @param host       exact host name, {@code *.suffix}, or null for any host
 * @param pathPrefix path prefix, starting with {@code /}; {@value #DEFAULT_PATH_PREFIX} matches every path
 * @param upstream   name of the upstream group the requests go to
 */
public record RouteConfig(String host, String pathPrefix, String upstream) {
    public static final String DEFAULT_PATH_PREFIX = "/";

    public RouteConfig {
        host = host == null ? null : normalizeHost(host);
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        checkPathPrefix(pathPrefix);
        Objects.requireNonNull(upstream, "upstream");
        if (upstream.isEmpty()) {
            throw new IllegalArgumentException("a route needs an upstream group name");
        }
    }

    /** The route every request falls back to: any host, any path. */
    public static RouteConfig catchAll(String upstream) {
        return new RouteConfig(null, DEFAULT_PATH_PREFIX, upstream);
    }

    /** True for a route matching every host and every path. */
    public boolean isCatchAll() {
        return host == null && pathPrefix.equals(DEFAULT_PATH_PREFIX);
    }

    /** True when both routes would match exactly the same requests. */
    public boolean sameMatchAs(RouteConfig other) {
        return Objects.equals(host, other.host) && pathPrefix.equals(other.pathPrefix);
    }

    /** {@code host/path -> upstream}, with {@code *} for any host. */
    @Override
    public String toString() {
        return (host == null ? "*" : host) + pathPrefix + " -> " + upstream;
    }

    /** @throws IllegalArgumentException naming what a route host may be */
    static String normalizeHost(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        String name = lower.startsWith("*.") ? lower.substring(2) : lower;
        boolean valid = !name.isEmpty() && !name.startsWith(".") && !name.endsWith(".")
                && name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_');
        if (!valid) {
            throw new IllegalArgumentException("route host '" + host
                    + "' must be a host name (no port), or *.suffix for every name under suffix");
        }
        return lower;
    }

    /** @throws IllegalArgumentException when the prefix does not start with a slash */
    static void checkPathPrefix(String pathPrefix) {
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("route path '" + pathPrefix + "' must start with '/'");
        }
    }
}
