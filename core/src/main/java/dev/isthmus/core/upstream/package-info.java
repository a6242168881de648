/**
 * Upstreams: peers, groups of peers, per-loop keep-alive connection pools.
 *
 * <p>Depends on the JDK and on {@code dev.isthmus.core} packages only; knows no protocol.
 * Balancing lives in {@code upstream.balance}, health checking in {@code upstream.health}.
 */
package dev.isthmus.core.upstream;
