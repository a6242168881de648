package dev.isthmus.core.upstream.balance;

import java.util.Arrays;
import java.util.stream.Collectors;

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
