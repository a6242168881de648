/**
 * The embedded MQTT broker's data structures: subscriptions matched through a topic trie
 * (wildcards, shared subscriptions, the {@code $}-topic rule) and retained messages.
 * Single-threaded: each event loop keeps its own replica. Depends on the JDK and Agrona only.
 *
 * <ul>
 *   <li>{@link dev.isthmus.protocol.mqtt.broker.TopicTrie}: subscriptions by filter, each with
 *       its {@link dev.isthmus.protocol.mqtt.broker.SubscriptionOptions}; matches a published
 *       topic (UTF-8 in a buffer) without allocating; shared subscriptions as
 *       {@link dev.isthmus.protocol.mqtt.broker.SharedGroup}s served round-robin.</li>
 *   <li>{@link dev.isthmus.protocol.mqtt.broker.RetainedStore}: the last retained message per
 *       topic, found for a new subscription by walking its filter down a level tree.</li>
 *   <li>{@link dev.isthmus.protocol.mqtt.broker.TopicMatch}: one filter against one topic, and
 *       the validity rules of topic names and filters.</li>
 * </ul>
 */
package dev.isthmus.protocol.mqtt.broker;
