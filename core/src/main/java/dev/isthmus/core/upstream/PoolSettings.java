package dev.isthmus.core.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * Keep-alive pooling of upstream connections, per event loop and peer.
 *
 * @param maxIdlePerPeer   idle connections kept per peer on each loop (0: no keep-alive)
 * @param idleTimeout      an idle pooled connection is closed after this long
 * @param maxConnsPerPeer  connections (busy + idle) per peer on each loop; requests beyond it wait
 *                         for one to free up. 0 means unlimited.
 */
public record PoolSettings(int maxIdlePerPeer, Duration idleTimeout, int maxConnsPerPeer) {
    public static final PoolSettings DEFAULT = new PoolSettings(128, Duration.ofSeconds(60), 0);

    public PoolSettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxIdlePerPeer < 0 || maxConnsPerPeer < 0) {
            throw new IllegalArgumentException("pool sizes must be >= 0");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive");
        }
    }
}
