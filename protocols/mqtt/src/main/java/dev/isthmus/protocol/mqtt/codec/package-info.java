/**
 * The MQTT 3.1.1 and 5.0 wire format: framing, every control packet and every v5 property and
 * reason code, decoded from and encoded into Agrona buffers over off-heap chunks.
 *
 * <p>Inbound: {@link dev.isthmus.protocol.mqtt.codec.FrameReader} splits a connection's byte
 * stream into packets (in place when a packet is whole in a chunk); PUBLISH and its
 * acknowledgements are read through the reusable flyweights
 * {@link dev.isthmus.protocol.mqtt.codec.PublishView} and
 * {@link dev.isthmus.protocol.mqtt.codec.AckView}; the rarer packets (CONNECT, SUBSCRIBE, ...)
 * decode through {@link dev.isthmus.protocol.mqtt.codec.MqttDecoder} into small immutable
 * records ({@link dev.isthmus.protocol.mqtt.codec.MqttPacket}) with their properties in
 * {@link dev.isthmus.protocol.mqtt.codec.MqttProperties}. Outbound:
 * {@link dev.isthmus.protocol.mqtt.codec.PublishEncoder} writes PUBLISH (once per fan-out, with
 * a known packet identifier position), {@link dev.isthmus.protocol.mqtt.codec.MqttEncoder} the
 * rest; both announce the exact length first.
 *
 * <p>The steady path (framing, PUBLISH and its acknowledgements, both ways) allocates nothing;
 * rarer packets allocate their records. Hostile input ends in a
 * {@link dev.isthmus.protocol.mqtt.codec.ReasonCode} the connection can answer with, never in an
 * exception, and no decoder reads outside the bytes it is given. Instances are not thread-safe;
 * each belongs to one connection on one event loop.
 *
 * <p>Depends on the JDK and Agrona's buffer interfaces only.
 */
package dev.isthmus.protocol.mqtt.codec;
