/**
 * The MQTT 3.1.1 and 5.0 wire format: framing, every control packet and every v5 property and
 * reason code, decoded from and encoded into Agrona buffers over pooled off-heap chunks.
 *
 * <p>The steady path (PUBLISH and its acknowledgements) reads through reusable flyweights and
 * allocates nothing; rarer packets (CONNECT, SUBSCRIBE, ...) decode into small immutable values.
 * Hostile input ends in a reason code the connection can answer with, never in an exception.
 * Instances are not thread-safe; each belongs to one connection on one event loop.
 *
 * <p>Depends on the JDK and Agrona's buffer interfaces only.
 */
package dev.isthmus.protocol.mqtt.codec;
