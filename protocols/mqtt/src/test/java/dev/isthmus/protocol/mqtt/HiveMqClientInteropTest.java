package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/** The embedded broker with the HiveMQ MQTT client, in 5 and in 3.1.1. */
class HiveMqClientInteropTest {
    private static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(2);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void mqtt5PublishAndSubscribeAtEveryQos() throws Exception {
        Mqtt5BlockingClient subscriber = Mqtt5Client.builder().identifier("hive-sub").serverHost(broker.host())
                .serverPort(broker.port()).buildBlocking();
        Mqtt5BlockingClient publisher = Mqtt5Client.builder().identifier("hive-pub").serverHost(broker.host())
                .serverPort(broker.port()).buildBlocking();
        subscriber.connect();
        publisher.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
            subscriber.subscribeWith().topicFilter("hive/+/data").qos(MqttQos.EXACTLY_ONCE).send();
            for (MqttQos qos : MqttQos.values()) {
                publisher.publishWith().topic("hive/" + qos.getCode() + "/data").qos(qos)
                        .payload(("q" + qos.getCode()).getBytes(UTF_8))
                        .userProperties().add("unit", "celsius").applyUserProperties().send();
            }
            for (MqttQos qos : MqttQos.values()) {
                Mqtt5Publish got = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertEquals("hive/" + qos.getCode() + "/data", got.getTopic().toString());
                assertEquals(qos, got.getQos());
                assertEquals("q" + qos.getCode(), new String(got.getPayloadAsBytes(), UTF_8));
                assertEquals(List.of("unit=celsius"), got.getUserProperties().asList().stream()
                        .map(p -> p.getName() + "=" + p.getValue()).toList());
            }
        } finally {
            subscriber.disconnect();
            publisher.disconnect();
        }
    }

    @Test
    void mqtt3RetainedMessagesReachLaterSubscribers() throws Exception {
        Mqtt3BlockingClient client = Mqtt3Client.builder().identifier("hive3").serverHost(broker.host())
                .serverPort(broker.port()).buildBlocking();
        client.connect();
        try {
            client.publishWith().topic("hive3/config").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload("interval=30".getBytes(UTF_8)).send();
            try (Mqtt3BlockingClient.Mqtt3Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
                client.subscribeWith().topicFilter("hive3/#").qos(MqttQos.AT_LEAST_ONCE).send();
                var got = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertTrue(got.isRetain());
                assertEquals("interval=30", new String(got.getPayloadAsBytes(), UTF_8));
            }
        } finally {
            client.disconnect();
        }
    }
}
