/**
 * Bridges from the embedded broker to other brokers (edge to cloud), as mosquitto's
 * {@code connection} sections: {@link dev.isthmus.protocol.mqtt.bridge.MqttBridge} subscribes
 * to the {@code out} topics in the embedded broker (through
 * {@link dev.isthmus.protocol.mqtt.LocalBroker}) and publishes what arrives to the remote broker
 * with an {@link dev.isthmus.protocol.mqtt.client.MqttClient}, and the other way round for the
 * {@code in} topics; {@link dev.isthmus.protocol.mqtt.bridge.MqttBridgeService} runs the
 * configured bridges on the server's event loops.
 *
 * <p>Depends on core (loop, server, config, observe), the MQTT codec, the client, the broker's
 * {@code LocalBroker} and {@code broker.TopicMatch}; nothing else of the broker.
 */
package dev.isthmus.protocol.mqtt.bridge;
