package dev.isthmus.core.upstream;

import java.util.List;
import java.util.Objects;

import dev.isthmus.core.upstream.balance.BackendSelection;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.ActiveHealthChecker;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.core.upstream.health.PassiveHealth;

/**
 * A named set of peers that serve the same thing, with how to pick one (balancing, per event
 * loop), how to tell whether one is healthy (active probes, passive ejection), and how often
 * to try another one when connecting fails.
 *
 * <p>Peers and health are shared by all loops; each loop picks through its own
 * {@link BackendSelection}, so picking takes no lock.
 */
public final class UpstreamGroup implements AutoCloseable {
    private final String name;
    private final List<Peer> peers;
    private final BalanceAlgorithm algorithm;
    private final HashKey hashKey;
    private final BackendSelection[] selections;
    private final PassiveHealth passive;
    private final ActiveHealthChecker active;
    private final int retries;

    /**
     * @param peers   the peers, {@code peers.get(i).index() == i}
     * @param hashKey what keyed algorithms hash (ip-hash always hashes the client address)
     * @param active  active health check, or null for none
     * @param retries how many other peers to try when connecting fails (capped at peers - 1)
     * @param loops   number of event loops that will pick from this group
     */
    public UpstreamGroup(String name, List<Peer> peers, BalanceAlgorithm algorithm, HashKey hashKey, ActiveCheck active,
                         PassiveCheck passive, int retries, int loops, HealthListener listener) {
        this.name = Objects.requireNonNull(name, "name");
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("upstream group " + name + " has no peers");
        }
        this.peers = List.copyOf(peers);
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.hashKey = algorithm == BalanceAlgorithm.IP_HASH ? HashKey.CLIENT_IP : Objects.requireNonNull(hashKey, "hashKey");
        this.selections = new BackendSelection[Math.max(1, loops)];
        for (int i = 0; i < selections.length; i++) {
            selections[i] = algorithm.create(this.peers);
        }
        this.passive = new PassiveHealth(this.peers, passive, listener);
        this.active = active == null ? null : new ActiveHealthChecker(this.peers, active, listener);
        this.retries = Math.max(0, Math.min(retries, peers.size() - 1));
    }

    /** Starts active health checking, if configured. */
    public UpstreamGroup start() {
        if (active != null) {
            active.start();
        }
        return this;
    }

    public String name() {
        return name;
    }

    public List<Peer> peers() {
        return peers;
    }

    public BalanceAlgorithm algorithm() {
        return algorithm;
    }

    public HashKey hashKey() {
        return hashKey;
    }

    /** The picking state of loop {@code loopIndex}; only that loop may use it. */
    public BackendSelection selection(int loopIndex) {
        return selections[loopIndex];
    }

    public PassiveHealth passiveHealth() {
        return passive;
    }

    public int retries() {
        return retries;
    }

    @Override
    public void close() {
        if (active != null) {
            active.close();
        }
    }

    @Override
    public String toString() {
        return name + peers;
    }
}
