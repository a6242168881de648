/**
 * The embedded MQTT broker's data structures: subscriptions matched through a topic trie
 * (wildcards, shared subscriptions, the {@code $}-topic rule) and retained messages.
 * Single-threaded: each event loop keeps its own replica. Depends on the JDK and Agrona only.
 */
package dev.isthmus.protocol.mqtt.broker;
