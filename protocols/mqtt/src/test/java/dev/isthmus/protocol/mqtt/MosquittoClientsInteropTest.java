package dev.isthmus.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoClients.Result;

/**
 * The embedded broker with the command-line clients devices and scripts use: mosquitto_pub and
 * mosquitto_sub (Debian mosquitto-clients), MQTT 3.1.1 and 5.
 */
class MosquittoClientsInteropTest {
    private static TestBroker broker;

    @BeforeAll
    static void start() throws IOException {
        broker = TestBroker.start(2);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static String[] connection(String version, String... more) {
        List<String> args = new ArrayList<>(List.of("-h", broker.host(), "-p", String.valueOf(broker.port()),
                "-V", version));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0} qos {1}")
    @CsvSource({"mqttv311, 0", "mqttv311, 1", "mqttv311, 2", "mqttv5, 0", "mqttv5, 1", "mqttv5, 2"})
    void aPublishReachesASubscriberAtEachQos(String version, int qos) throws Exception {
        String topic = "plant/" + version + "/q" + qos;
        try (LiveSubscriber sub = new LiveSubscriber(connection(version, "-t", topic, "-q", String.valueOf(qos)))) {
            for (int i = 0; i < 3; i++) {
                Result pub = MosquittoClients.publish(10, connection(version, "-t", topic, "-q", String.valueOf(qos),
                        "-m", "reading-" + i));
                assertEquals(0, pub.exitCode(), pub.output());
            }
            List<String> got = sub.messages(3);
            if (qos == 0) {
                // Each reading comes on a connection of its own, maybe on another loop, and a QoS 0
                // publisher leaves without waiting: MQTT orders messages within a connection only.
                got = got.stream().sorted().toList();
            }
            assertEquals(List.of("reading-0", "reading-1", "reading-2"), got);
        }
    }

    @Test
    void wildcardsMatchLevelsAndTheirParents() throws Exception {
        try (LiveSubscriber plus = new LiveSubscriber(connection("mqttv311", "-t", "site/+/temp", "-v"));
             LiveSubscriber hash = new LiveSubscriber(connection("mqttv311", "-t", "site/#", "-v"))) {
            for (String topic : List.of("site/a/temp", "site/b/humidity", "site", "site/c/temp")) {
                assertEquals(0, MosquittoClients.publish(10, connection("mqttv311", "-t", topic, "-m", "x")).exitCode());
            }
            assertEquals(List.of("site/a/temp x", "site/c/temp x"), plus.messages(2));
            assertEquals(List.of("site/a/temp x", "site/b/humidity x", "site x", "site/c/temp x"), hash.messages(4));
        }
    }

    @Test
    void aRetainedMessageGreetsLaterSubscribersUntilItIsCleared() throws Exception {
        String topic = "devices/d1/status";
        assertEquals(0, MosquittoClients.publish(10, connection("mqttv311", "-t", topic, "-r", "-q", "1",
                "-m", "online")).exitCode());
        Result first = MosquittoClients.subscribe(10, connection("mqttv5", "-t", "devices/+/status", "-C", "1", "-v"));
        assertEquals(List.of(topic + " online"), first.lines());

        // An empty retained message clears it: a new subscriber then waits in vain.
        assertEquals(0, MosquittoClients.publish(10, connection("mqttv311", "-t", topic, "-r", "-n")).exitCode());
        Result after = MosquittoClients.subscribe(10, connection("mqttv311", "-t", topic, "-W", "1"));
        assertEquals(List.of(), after.lines().stream().filter(l -> !l.startsWith("Timed out")).toList());
    }

    @Test
    void aPersistentSessionKeepsQos1MessagesWhileItsClientIsAway() throws Exception {
        String id = "meter-7";
        // Subscribe with a persistent session (-c), then leave once the SUBACK arrived (-E).
        Result register = MosquittoClients.subscribe(10, connection("mqttv311", "-i", id, "-c", "-q", "1",
                "-t", "meters/7/cmd", "-E"));
        assertEquals(0, register.exitCode(), register.output());
        for (int i = 0; i < 5; i++) {
            assertEquals(0, MosquittoClients.publish(10, connection("mqttv311", "-t", "meters/7/cmd", "-q", "1",
                    "-m", "cmd-" + i)).exitCode());
        }
        Result back = MosquittoClients.subscribe(10, connection("mqttv311", "-i", id, "-c", "-q", "1",
                "-t", "meters/7/cmd", "-C", "5"));
        assertEquals(List.of("cmd-0", "cmd-1", "cmd-2", "cmd-3", "cmd-4"), back.lines());
    }

    @Test
    void mqtt5UserPropertiesAndContentTypeTravelWithTheMessage() throws Exception {
        try (LiveSubscriber sub = new LiveSubscriber(connection("mqttv5", "-t", "props/t", "-F", "%C|%P|%p"))) {
            Result pub = MosquittoClients.publish(10, connection("mqttv5", "-t", "props/t", "-m", "body",
                    "-D", "publish", "user-property", "site", "north",
                    "-D", "publish", "content-type", "text/plain"));
            assertEquals(0, pub.exitCode(), pub.output());
            List<String> got = sub.messages(1);
            assertEquals(1, got.size());
            assertTrue(got.getFirst().startsWith("text/plain|"), got.getFirst());
            assertTrue(got.getFirst().contains("site:north"), got.getFirst());
            assertTrue(got.getFirst().endsWith("|body"), got.getFirst());
        }
    }

    @Test
    void aBurstFromAFastPublisherArrivesWhole() throws Exception {
        int count = 100_000;
        java.nio.file.Path lines = java.nio.file.Files.createTempFile("burst", ".txt");
        try {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < count; i++) {
                text.append("sample-").append(i).append('\n');
            }
            java.nio.file.Files.writeString(lines, text);
            try (LiveSubscriber sub = new LiveSubscriber(connection("mqttv311", "-t", "burst/t", "-q", "0"))) {
                Result pub = MosquittoClients.publishLines(60, lines, connection("mqttv311", "-t", "burst/t", "-q", "0"));
                assertEquals(0, pub.exitCode(), pub.output());
                // QoS 0 over a healthy connection: a subscriber that is merely slower loses nothing.
                List<String> got = sub.messages(count);
                assertEquals(count, got.size());
                assertEquals("sample-0", got.getFirst());
                assertEquals("sample-" + (count - 1), got.getLast());
            }
        } finally {
            java.nio.file.Files.deleteIfExists(lines);
        }
    }
}
