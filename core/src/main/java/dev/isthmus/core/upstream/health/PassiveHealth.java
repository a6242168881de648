package dev.isthmus.core.upstream.health;

import dev.isthmus.core.upstream.Peer;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Passive health of one upstream group: counts the failures the proxy itself sees (connect
 * refused or timed out, reset, upstream timeout) and ejects a peer that fails
 * {@code maxFails} times in a row for {@code coolDown}, by {@link Peer#ejectUntil(long)}.
 *
 * <p>One instance is shared by all event loops of the group and is lock-free: a consecutive
 * failure counter per peer in an {@link AtomicIntegerArray} indexed by {@link Peer#index()}.
 * {@link #recordSuccess(Peer)} runs on every good exchange from every loop, so it only reads
 * while the counter is already 0 and the cache line stays shared.
 *
 * <p>When the counter reaches {@code maxFails} the peer is ejected, the counter starts again
 * from 0, a WARNING is logged and the listener hears {@link HealthListener#peerEjected}. Exactly
 * one caller wins that step even when several loops fail at once. Failures reported while the
 * peer is ejected (requests that were already under way) are ignored: they neither extend the
 * ejection nor count towards the next one. With {@code maxFails == 0} both methods do nothing.
 *
 * <p>Caveat: a peer must belong to the group this instance was made for; another group's peer
 * may share an index and would be counted in its place.
 */
public final class PassiveHealth {
    private static final Logger LOG = System.getLogger(PassiveHealth.class.getName());

    private final int maxFails;
    private final Duration coolDown;
    private final long coolDownNanos;
    private final HealthListener listener;
    /**
     * Consecutive failures per peer index. The value {@code maxFails} is transient and means "this
     * peer is being ejected by one caller right now": others back off until it is reset to 0, and
     * the ejection is published before that reset.
     */
    private final AtomicIntegerArray failures;

    /**
     * @param peers    the group's peers; {@code peers.get(i).index() == i}
     * @param check    how many failures in a row eject a peer, and for how long
     * @param listener told about each ejection; {@code new HealthListener() {}} to ignore them
     */
    public PassiveHealth(List<Peer> peers, PassiveCheck check, HealthListener listener) {
        for (int i = 0; i < peers.size(); i++) {
            if (peers.get(i).index() != i) {
                throw new IllegalArgumentException("peer " + peers.get(i) + " has index " + peers.get(i).index()
                        + " but is at position " + i);
            }
        }
        this.maxFails = check.maxFails();
        this.coolDown = check.coolDown();
        this.coolDownNanos = coolDown.toNanos();
        this.listener = Objects.requireNonNull(listener, "listener");
        this.failures = new AtomicIntegerArray(peers.size());
    }

    /**
     * Counts one failed exchange with {@code peer}; the {@code maxFails}-th in a row ejects it until
     * {@code nowNanos + coolDown}.
     *
     * @param nowNanos the current time on the {@link System#nanoTime()} clock
     */
    public void recordFailure(Peer peer, long nowNanos) {
        if (maxFails == 0) {
            return;
        }
        int i = peer.index();
        while (true) {
            // Read the counter before the ejection: the winner ejects before it resets the counter,
            // so whoever reads the reset value also sees the ejection and stops here.
            int count = failures.get(i);
            if (count >= maxFails || peer.isEjected(nowNanos)) {
                return;
            }
            if (failures.compareAndSet(i, count, count + 1)) {
                if (count + 1 == maxFails) {
                    eject(peer, nowNanos);
                }
                return;
            }
        }
    }

    /** Ends a run of failures of {@code peer}: the next failure counts as the first again. */
    public void recordSuccess(Peer peer) {
        if (maxFails == 0) {
            return;
        }
        int i = peer.index();
        while (true) {
            int count = failures.get(i);
            // 0: nothing to reset, and not writing keeps the line shared across loops.
            // maxFails: an ejection is in progress and its winner resets the counter.
            if (count == 0 || count >= maxFails || failures.compareAndSet(i, count, 0)) {
                return;
            }
        }
    }

    private void eject(Peer peer, long nowNanos) {
        peer.ejectUntil(nowNanos + coolDownNanos);
        failures.set(peer.index(), 0);
        LOG.log(Level.WARNING, "upstream peer {0} ejected for {1} ms: {2} failed request(s) in a row",
                peer.name(), String.valueOf(coolDown.toMillis()), String.valueOf(maxFails));
        try {
            listener.peerEjected(peer, coolDown);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "health listener failed for upstream peer " + peer.name(), e);
        }
    }
}
