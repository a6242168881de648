package dev.isthmus.protocol.mqtt.bridge;

import static dev.isthmus.protocol.mqtt.bridge.EdgeBroker.args;
import static dev.isthmus.protocol.mqtt.bridge.EdgeBroker.await;
import static dev.isthmus.protocol.mqtt.bridge.EdgeBroker.bridge;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoClients.Result;
import dev.isthmus.protocol.mqtt.LiveSubscriber;
import dev.isthmus.protocol.mqtt.bridge.EdgeBroker.Remote;

/**
 * The bridge between the embedded broker and a real mosquitto, with the mosquitto command-line
 * clients on both sides, for a bridge speaking MQTT 3.1.1 and one speaking 5: messages go out
 * and come in under their prefixes, nothing loops on {@code both}, retained messages keep their
 * flag (and the local ones are sent on connecting), the queue is bounded, and restarting the
 * remote broker in the middle of a stream of QoS 1 messages loses none of them.
 */
class MqttBridgeMosquittoTest {
    private static void publish(String... args) throws Exception {
        Result result = MosquittoClients.publish(10, args);
        assertEquals(0, result.exitCode(), result.output());
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"3.1.1", "5"})
    void localMessagesReachTheRemoteBrokerUnderTheRemotePrefix(String version) throws Exception {
        try (Remote remote = Remote.start("");
             EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version,
                     "sensors/# out 1 \"\" edge-7/"));
             LiveSubscriber cloud = new LiveSubscriber(args(remote.mosquitto, version, "-t", "#", "-q", "1",
                     "-v"))) {
            edge.awaitConnected("cloud");
            for (int i = 0; i < 3; i++) {
                publish(edge.clientArgs("-t", "sensors/t" + i, "-q", "1", "-m", "v" + i));
            }
            publish(edge.clientArgs("-t", "elsewhere/t", "-q", "1", "-m", "stays"));
            assertEquals(List.of("edge-7/sensors/t0 v0", "edge-7/sensors/t1 v1", "edge-7/sensors/t2 v2"),
                    cloud.messages(3));
            assertEquals(List.of(), cloud.messagesWithin(Duration.ofMillis(500)));
            assertEquals(3, edge.metric("isthmus_mqtt_bridge_messages_out_total", "cloud"));
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"3.1.1", "5"})
    void remoteMessagesReachLocalSubscribersUnderTheLocalPrefix(String version) throws Exception {
        try (Remote remote = Remote.start("");
             EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version,
                     "cmd/# in 2 edge/ fleet/edge-7/"));
             LiveSubscriber local = new LiveSubscriber(edge.clientArgs("-t", "#", "-q", "2", "-F", "%q %t %p"))) {
            remote.awaitSubscribed("edge-cloud", 1);
            publish(args(remote.mosquitto, version, "-t", "fleet/edge-7/cmd/reboot", "-q", "2", "-m", "now"));
            publish(args(remote.mosquitto, version, "-t", "fleet/edge-7/cmd/led", "-q", "1", "-m", "on"));
            publish(args(remote.mosquitto, version, "-t", "fleet/edge-8/cmd/reboot", "-q", "1", "-m", "not us"));
            // QoS 2 reaches mosquitto_sub's output only after its handshake: the order is not kept across QoS.
            assertEquals(Set.of("2 edge/cmd/reboot now", "1 edge/cmd/led on"), new HashSet<>(local.messages(2)));
            assertEquals(List.of(), local.messagesWithin(Duration.ofMillis(500)));
            assertEquals(2, edge.metric("isthmus_mqtt_bridge_messages_in_total", "cloud"));
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"3.1.1", "5"})
    void nothingLoopsOnATopicBridgedBothWays(String version) throws Exception {
        try (Remote remote = Remote.start("");
             EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version, "loop/# both 1"));
             LiveSubscriber local = new LiveSubscriber(edge.clientArgs("-t", "loop/#", "-q", "1", "-v"));
             LiveSubscriber cloud = new LiveSubscriber(args(remote.mosquitto, version, "-t", "loop/#", "-q", "1",
                     "-v"))) {
            edge.awaitConnected("cloud");
            remote.awaitSubscribed("edge-cloud", 1);
            publish(edge.clientArgs("-t", "loop/from-edge", "-q", "1", "-m", "e1"));
            assertEquals(List.of("loop/from-edge e1"), cloud.messages(1));
            assertEquals(List.of("loop/from-edge e1"), local.messages(1));
            publish(args(remote.mosquitto, version, "-t", "loop/from-cloud", "-q", "1", "-m", "c1"));
            assertEquals(List.of("loop/from-cloud c1"), local.messages(1));
            assertEquals(List.of("loop/from-cloud c1"), cloud.messages(1));

            assertEquals(List.of(), local.messagesWithin(Duration.ofSeconds(1)));
            assertEquals(List.of(), cloud.messagesWithin(Duration.ofMillis(200)));
            assertEquals(1, edge.metric("isthmus_mqtt_bridge_messages_out_total", "cloud"));
            assertEquals(1, edge.metric("isthmus_mqtt_bridge_messages_in_total", "cloud"));
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"3.1.1", "5"})
    void retainedMessagesKeepTheirFlagBothWaysAndLocalOnesGoOutOnConnecting(String version) throws Exception {
        try (Remote remote = Remote.start("")) {
            remote.mosquitto.stop();
            try (EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version, "state/# both 1"))) {
                // Published while the remote broker is away: kept locally, sent once the bridge connects.
                publish(edge.clientArgs("-t", "state/boot", "-q", "1", "-r", "-m", "ready"));
                remote.mosquitto.restart();
                edge.awaitConnected("cloud");
                remote.awaitSubscribed("edge-cloud", 1);
                publish(edge.clientArgs("-t", "state/edge", "-q", "1", "-r", "-m", "on"));
                publish(args(remote.mosquitto, version, "-t", "state/cloud", "-q", "1", "-r", "-m", "up"));

                await(() -> retained(args(remote.mosquitto, version, "-t", "state/#", "-W", "1", "-F", "%r %t %p"))
                        .equals(Set.of("1 state/boot ready", "1 state/edge on", "1 state/cloud up")),
                        "the three retained messages at the remote broker");
                await(() -> retained(edge.clientArgs("-t", "state/#", "-W", "1", "-F", "%r %t %p"))
                        .equals(Set.of("1 state/boot ready", "1 state/edge on", "1 state/cloud up")),
                        "the three retained messages at the embedded broker");
            }
        }
    }

    /** What a new subscriber receives within a second: the retained messages. */
    private static Set<String> retained(String... args) {
        try {
            return MosquittoClients.subscribe(10, args).lines().stream().filter(line -> !line.startsWith("Timed out"))
                    .collect(Collectors.toSet());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"3.1.1", "5"})
    void restartingTheRemoteBrokerMidStreamLosesNoQos1Message(String version) throws Exception {
        int count = 3000;
        try (Remote remote = Remote.start("persistence true\npersistence_location {dir}/\nmax_queued_messages 0\n")) {
            // The reader's persistent session at the remote broker: it queues everything while the reader is away.
            Result register = MosquittoClients.subscribe(10, args(remote.mosquitto, version, "-i", "cloud-reader",
                    "-c", "-q", "1", "-t", "edge/data/#", "-E"));
            assertEquals(0, register.exitCode(), register.output());
            try (EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version,
                    "data/# out 1 \"\" edge/"))) {
                edge.awaitConnected("cloud");
                Process publisher = new ProcessBuilder(MosquittoClients.PUB.toString(), "-h", "127.0.0.1", "-p",
                        String.valueOf(edge.port()), "-V", version.equals("5") ? "mqttv5" : "mqttv311",
                        "-t", "data/seq", "-q", "1", "-l").redirectErrorStream(true).start();
                Thread writer = Thread.ofVirtual().start(() -> {
                    try (OutputStream lines = publisher.getOutputStream()) {
                        for (int i = 0; i < count; i++) {
                            lines.write(("m" + i + "\n").getBytes(StandardCharsets.UTF_8));
                            if (i % 5 == 4) {
                                lines.flush();
                                Thread.sleep(1);
                            }
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                // Restarted while the stream flows: some messages in flight, later ones queued meanwhile.
                await(() -> edge.metric("isthmus_mqtt_bridge_messages_out_total", "cloud") > count / 4,
                        "a quarter of the messages out");
                remote.mosquitto.restart();
                writer.join();
                assertEquals(0, publisher.waitFor(), new String(publisher.getInputStream().readAllBytes(),
                        StandardCharsets.UTF_8));
                await(() -> edge.metric("isthmus_mqtt_bridge_queued_messages", "cloud") == 0
                        && edge.metric("isthmus_mqtt_bridge_connected", "cloud") == 1,
                        "every message acknowledged by the remote broker");
                assertEquals(0, edge.metric("isthmus_mqtt_bridge_messages_dropped_total", "cloud"));
            }
            Set<String> expected = IntStream.range(0, count).mapToObj(i -> "m" + i).collect(Collectors.toSet());
            List<String> received = new ArrayList<>();
            try (LiveSubscriber reader = new LiveSubscriber(args(remote.mosquitto, version, "-i", "cloud-reader", "-c",
                    "-q", "1", "-t", "edge/data/#"))) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!new HashSet<>(received).containsAll(expected) && System.nanoTime() < deadline) {
                    received.addAll(reader.messagesWithin(Duration.ofMillis(500)));
                }
            }
            Set<String> missing = new HashSet<>(expected);
            received.forEach(missing::remove);
            assertEquals(Set.of(), missing, "lost across the restart (" + received.size() + " received)");
            assertTrue(received.size() >= count);
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"3.1.1", "5"})
    void aFullQueueDropsAndCountsAndWhatWasKeptGoesOutOnceConnected(String version) throws Exception {
        try (Remote remote = Remote.start("persistence true\npersistence_location {dir}/\n")) {
            Result register = MosquittoClients.subscribe(10, args(remote.mosquitto, version, "-i", "queue-reader",
                    "-c", "-q", "1", "-t", "q/#", "-E"));
            assertEquals(0, register.exitCode(), register.output());
            remote.mosquitto.stop();
            try (EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version, 5, "q/# out 1"))) {
                for (int i = 0; i < 10; i++) {
                    publish(edge.clientArgs("-t", "q/n", "-q", "1", "-m", "q" + i));
                }
                publish(edge.clientArgs("-t", "q/zero", "-q", "0", "-m", "lost"));
                // The bridge may live on the other loop: the deliveries reach it a moment after the PUBACKs.
                await(() -> edge.metric("isthmus_mqtt_bridge_messages_dropped_total", "cloud") == 6,
                        "five QoS 1 messages over the bound and the QoS 0 one dropped");
                assertEquals(5, edge.metric("isthmus_mqtt_bridge_queued_messages", "cloud"));
                assertEquals(0, edge.metric("isthmus_mqtt_bridge_connected", "cloud"));
                assertTrue(edge.metric("isthmus_mqtt_bridge_connect_failures_total", "cloud") > 0);

                remote.mosquitto.restart();
                await(() -> edge.metric("isthmus_mqtt_bridge_queued_messages", "cloud") == 0, "the queue sent");
            }
            Result read = MosquittoClients.subscribe(10, args(remote.mosquitto, version, "-i", "queue-reader", "-c",
                    "-q", "1", "-t", "q/#", "-W", "2"));
            assertEquals(List.of("q0", "q1", "q2", "q3", "q4"),
                    read.lines().stream().filter(line -> !line.startsWith("Timed out")).toList());
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"5"})
    void aRemoteBrokerThatTakesOnlyQos0GetsQos0AndNothingStaysQueued(String version) throws Exception {
        try (Remote remote = Remote.start("max_qos 0\n");
             EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version, "low/# out 1"));
             LiveSubscriber cloud = new LiveSubscriber(args(remote.mosquitto, version, "-t", "low/#", "-F", "%q %p"))) {
            edge.awaitConnected("cloud");
            for (int i = 0; i < 3; i++) {
                publish(edge.clientArgs("-t", "low/x", "-q", "1", "-m", "l" + i));
            }
            assertEquals(List.of("0 l0", "0 l1", "0 l2"), cloud.messages(3));
            await(() -> edge.metric("isthmus_mqtt_bridge_queued_messages", "cloud") == 0, "nothing queued");
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"5"})
    void mqtt5PropertiesTravelWithBridgedMessages(String version) throws Exception {
        try (Remote remote = Remote.start("");
             EdgeBroker edge = EdgeBroker.start(bridge("cloud", remote.mosquitto, version, "props/# both 1"));
             LiveSubscriber cloud = new LiveSubscriber(args(remote.mosquitto, version, "-t", "props/out", "-q", "1",
                     "-F", "%C|%P|%p"));
             LiveSubscriber local = new LiveSubscriber(edge.clientArgs("-t", "props/in", "-q", "1", "-F",
                     "%C|%P|%p"))) {
            edge.awaitConnected("cloud");
            remote.awaitSubscribed("edge-cloud", 1);
            publish(edge.clientArgs("-t", "props/out", "-q", "1", "-m", "body", "-D", "publish", "user-property",
                    "site", "north", "-D", "publish", "content-type", "text/plain"));
            assertEquals(List.of("text/plain|site:north|body"), cloud.messages(1));
            publish(args(remote.mosquitto, version, "-t", "props/in", "-q", "1", "-m", "cmd", "-D", "publish",
                    "user-property", "from", "cloud", "-D", "publish", "content-type", "application/json"));
            assertEquals(List.of("application/json|from:cloud|cmd"), local.messages(1));
        }
    }
}
