package dev.isthmus.core.config;

import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.PassiveCheck;

import java.util.List;
import java.util.Objects;

/**
 * A named group of peers that routes send requests to, and how the group picks, pools and
 * checks them.
 *
 * <p>Only {@link BalanceAlgorithm#CONSISTENT_HASH} uses a configurable {@code hashKey};
 * {@link BalanceAlgorithm#IP_HASH} always hashes the client address, and the other algorithms
 * hash nothing, so for them the key must stay {@link HashKey#CLIENT_IP} (a different key would
 * be a setting that silently does nothing).
 *
 * @param name        the group's name, which routes refer to
 * @param peers       at least one peer
 * @param lb          balancing algorithm; default {@link #DEFAULT_LB}
 * @param hashKey     what consistent hashing hashes; default {@link HashKey#CLIENT_IP}
 * @param pool        keep-alive pooling of upstream connections; default {@link PoolSettings#DEFAULT}
 * @param activeCheck active health probing, or null for none (the default)
 * @param passive     passive ejection; default {@link PassiveCheck#DEFAULT}
 * @param retries     how many other peers are tried when connecting to the picked one fails;
 *                    default {@value #DEFAULT_RETRIES}. The gateway caps it at peers - 1, so a
 *                    request never tries one peer twice.
 */
public record UpstreamGroupConfig(String name, List<PeerConfig> peers, BalanceAlgorithm lb, HashKey hashKey,
                                  PoolSettings pool, ActiveCheck activeCheck, PassiveCheck passive, int retries) {
    public static final BalanceAlgorithm DEFAULT_LB = BalanceAlgorithm.WEIGHTED_ROUND_ROBIN;
    public static final int DEFAULT_RETRIES = 1;

    public UpstreamGroupConfig {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an upstream group needs a name");
        }
        peers = List.copyOf(peers);
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("upstream group '" + name + "' has no peers");
        }
        Objects.requireNonNull(lb, "lb");
        Objects.requireNonNull(hashKey, "hashKey");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(passive, "passive");
        if (lb != BalanceAlgorithm.CONSISTENT_HASH && !hashKey.equals(HashKey.CLIENT_IP)) {
            throw new IllegalArgumentException("upstream group '" + name + "': hash key " + hashKey
                    + " is only used by consistent-hash, not by " + lb.configName());
        }
        if (retries < 0) {
            throw new IllegalArgumentException("upstream group '" + name + "': retries must be >= 0, got " + retries);
        }
    }

    /** A group with default balancing, pooling, health checking and retries. */
    public static UpstreamGroupConfig of(String name, List<PeerConfig> peers) {
        return new UpstreamGroupConfig(name, peers, DEFAULT_LB, HashKey.CLIENT_IP, PoolSettings.DEFAULT, null,
                PassiveCheck.DEFAULT, DEFAULT_RETRIES);
    }

    /** This group with other peers and everything else kept. */
    public UpstreamGroupConfig withPeers(List<PeerConfig> newPeers) {
        return new UpstreamGroupConfig(name, newPeers, lb, hashKey, pool, activeCheck, passive, retries);
    }

    /** This group with another algorithm and key and everything else kept. */
    public UpstreamGroupConfig withBalancing(BalanceAlgorithm newLb, HashKey newHashKey) {
        return new UpstreamGroupConfig(name, peers, newLb, newHashKey, pool, activeCheck, passive, retries);
    }
}
