package dev.isthmus.protocol.mqtt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoProcess;
import dev.isthmus.protocol.mqtt.LiveSubscriber;
import dev.isthmus.protocol.mqtt.MqttBrokerService;
import dev.isthmus.protocol.mqtt.MqttSettings;
import dev.isthmus.protocol.mqtt.client.ClientHarness.Received;
import dev.isthmus.protocol.mqtt.client.ClientHarness.Text;
import dev.isthmus.protocol.mqtt.codec.FrameReader;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PacketType;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.Subscription;
import dev.isthmus.protocol.mqtt.codec.Will;

/**
 * The MQTT client against a real mosquitto, both protocol versions: QoS 0, 1 and 2 each way,
 * what is in flight resent after the connection is cut (through {@link ControlledRelay}),
 * exactly once for QoS 2, keep alive, credentials and wills, a broker restart, and a 5.0
 * broker's Receive Maximum (the embedded broker, where it can be set low).
 */
class MqttClientMosquittoTest {
    private static MosquittoProcess mosquitto;

    @BeforeAll
    static void startMosquitto() throws Exception {
        mosquitto = MosquittoProcess.start();
    }

    @AfterAll
    static void stopMosquitto() throws Exception {
        mosquitto.close();
    }

    private static MqttVersion version(String name) {
        return name.equals("5") ? MqttVersion.V5 : MqttVersion.V3_1_1;
    }

