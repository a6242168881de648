package dev.isthmus.core.upstream.balance;

import java.util.List;

import org.agrona.DirectBuffer;

import dev.isthmus.core.upstream.Peer;

/**
 * Picks the peer of an upstream group that serves one request.
 *
 * <p>One instance per event loop per group ({@link BalanceAlgorithm#create} returns a fresh one
 * each call): state such as round-robin cursors and in-flight counts belongs to the loop, so
 * nothing here is thread-safe and nothing locks. {@link #hashKey} and {@link #select} allocate
 * nothing.
 *
 * <p>A request goes through: {@code hashKey} (only when {@link BalanceAlgorithm#usesKey()}),
 * then {@code select} (again with a filter that rejects the peers already tried, if the proxy
 * retries), then {@code release} for every peer {@code select} returned, once that request is
 * finished with it.
 */
public interface BackendSelection {

    /**
     * Turns a request's key bytes (client address text, header value, path...) into the value
     * {@link #select} expects. By default the CRC-32 of the bytes (identical to
     * {@link java.util.zip.CRC32}), as an unsigned value.
     *
     * <p>The result is only meaningful to the instance that produced it, or to another instance
     * of the same algorithm.
     */
    default long hashKey(DirectBuffer key, int offset, int length) {
        return Crc32.compute(key, offset, length);
    }

    /**
     * @param keyHash what {@link #hashKey} returned for the request's key; ignored by algorithms
     *                that use no key
     * @param filter  says which peers may be used
     * @return a peer the filter accepted, or null when it accepts none
     */
    Peer select(long keyHash, PeerFilter filter);

    /**
     * The request {@link #select} picked {@code peer} for has finished with it (successfully or
     * not). Does nothing by default; least-connections uses it to count requests in flight.
     */
    default void release(Peer peer) {
    }

    /** The group's peers, {@code peers().get(i).index() == i}. Immutable. */
    List<Peer> peers();
}
