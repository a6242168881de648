/**
 * Load balancing: picking a peer of an upstream group for one request.
 *
 * <p>A {@code BackendSelection} instance belongs to one event loop, so its state (round-robin
 * cursors, in-flight counts) is read and written without locks. Depends on
 * {@code dev.isthmus.core.upstream} and Agrona only.
 */
package dev.isthmus.core.upstream.balance;