    private static String[] at(MosquittoProcess broker, String version, String... more) {
        List<String> args = new ArrayList<>(List.of("-h", broker.host(), "-p", String.valueOf(broker.port()), "-V",
                version.equals("5") ? "mqttv5" : "mqttv311"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static List<Text> texts(String topic, String prefix, int count, int qos) {
        return IntStream.range(0, count).mapToObj(i -> Text.of(topic, prefix + i, qos)).toList();
    }

    private static List<String> payloads(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }

    @ParameterizedTest(name = "MQTT {0}, QoS {1}")
    @CsvSource({"3.1.1, 0", "3.1.1, 1", "3.1.1, 2", "5, 0", "5, 1", "5, 2"})
    void publishesReachAMosquittoSubscriber(String version, int qos) throws Exception {
        String topic = "client/" + version + "/" + qos + "/out";
        try (LiveSubscriber subscriber = new LiveSubscriber(at(mosquitto, version, "-t", topic, "-q", "2"));
             ClientHarness harness = ClientHarness.start(ClientHarness.settings(mosquitto.port(), "pub-" + version
                     + "-" + qos).version(version(version)).build())) {
            harness.awaitConnected();
            harness.send(texts(topic, "m", 20, qos));
            assertEquals(payloads("m", 20), subscriber.messages(20));
            if (qos > 0) {
                ClientHarness.await(() -> harness.completions.size() == 20, "20 acknowledgements");
                assertTrue(harness.completions.stream().noneMatch(ReasonCode::isError), harness.completions::toString);
            }
            assertEquals(0, harness.onLoop(harness.client::inflight));
        }
    }

    @ParameterizedTest(name = "MQTT {0}, QoS {1}")
    @CsvSource({"3.1.1, 0", "3.1.1, 1", "3.1.1, 2", "5, 0", "5, 1", "5, 2"})
    void messagesFromAMosquittoPublisherArriveAtTheirQos(String version, int qos) throws Exception {
        String topic = "client/" + version + "/" + qos + "/in";
        try (ClientHarness harness = ClientHarness.start(ClientHarness.settings(mosquitto.port(), "sub-" + version
                + "-" + qos).version(version(version)).build())) {
            harness.awaitConnected();
            List<ReasonCode> granted = harness.subscribe(List.of(Subscription.of(topic, qos)));
            assertEquals(qos, granted.getFirst().value());
            for (int i = 0; i < 5; i++) {
                MosquittoClients.Result pub = MosquittoClients.publish(10, at(mosquitto, version, "-t", topic,
                        "-q", String.valueOf(qos), "-m", "r" + i));
                assertEquals(0, pub.exitCode(), pub.output());
            }
            List<Received> got = harness.messages(5);
            assertEquals(payloads("r", 5), got.stream().map(Received::payload).toList());
            assertTrue(got.stream().allMatch(m -> m.qos() == qos && m.topic().equals(topic)), got::toString);
        }
    }

    @Test
    void aFloodThatBacksUpTheSocketStillGoesOutWhole() throws Exception {
        String kilobyte = "k".repeat(1024);
        List<Text> flood = IntStream.range(0, 50_000).mapToObj(i -> Text.of("client/flood", kilobyte, 0)).toList();
        try (ClientHarness harness = ClientHarness.start(ClientHarness.settings(mosquitto.port(), "flood").build())) {
            harness.awaitConnected();
            harness.send(flood);
            ClientHarness.await(() -> harness.sent() == flood.size(), "all 50,000 taken by the client");
            // At most 64 KiB between flushes: the flood went out in slices, each after a ready().
            assertTrue(harness.readies.get() > 100, "ready() came " + harness.readies.get() + " times");
            assertEquals(List.of(), harness.disconnects);
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @EnumSource(names = {"V3_1_1", "V5"})
    void afterUnsubscribingNothingMoreArrives(MqttVersion version) throws Exception {
        String v = version == MqttVersion.V5 ? "5" : "3.1.1";
        String topic = "client/" + v + "/unsubscribe";
        try (ClientHarness harness = ClientHarness.start(ClientHarness.settings(mosquitto.port(), "unsub-" + v)
                .version(version).build())) {
            harness.awaitConnected();
            harness.subscribe(List.of(Subscription.of(topic, 1)));
            assertEquals(0, MosquittoClients.publish(10, at(mosquitto, v, "-t", topic, "-q", "1", "-m", "before"))
                    .exitCode());
            assertEquals("before", harness.messages(1).getFirst().payload());
            harness.onLoop(() -> {
                harness.client.unsubscribe(List.of(topic));
                return null;
            });
            assertEquals(List.of(topic), harness.unsubacks.poll(ClientHarness.PATIENCE.toSeconds(),
                    java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, MosquittoClients.publish(10, at(mosquitto, v, "-t", topic, "-q", "1", "-m", "after"))
                    .exitCode());
            assertEquals(null, harness.received.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aBrokerSendingGarbageIsLeftAndConnectedAgain() throws Exception {
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        try (java.net.ServerSocket hostile = new java.net.ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!hostile.isClosed()) {
                    try (java.net.Socket client = hostile.accept()) {
                        accepted.incrementAndGet();
                        client.getInputStream().read(new byte[256]);
                        // CONNACK accepted, then a packet whose remaining length never ends.
                        client.getOutputStream().write(new byte[] {0x20, 0x02, 0x00, 0x00, 0x30, (byte) 0xFF,
                                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01});
                        client.getInputStream().read(new byte[256]);
                    } catch (IOException e) {
                        // the client left, as it should
                    }
                }
            });
            try (ClientHarness harness = ClientHarness.start(ClientHarness.settings(hostile.getLocalPort(), "victim")
                    .version(MqttVersion.V3_1_1).build())) {
                ClientHarness.await(() -> accepted.get() >= 2 && !harness.disconnects.isEmpty(),
                        "the client to leave the broker and come back");
                assertTrue(harness.disconnects.getFirst().contains("protocol error"), harness.disconnects::toString);
            }
        }
    }

    @ParameterizedTest(name = "MQTT {0}, QoS {1}")
    @CsvSource({"3.1.1, 1", "3.1.1, 2", "5, 1", "5, 2"})
    void whatWasInFlightIsResentInOrderWithDupAfterTheConnectionIsCut(String version, int qos) throws Exception {
        String topic = "client/" + version + "/" + qos + "/resend";
        try (ControlledRelay relay = new ControlledRelay(mosquitto.address());
             LiveSubscriber subscriber = new LiveSubscriber(at(mosquitto, version, "-t", topic, "-q", "2"));
             ClientHarness harness = ClientHarness.start(ClientHarness.settings(relay.port(), "resend-" + version
                     + "-" + qos).version(version(version)).cleanStart(false)
                     .sessionExpiry(MqttClientSettings.NEVER_EXPIRES).build())) {
            harness.awaitConnected();
            relay.holdFromBroker();
            harness.send(texts(topic, "r", 10, qos));
            ClientHarness.await(() -> harness.sent() == 10, "10 publications taken");
            if (qos == 1) {
                // mosquitto passes QoS 1 on as it arrives; only its PUBACKs are held back.
                assertEquals(payloads("r", 10), subscriber.messages(10));
            }
            assertEquals(10, (int) harness.onLoop(harness.client::inflight));
            // Taken is not yet sent: cut only once the relay has passed all ten on.
            ClientHarness.await(() -> publishes(relay.fromClient(0), version(version)).size() == 10,
                    "ten PUBLISH packets through the relay");
            assertTrue(harness.completions.isEmpty());

            relay.cut();
            harness.awaitConnected();
            ClientHarness.await(() -> harness.completions.size() == 10, "10 acknowledgements after the reconnect");
            assertEquals(10, harness.resent.get());
            // QoS 1 arrives again (at least once); QoS 2 exactly once, the broker kept the session.
            assertEquals(payloads("r", 10), subscriber.messages(10));
            assertEquals(List.of(), subscriber.messagesWithin(Duration.ofMillis(500)));

            List<Sent> first = publishes(relay.fromClient(0), version(version));
            List<Sent> second = publishes(relay.fromClient(1), version(version));
            String connections = relay.connections() + " connections; lost: " + harness.disconnects + "; second: "
                    + second;
            assertEquals(10, first.size(), connections);
            assertEquals(10, second.size(), connections);
            for (int i = 0; i < 10; i++) {
                assertFalse(first.get(i).dup(), first.get(i)::toString);
                assertTrue(second.get(i).dup(), second.get(i)::toString);
                assertEquals(first.get(i).packetId(), second.get(i).packetId());
                assertEquals("r" + i, second.get(i).payload());
            }
        }
    }

    /** A PUBLISH the client wrote, as the relay saw it. */
    private record Sent(int packetId, boolean dup, String payload) {
    }

    private static List<Sent> publishes(byte[] stream, MqttVersion version) {
        List<Sent> sent = new ArrayList<>();
        PublishView view = new PublishView();
        try (FrameReader reader = new FrameReader()) {
            reader.feed(new UnsafeBuffer(stream), 0, stream.length, (header, buf, offset, length) -> {
                if (PacketType.of(header) == PacketType.PUBLISH) {
                    assertEquals(ReasonCode.SUCCESS, view.wrap(version, header, buf, offset, length));
                    byte[] payload = new byte[view.payloadLength()];
                    buf.getBytes(view.payloadOffset(), payload);
                    sent.add(new Sent(view.packetId(), view.dup(), new String(payload, StandardCharsets.UTF_8)));
                }
                return true;
            });
        }
        return sent;
    }

    @ParameterizedTest(name = "MQTT {0}")
    @EnumSource(names = {"V3_1_1", "V5"})
    void aQos2MessageIsPassedOnOnceWhenTheBrokerResendsItAfterAReconnect(MqttVersion version) throws Exception {
        String v = version == MqttVersion.V5 ? "5" : "3.1.1";
        String topic = "client/" + v + "/once";
        try (ControlledRelay relay = new ControlledRelay(mosquitto.address());
             ClientHarness harness = ClientHarness.start(ClientHarness.settings(relay.port(), "once-" + v)
                     .version(version).cleanStart(false).sessionExpiry(MqttClientSettings.NEVER_EXPIRES).build())) {
            harness.awaitConnected();
            harness.subscribe(List.of(Subscription.of(topic, 2)));
            // Our PUBREC never reaches mosquitto: after the reconnect it sends the PUBLISH again.
            relay.holdFromClient();
            assertEquals(0, MosquittoClients.publish(10, at(mosquitto, v, "-t", topic, "-q", "2", "-m", "once"))
                    .exitCode());
            assertEquals("once", harness.messages(1).getFirst().payload());

            relay.cut();
            assertTrue(harness.awaitConnected(), "mosquitto kept the session");
            assertEquals(0, MosquittoClients.publish(10, at(mosquitto, v, "-t", topic, "-q", "2", "-m", "after"))
                    .exitCode());
            assertEquals(List.of("after"), harness.messages(1).stream().map(Received::payload).toList());
            assertTrue(relay.connections() >= 2);
        }
    }

    @Test
    void keepAlivePingsAQuietConnectionAndGivesUpOnASilentBroker() throws Exception {
        try (ControlledRelay relay = new ControlledRelay(mosquitto.address());
             ClientHarness harness = ClientHarness.start(ClientHarness.settings(relay.port(), "keepalive")
                     .keepAliveSeconds(1).build())) {
            harness.awaitConnected();
            // Quiet for three keep-alive intervals: the pings keep it up.
            Thread.sleep(3_000);
            assertEquals(List.of(), harness.disconnects);
            assertTrue(harness.onLoop(harness.client::isConnected));

            relay.holdFromBroker();
            ClientHarness.await(() -> !harness.disconnects.isEmpty(), "the client to give up on the silent broker");
            assertTrue(harness.disconnects.getFirst().contains("PINGREQ"), harness.disconnects::toString);
            harness.awaitConnected();
        }
    }

    @ParameterizedTest(name = "MQTT {0}")
    @EnumSource(names = {"V3_1_1", "V5"})
    void credentialsAreSentAndTheWillIsPublishedWhenTheConnectionIsLost(MqttVersion version) throws Exception {
        String v = version == MqttVersion.V5 ? "5" : "3.1.1";
        java.nio.file.Path passwords = passwordFile("edge", "s3cret");
        // The fixture allows anonymous clients first; the later line wins.
        try (MosquittoProcess guarded = MosquittoProcess.start("allow_anonymous false\npassword_file " + passwords)) {
            MqttClientSettings.Builder wrong = ClientHarness.settings(guarded.port(), "guarded-" + v).version(version)
                    .credentials("edge", "wrong".getBytes(StandardCharsets.UTF_8));
            try (ClientHarness refused = ClientHarness.start(wrong.build())) {
                ClientHarness.await(() -> !refused.failedConnects.isEmpty(), "a refusal");
                assertTrue(refused.failedConnects.getFirst().contains("refused"), refused.failedConnects::toString);
                assertTrue(refused.connects.isEmpty());
            }
            Will will = new Will("client/will/" + v, "gone".getBytes(StandardCharsets.UTF_8), 1, false,
                    dev.isthmus.protocol.mqtt.codec.MqttProperties.EMPTY);
            try (LiveSubscriber subscriber = new LiveSubscriber(at(guarded, v, "-u", "edge", "-P", "s3cret",
                    "-t", "client/will/" + v, "-q", "1"));
                 ClientHarness harness = ClientHarness.start(ClientHarness.settings(guarded.port(), "guarded-" + v)
                         .version(version).credentials("edge", "s3cret".getBytes(StandardCharsets.UTF_8)).will(will)
                         .build())) {
                harness.awaitConnected();
                harness.onLoop(() -> {
                    harness.client.abort();
                    return null;
                });
                assertEquals(List.of("gone"), subscriber.messages(1));
            }
        }
    }

    private static java.nio.file.Path passwordFile(String user, String password) throws Exception {
        java.nio.file.Path file = Files.createTempFile("isthmus-passwords", "");
        file.toFile().deleteOnExit();
        Process passwd = new ProcessBuilder("/usr/bin/mosquitto_passwd", "-b", file.toString(), user, password)
                .redirectErrorStream(true).start();
        String output = new String(passwd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, passwd.waitFor(), output);
        // Started as root, mosquitto reads it after dropping to its own user.
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    @Test
    void afterTheBrokerRestartsTheClientReconnectsAndSubscribesAgain() throws Exception {
        try (MosquittoProcess restarting = MosquittoProcess.start();
             ClientHarness harness = ClientHarness.start(ClientHarness.settings(restarting.port(), "restart")
                     .build())) {
            assertFalse(harness.awaitConnected());
            harness.subscribe(List.of(Subscription.of("client/restart", 1)));
            restarting.restart();
            // mosquitto kept nothing (no persistence): a new session, the subscription made again.
            assertFalse(harness.awaitConnected());
            assertEquals(1, harness.disconnects.size());
            List<ReasonCode> renewed = harness.subacks.poll(ClientHarness.PATIENCE.toSeconds(),
                    java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of(ReasonCode.GRANTED_QOS_1), renewed);
            assertEquals(0, MosquittoClients.publish(10, at(restarting, "5", "-t", "client/restart", "-q", "1",
                    "-m", "back")).exitCode());
            assertEquals("back", harness.messages(1).getFirst().payload());
        }
    }

    @Test
    void aV5BrokersReceiveMaximumLimitsWhatIsInFlight() throws Exception {
        MqttSettings settings = new MqttSettings(1 << 20, 3, 1000, Duration.ofSeconds(10), 0, true);
        Server broker = Server.builder().threads(1).transport(ClientHarness.TRANSPORT)
                .listen("mqtt", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new MqttBrokerService(settings, new MetricRegistry(1), "mqtt"))
                .build().start();
        try (ControlledRelay relay = new ControlledRelay(broker.boundAddress("mqtt"));
             ClientHarness harness = ClientHarness.start(ClientHarness.settings(relay.port(), "window")
                     .maxInflight(100).build())) {
            harness.awaitConnected();
            relay.holdFromBroker();
            harness.send(texts("client/window", "w", 10, 1));
            ClientHarness.await(() -> harness.sent() == 3, "three publications taken");
            Thread.sleep(300);
            assertEquals(3, harness.sent(), "the broker's Receive Maximum is 3");

            relay.cut();
            ClientHarness.await(() -> harness.completions.size() == 10, "all ten acknowledged after the reconnect");
            assertEquals(10, harness.sent());
        } finally {
            broker.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void aV5BrokerAssignsTheClientIdentifierWhenNoneIsGiven() throws Exception {
        try (ClientHarness harness = ClientHarness.start(ClientHarness.settings(mosquitto.port(), "").build())) {
            harness.awaitConnected();
            String assigned = harness.onLoop(harness.client::clientId);
            assertFalse(assigned.isEmpty());
        }
    }

    @Test
    void anUnresolvableHostIsRetriedNotFatal() throws Exception {
        try (ClientHarness harness = ClientHarness.start(MqttClientSettings.builder("no-such-host.invalid", 1883, "x")
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(100)).build())) {
            ClientHarness.await(() -> harness.failedConnects.size() >= 2, "two failed attempts");
            assertTrue(harness.failedConnects.getFirst().contains("resolve"), harness.failedConnects::toString);
        }
    }
}
