package dev.isthmus.protocol.http1.route;

import java.util.Locale;
import java.util.Objects;

import dev.isthmus.core.upstream.UpstreamGroup;

/**
 * Requests for {@code host} (null: any host; an exact name, or {@code *.suffix} for every
 * subdomain) whose path starts with {@code pathPrefix} go to {@code group}.
 */
public record Route(String host, String pathPrefix, UpstreamGroup group) {
    public Route {
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(group, "group");
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path prefix must start with /: " + pathPrefix);
        }
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            if (host.isEmpty() || (host.contains("*") && !(host.startsWith("*.") && host.lastIndexOf('*') == 0))) {
                throw new IllegalArgumentException("host must be a name or *.suffix: " + host);
            }
        }
    }
}
