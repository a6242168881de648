/**
 * Persistent MQTT sessions and retained messages on disk: {@link dev.isthmus.protocol.mqtt.store.SessionLog},
 * an append-only log of what changes (a session, a subscription, a message queued for a session, its
 * acknowledgement, a retained message) with a length and a CRC32C per record, written and fsync'd by
 * one thread in group commits, replayed into {@link dev.isthmus.protocol.mqtt.store.StoredState} at
 * start and compacted into a snapshot when it grows. Depends on nothing of the broker: records
 * carry strings, numbers and byte arrays.
 */
package dev.isthmus.protocol.mqtt.store;
