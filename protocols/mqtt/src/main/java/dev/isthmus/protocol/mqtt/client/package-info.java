/**
 * An MQTT 3.1.1 and 5.0 client on an Isthmus event loop: {@link dev.isthmus.protocol.mqtt.client.MqttClient}
 * connects through the loop's transport, keeps itself connected (keep alive, reconnect with a
 * jittered back-off) and carries QoS 0, 1 and 2 both ways, resending what was in flight after
 * a reconnect. Publications describe themselves into the codec's
 * {@link dev.isthmus.protocol.mqtt.codec.PublishEncoder}
 * ({@link dev.isthmus.protocol.mqtt.client.Publication}), so publishing allocates nothing.
 *
 * <p>Depends on core (loop, buffers, transport SPI, timers) and the MQTT codec; nothing of the
 * embedded broker.
 */
package dev.isthmus.protocol.mqtt.client;
