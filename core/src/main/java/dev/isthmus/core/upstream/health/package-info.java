/**
 * Health of upstream peers: active probes (TCP connect, HTTP GET) on virtual threads, and
 * passive ejection after consecutive failures seen by the proxy. Results are published on
 * the shared {@code Peer} objects and read by the loops without locks.
 */
package dev.isthmus.core.upstream.health;
