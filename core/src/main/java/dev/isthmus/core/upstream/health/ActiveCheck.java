package dev.isthmus.core.upstream.health;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an active health check: every {@code interval} each peer is probed with a TCP
 * connect, or an HTTP GET of {@code path} that must answer {@code expectStatus}, within
 * {@code timeout}. A peer goes down after {@code fall} failures in a row and comes back after
 * {@code rise} successes in a row. Peers start up (healthy).
 */
public record ActiveCheck(Kind kind, String path, int expectStatus, Duration interval, Duration timeout,
                          int rise, int fall) {
    public enum Kind { TCP, HTTP }

    public ActiveCheck {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        if (kind == Kind.HTTP && (path == null || !path.startsWith("/"))) {
            throw new IllegalArgumentException("an HTTP health check needs a path starting with /");
        }
        if (expectStatus < 100 || expectStatus > 599) {
            throw new IllegalArgumentException("expected status must be 100..599: " + expectStatus);
        }
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("interval and timeout must be positive");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be >= 1");
        }
    }

    /** TCP connect check with nginx-like defaults: every 5 s, 1 s timeout, rise 2, fall 3. */
    public static ActiveCheck tcp() {
        return new ActiveCheck(Kind.TCP, null, 200, Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3);
    }

    /** HTTP GET check on {@code path} expecting 200, with the same defaults as {@link #tcp()}. */
    public static ActiveCheck http(String path) {
        return new ActiveCheck(Kind.HTTP, path, 200, Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3);
    }
}
