package dev.isthmus.core.upstream.balance;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import dev.isthmus.core.upstream.Peer;

/** The load-balancing algorithms an upstream group can use, by their configuration names. */
public enum BalanceAlgorithm {
    /** Peers in turn, weights ignored. */
    ROUND_ROBIN("round-robin"),
    /** nginx's smooth weighted round-robin: weights honoured, picks interleaved. The default. */
    WEIGHTED_ROUND_ROBIN("weighted-round-robin"),
    /** Fewest requests in flight relative to weight (per event loop), round-robin among ties. */
    LEAST_CONN("least-conn"),
    /** nginx's ip_hash: the client's /24 (IPv4) or whole address (IPv6) picks the peer. */
    IP_HASH("ip-hash"),
    /** Ketama consistent hashing on a configured key, with nginx's points (160 per weight unit). */
    CONSISTENT_HASH("consistent-hash");

    private final String configName;

    BalanceAlgorithm(String configName) {
        this.configName = configName;
    }

    /** The name used in YAML and on the command line. */
    public String configName() {
        return configName;
    }

    /** Whether requests must supply a key (see {@link HashKey}). */
    public boolean usesKey() {
        return this == IP_HASH || this == CONSISTENT_HASH;
    }

    /**
     * A new balancer over {@code peers}; call once per event loop, since an instance keeps that
     * loop's state without locks.
     *
     * @param peers the group, in configuration order, each peer's {@link Peer#index()} equal to
     *              its position; may be empty (every pick then returns null)
     * @throws IllegalArgumentException if an index does not match its position
     */
    public BackendSelection create(List<Peer> peers) {
        List<Peer> group = List.copyOf(peers);
        for (int i = 0; i < group.size(); i++) {
            if (group.get(i).index() != i) {
                throw new IllegalArgumentException("peer " + group.get(i) + " has index " + group.get(i).index()
                        + " but is at position " + i + " of its group");
            }
        }
        return switch (this) {
            case ROUND_ROBIN -> new RoundRobin(group);
            case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedRoundRobin(group);
            case LEAST_CONN -> new LeastConnections(group);
            case IP_HASH -> new IpHash(group);
            case CONSISTENT_HASH -> new KetamaRing(group);
        };
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static BalanceAlgorithm fromName(String name) {
        for (BalanceAlgorithm algorithm : values()) {
            if (algorithm.configName.equals(name)) {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unknown load-balancing algorithm '" + name + "', expected one of "
                + Arrays.stream(values()).map(BalanceAlgorithm::configName).collect(Collectors.joining(", ")));
    }
}
