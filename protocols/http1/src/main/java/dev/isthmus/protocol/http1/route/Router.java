package dev.isthmus.protocol.http1.route;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the route of a request, most specific host first: the routes of an exact host name,
 * then of the longest matching {@code *.suffix}, then the routes for any host; within each,
 * the longest matching path prefix wins. A host whose own routes do not match the path falls
 * through to the less specific ones, so a catch-all route really catches everything. Host
 * names are compared without case and without a port; paths as sent, case-sensitively.
 *
 * <p>Matching reads the request's bytes through {@link CharSequence} views and allocates
 * nothing; route tables are small, so a linear scan over pre-sorted entries is the fast way.
 */
public final class Router {
    private final HostRoutes[] exact;
    private final HostRoutes[] wildcards;
    private final HostRoutes anyHost;

    public Router(List<Route> routes) {
        Map<String, List<Route>> byHost = new LinkedHashMap<>();
        List<Route> forAnyHost = new ArrayList<>();
        for (Route route : routes) {
            if (route.host() == null) {
                forAnyHost.add(route);
            } else {
                byHost.computeIfAbsent(route.host(), h -> new ArrayList<>()).add(route);
            }
        }
        List<HostRoutes> exactHosts = new ArrayList<>();
        List<HostRoutes> wildcardHosts = new ArrayList<>();
        for (Map.Entry<String, List<Route>> entry : byHost.entrySet()) {
            String host = entry.getKey();
            if (host.startsWith("*.")) {
                wildcardHosts.add(new HostRoutes(host.substring(1).getBytes(US_ASCII), entry.getValue()));
            } else {
                exactHosts.add(new HostRoutes(host.getBytes(US_ASCII), entry.getValue()));
            }
        }
        wildcardHosts.sort(Comparator.comparingInt((HostRoutes h) -> h.name.length).reversed());
        this.exact = exactHosts.toArray(HostRoutes[]::new);
        this.wildcards = wildcardHosts.toArray(HostRoutes[]::new);
        this.anyHost = forAnyHost.isEmpty() ? null : new HostRoutes(new byte[0], forAnyHost);
    }

    /**
     * @param host the request's host (Host field or absolute-URI authority), port included or not; may be null
     * @param path the request path
     * @return the route, or null when none matches
     */
    public Route match(CharSequence host, CharSequence path) {
        if (host != null) {
            int length = hostLength(host);
            for (HostRoutes candidate : exact) {
                if (equalsIgnoreCase(host, length, candidate.name)) {
                    Route route = candidate.match(path);
                    if (route != null) {
                        return route;
                    }
                    break;
                }
            }
            for (HostRoutes candidate : wildcards) {
                if (endsWithIgnoreCase(host, length, candidate.name)) {
                    Route route = candidate.match(path);
                    if (route != null) {
                        return route;
                    }
                }
            }
        }
        return anyHost == null ? null : anyHost.match(path);
    }

    /** Length of the host without a trailing ":port" and without a trailing dot. */
    private static int hostLength(CharSequence host) {
        int length = host.length();
        for (int i = length - 1; i >= 0; i--) {
            char c = host.charAt(i);
            if (c == ':') {
                length = i;
                break;
            }
            if (c < '0' || c > '9') {
                break;
            }
        }
        if (length > 0 && host.charAt(length - 1) == '.') {
            length--;
        }
        return length;
    }

    private static boolean equalsIgnoreCase(CharSequence text, int length, byte[] lowerCase) {
        return length == lowerCase.length && regionMatches(text, 0, lowerCase);
    }

    /** {@code suffix} starts with '.', so "*.example.com" matches "a.example.com" but not "example.com". */
    private static boolean endsWithIgnoreCase(CharSequence text, int length, byte[] suffix) {
        return length > suffix.length && regionMatches(text, length - suffix.length, suffix);
    }

    private static boolean regionMatches(CharSequence text, int from, byte[] lowerCase) {
        for (int i = 0; i < lowerCase.length; i++) {
            char c = text.charAt(from + i);
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lowerCase[i]) {
                return false;
            }
        }
        return true;
    }

    private static final class HostRoutes {
        final byte[] name;
        final Route[] routes;
        final byte[][] prefixes;

        HostRoutes(byte[] name, List<Route> routes) {
            this.name = name;
            List<Route> sorted = new ArrayList<>(routes);
            sorted.sort(Comparator.comparingInt((Route r) -> r.pathPrefix().length()).reversed());
            this.routes = sorted.toArray(Route[]::new);
            this.prefixes = new byte[this.routes.length][];
            for (int i = 0; i < this.routes.length; i++) {
                prefixes[i] = this.routes[i].pathPrefix().getBytes(US_ASCII);
            }
        }

        Route match(CharSequence path) {
            for (int i = 0; i < routes.length; i++) {
                if (startsWith(path, prefixes[i])) {
                    return routes[i];
                }
            }
            return null;
        }

        private static boolean startsWith(CharSequence path, byte[] prefix) {
            if (path.length() < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (path.charAt(i) != prefix[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
