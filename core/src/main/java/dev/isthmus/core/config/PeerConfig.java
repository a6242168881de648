package dev.isthmus.core.config;

import java.util.Objects;

/**
 * One configured peer of an upstream group, before it is resolved into a running
 * {@link dev.isthmus.core.upstream.Peer}.
 *
 * <p>Written {@code HOST:PORT[@WEIGHT]}, e.g. {@code 10.0.0.2:8080@3} or {@code [::1]:9000};
 * the weight defaults to {@value #DEFAULT_WEIGHT}.
 *
 * @param host   host name or address literal, without brackets; resolved when the gateway starts
 * @param port   1..65535
 * @param weight relative share of traffic, 1..{@value #MAX_WEIGHT}
 */
public record PeerConfig(String host, int port, int weight) {
    public static final int DEFAULT_WEIGHT = 1;
    /**
     * Consistent hashing places 160 ring points per unit of weight, so an unbounded weight (a
     * typo with extra zeros) could exhaust memory; real weight ratios stay far below this.
     */
    public static final int MAX_WEIGHT = 1000;

    public PeerConfig {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || host.equals("*")) {
            throw new IllegalArgumentException("a peer needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("peer port must be 1..65535: " + port);
        }
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("peer weight must be 1.." + MAX_WEIGHT + ", got " + weight);
        }
    }

    /** A peer with the default weight. */
    public static PeerConfig of(String host, int port) {
        return new PeerConfig(host, port, DEFAULT_WEIGHT);
    }

    /** @throws IllegalArgumentException quoting {@code text} and naming the accepted form */
    public static PeerConfig parse(String text) {
        int at = text.lastIndexOf('@');
        int weight = DEFAULT_WEIGHT;
        if (at >= 0) {
            String w = text.substring(at + 1);
            if (w.isEmpty() || w.length() > 9 || !w.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("bad peer '" + text + "': weight '" + w
                        + "' is not a whole number; expected HOST:PORT[@WEIGHT]");
            }
            weight = Integer.parseInt(w);
            if (weight < 1 || weight > MAX_WEIGHT) {
                throw new IllegalArgumentException("bad peer '" + text + "': weight must be 1.." + MAX_WEIGHT);
            }
        }
        String address = at >= 0 ? text.substring(0, at) : text;
        HostPort parsed;
        try {
            parsed = HostPort.parse(address, "HOST:PORT[@WEIGHT], like 10.0.0.1:8080@2");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad peer '" + text + "': " + e.getMessage());
        }
        if (parsed.host() == null || parsed.host().equals("*")) {
            throw new IllegalArgumentException("bad peer '" + text + "': a peer needs a host, like 10.0.0.1:8080");
        }
        if (parsed.port() == 0) {
            throw new IllegalArgumentException("bad peer '" + text + "': port 0 cannot be connected to");
        }
        return new PeerConfig(parsed.host(), parsed.port(), weight);
    }

    /** {@code host:port}, plus {@code @weight} when not the default; {@link #parse} reads it back. */
    @Override
    public String toString() {
        String address = HostPort.format(host, port);
        return weight == DEFAULT_WEIGHT ? address : address + "@" + weight;
    }
}
