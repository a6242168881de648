package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.server.Blocking;
import dev.isthmus.core.testing.MosquittoProcess;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * The MQTT proxy in front of real mosquitto brokers, with real clients (Paho 3.1.1 and 5, raw
 * sockets where the exact bytes matter), on the transport the build asks for.
 */
class MqttProxyTest {
    private static MosquittoProcess brokerA;
    private static MosquittoProcess brokerB;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startBrokers() throws Exception {
        brokerA = MosquittoProcess.start();
        brokerB = MosquittoProcess.start();
    }

    @AfterAll
    static void stopBrokers() throws Exception {
        brokerA.close();
        brokerB.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // a client the test already saw disconnected
            }
        }
        closeables.clear();
    }

    private TestProxy proxy(MqttProxySettings settings, MosquittoProcess... brokers) throws IOException {
        InetSocketAddress[] addresses = new InetSocketAddress[brokers.length];
        for (int i = 0; i < brokers.length; i++) {
            addresses[i] = brokers[i].address();
        }
        TestProxy proxy = TestProxy.start(settings, addresses);
        closeables.add(proxy);
        return proxy;
    }

    private <C> TestProxy proxy(MqttHooks<C> hooks, MqttProxySettings settings, MosquittoProcess... brokers)
            throws IOException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (MosquittoProcess broker : brokers) {
            addresses.add(broker.address());
        }
        TestProxy proxy = TestProxy.start(2, hooks, settings, addresses);
        closeables.add(proxy);
        return proxy;
    }

    private record Received(String topic, String text, int qos) {
    }

    // ---------------------------------------------------------------- clients

    private MqttClient v3(String uri, String id, BlockingQueue<Received> inbox) throws Exception {
        MqttClient client = new MqttClient(uri, id, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        // Without it Paho retries a refused 3.1.1 CONNECT as 3.1, and reports that refusal instead.
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setMaxInflight(1000);
        options.setConnectionTimeout(10);
        if (inbox != null) {
            client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    inbox.add(new Received(topic, new String(message.getPayload(), UTF_8), message.getQos()));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
        }
        client.connect(options);
        closeables.add(() -> {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        });
        return client;
    }

    private MqttAsyncClient v5(String uri, String id, BlockingQueue<Received> inbox) throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(uri, id, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        if (inbox != null) {
            client.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override
                public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {
                }

                @Override
                public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    inbox.add(new Received(topic, new String(message.getPayload(), UTF_8), message.getQos()));
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {
                }
            });
        }
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(10);
        client.connect(options).waitForCompletion(10_000);
        closeables.add(() -> {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        });
        return client;
    }

    /** The reason code of a v5 PUBLISH's acknowledgement (0 for QoS 0), however Paho reports it. */
    private static int publishCode(MqttAsyncClient client, String topic, int qos) throws Exception {
        try {
            IMqttToken token = client.publish(topic, new MqttMessage(("to " + topic).getBytes(UTF_8), qos, false, null));
            token.waitForCompletion(10_000);
            int[] codes = token.getReasonCodes();
            return codes == null || codes.length == 0 ? 0 : codes[0];
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            return e.getReasonCode();
        }
    }

    private static int[] subscribeCodes(MqttAsyncClient client, MqttSubscription... subscriptions) throws Exception {
        IMqttToken token = client.subscribe(subscriptions);
        try {
            token.waitForCompletion(10_000);
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            if (token.getReasonCodes() == null) {
                return new int[] {e.getReasonCode()};
            }
        }
        return token.getReasonCodes();
    }

    // ---------------------------------------------------------------- pass-through

    @Test
    void v3PublishAndSubscribeThroughTheProxyAtEveryQos() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT.withSplice(true), brokerA);
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        MqttClient subscriber = v3(proxy.uri(), "v3-sub", inbox);
        subscriber.subscribe("plant/#", 2);
        MqttClient publisher = v3(proxy.uri(), "v3-pub", null);
        for (int qos = 0; qos <= 2; qos++) {
            for (int i = 0; i < 20; i++) {
                publisher.publish("plant/line" + qos, ("m" + qos + "-" + i).getBytes(UTF_8), qos, false);
            }
        }
        for (int qos = 0; qos <= 2; qos++) {
            for (int i = 0; i < 20; i++) {
                Received got = inbox.poll(10, TimeUnit.SECONDS);
                assertNotNull(got, "QoS " + qos + " message " + i);
                assertEquals("m" + qos + "-" + i, got.text());
                assertEquals(qos, got.qos());
            }
        }
        assertEquals(2, proxy.metric("isthmus_mqtt_proxy_connections_proxied_total"));
        assertTrue(proxy.metric("isthmus_mqtt_proxy_connections_active") >= 2);
        assertEquals(TestBroker.TRANSPORT.name().contains("uring") ? 2 : 0,
                proxy.metric("isthmus_mqtt_proxy_spliced_connections_total"),
                "pass-through splices on io_uring (" + TestBroker.TRANSPORT.name() + ")");
        assertTrue(proxy.metric("isthmus_mqtt_proxy_bytes_total", "direction", "to-upstream") > 0);
    }

    @Test
    void hiveMqClientsThroughAnInspectingProxy() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT.withRules(
                TopicRules.of(List.of("hive/#"), List.of()), TopicRules.NONE), brokerA);
        Mqtt5BlockingClient subscriber = Mqtt5Client.builder().identifier("hive-proxied-sub").serverHost(proxy.host())
                .serverPort(proxy.port()).buildBlocking();
        Mqtt5BlockingClient publisher = Mqtt5Client.builder().identifier("hive-proxied-pub").serverHost(proxy.host())
                .serverPort(proxy.port()).buildBlocking();
        subscriber.connect();
        publisher.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
            subscriber.subscribeWith().topicFilter("hive/#").qos(MqttQos.EXACTLY_ONCE).send();
            // The same topic again and again: where the broker allows topic aliases, the client uses them.
            for (int i = 0; i < 30; i++) {
                MqttQos qos = MqttQos.values()[i % 3];
                publisher.publishWith().topic("hive/line").qos(qos).payload(("h" + i).getBytes(UTF_8)).send();
            }
            int refused;
            try {
                Mqtt5PublishResult result = publisher.publishWith().topic("elsewhere/line").qos(MqttQos.AT_LEAST_ONCE)
                        .payload("no".getBytes(UTF_8)).send();
                refused = ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode().getCode();
            } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
                refused = e.getMqttMessage().getReasonCode().getCode();
            }
            assertEquals(ReasonCode.NOT_AUTHORIZED.value(), refused);
            // MQTT orders messages per QoS level only.
            java.util.Set<String> got = new java.util.TreeSet<>();
            java.util.Set<String> expected = new java.util.TreeSet<>();
            for (int i = 0; i < 30; i++) {
                Mqtt5Publish message = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertEquals("hive/line", message.getTopic().toString());
                got.add(new String(message.getPayloadAsBytes(), UTF_8));
                expected.add("h" + i);
            }
            assertEquals(expected, got);
        } finally {
            subscriber.disconnect();
            publisher.disconnect();
        }
        Mqtt3BlockingClient v3 = Mqtt3Client.builder().identifier("hive3-proxied").serverHost(proxy.host())
                .serverPort(proxy.port()).buildBlocking();
        v3.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = v3.publishes(MqttGlobalPublishFilter.ALL)) {
            v3.subscribeWith().topicFilter("hive/3").qos(MqttQos.AT_LEAST_ONCE).send();
            v3.publishWith().topic("hive/3").qos(MqttQos.AT_LEAST_ONCE).payload("three".getBytes(UTF_8)).send();
            assertEquals("three", new String(publishes.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes(),
                    UTF_8));
        } finally {
            v3.disconnect();
        }
    }

    @Test
    void aBrokerTheActiveCheckMarkedDownIsNotTried() throws Exception {
        MosquittoProcess flaky = MosquittoProcess.start();
        try {
            List<dev.isthmus.core.upstream.Peer> peers = List.of(
                    new dev.isthmus.core.upstream.Peer(0, flaky.host(), flaky.port(), 1),
                    new dev.isthmus.core.upstream.Peer(1, brokerB.host(), brokerB.port(), 1));
            dev.isthmus.core.upstream.UpstreamGroup group = new dev.isthmus.core.upstream.UpstreamGroup("mqtt", peers,
                    dev.isthmus.core.upstream.balance.BalanceAlgorithm.CONSISTENT_HASH,
                    dev.isthmus.core.upstream.balance.HashKey.CLIENT_IP,
                    new dev.isthmus.core.upstream.health.ActiveCheck(
                            dev.isthmus.core.upstream.health.ActiveCheck.Kind.TCP, null, 200, Duration.ofMillis(100),
                            Duration.ofMillis(500), 1, 1),
                    dev.isthmus.core.upstream.health.PassiveCheck.OFF, 1, 1,
                    new dev.isthmus.core.upstream.health.HealthListener() { }).start();
            closeables.add(group);
            dev.isthmus.core.observe.MetricRegistry metrics = new dev.isthmus.core.observe.MetricRegistry(1);
            dev.isthmus.core.server.Server server = dev.isthmus.core.server.Server.builder().threads(1)
                    .transport(TestBroker.TRANSPORT)
                    .listen("mqtt", new InetSocketAddress("127.0.0.1", 0),
                            MqttProxyService.of(MqttProxySettings.DEFAULT, group, metrics, "mqtt"))
                    .build().start();
            closeables.add(() -> server.shutdown(Duration.ofSeconds(1)));
            String uri = "tcp://127.0.0.1:" + server.boundAddress("mqtt").getPort();
            flaky.stop();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (peers.get(0).isActiveHealthy() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(!peers.get(0).isActiveHealthy(), "the TCP probe marked the stopped broker down");
            for (int i = 0; i < 6; i++) {
                v3(uri, "probe-" + i, null).disconnect();
            }
            String text = metrics.scrape();
            assertTrue(text.contains("isthmus_mqtt_proxy_upstream_connect_failures_total{listener=\"mqtt\"} 0"), text);
            assertTrue(text.contains("isthmus_mqtt_proxy_connections_proxied_total{listener=\"mqtt\"} 6"), text);
        } finally {
            flaky.close();
        }
    }

    @Test
    void aBrokerThatRefusedConnectsIsEjectedForTheCoolDown() throws Exception {
        MosquittoProcess flaky = MosquittoProcess.start();
        try {
            List<dev.isthmus.core.upstream.Peer> peers = List.of(
                    new dev.isthmus.core.upstream.Peer(0, flaky.host(), flaky.port(), 1),
                    new dev.isthmus.core.upstream.Peer(1, brokerB.host(), brokerB.port(), 1));
            dev.isthmus.core.upstream.UpstreamGroup group = new dev.isthmus.core.upstream.UpstreamGroup("mqtt", peers,
                    dev.isthmus.core.upstream.balance.BalanceAlgorithm.ROUND_ROBIN,
                    dev.isthmus.core.upstream.balance.HashKey.CLIENT_IP, null,
                    new dev.isthmus.core.upstream.health.PassiveCheck(2, Duration.ofSeconds(30)), 1, 1,
                    new dev.isthmus.core.upstream.health.HealthListener() { });
            dev.isthmus.core.observe.MetricRegistry metrics = new dev.isthmus.core.observe.MetricRegistry(1);
            dev.isthmus.core.server.Server server = dev.isthmus.core.server.Server.builder().threads(1)
                    .transport(TestBroker.TRANSPORT)
                    .listen("mqtt", new InetSocketAddress("127.0.0.1", 0),
                            MqttProxyService.of(MqttProxySettings.DEFAULT, group, metrics, "mqtt"))
                    .build().start();
            closeables.add(() -> server.shutdown(Duration.ofSeconds(1)));
            String uri = "tcp://127.0.0.1:" + server.boundAddress("mqtt").getPort();
            flaky.stop();
            // Round-robin: every other client is sent to the stopped broker first, until two refused connects eject it.
            for (int i = 0; i < 8; i++) {
                v3(uri, "eject-" + i, null).disconnect();
            }
            assertTrue(peers.get(0).isEjected(System.nanoTime()), "two refused connects in a row eject the broker");
            String text = metrics.scrape();
            assertTrue(text.contains("isthmus_mqtt_proxy_upstream_connect_failures_total{listener=\"mqtt\"} 2"), text);
            assertTrue(text.contains("isthmus_mqtt_proxy_failovers_total{listener=\"mqtt\"} 2"), text);
            assertTrue(text.contains("isthmus_mqtt_proxy_connections_proxied_total{listener=\"mqtt\"} 8"), text);
        } finally {
            flaky.close();
        }
    }

    @Test
    void aGracefulShutdownTellsInspectedV5ClientsTheServerIsShuttingDown() throws Exception {
        TestProxy proxy = TestProxy.start(rules(), brokerA.address());
        Socket device = raw(proxy);
        device.getOutputStream().write(CONNECT_V5);
        assertEquals(0x20, MqttWire.readPacket(device.getInputStream())[0] & 0xFF);
        Socket passThrough = new Socket(proxy.host(), proxy.port());
        closeables.add(passThrough);
        proxy.close();
        assertArrayEquals(new byte[] {(byte) 0xE0, 1, (byte) 0x8B}, MqttWire.readPacket(device.getInputStream()));
        assertTrue(MqttWire.closedByPeer(device.getInputStream()));
    }

    @Test
    void v5PublishAndSubscribeThroughTheProxyAtEveryQos() throws Exception {
        // Not spliced: io_uring's own receive and send carry the bytes.
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT.withSplice(false), brokerA);
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        MqttAsyncClient subscriber = v5(proxy.uri(), "v5-sub", inbox);
        assertArrayEquals(new int[] {2}, subscribeCodes(subscriber, new MqttSubscription("hall/#", 2)));
        MqttAsyncClient publisher = v5(proxy.uri(), "v5-pub", null);
        for (int qos = 0; qos <= 2; qos++) {
            int code = publishCode(publisher, "hall/" + qos, qos);
            assertTrue(code < 0x80, "QoS " + qos + " publish acknowledged with " + code);
        }
        List<Received> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Received message = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(message, "message " + i);
            got.add(message);
        }
        assertEquals(List.of("hall/0", "hall/1", "hall/2"), got.stream().map(Received::topic).sorted().toList());
        for (Received message : got) {
            assertEquals(Integer.parseInt(message.topic().substring(5)), message.qos());
        }
    }

    // ---------------------------------------------------------------- balancing and failover

    /** Which broker a client id lands on: a subscriber at each broker sees its publication. */
    private MosquittoProcess brokerOf(TestProxy proxy, String clientId) throws Exception {
        BlockingQueue<Received> atA = new LinkedBlockingQueue<>();
        BlockingQueue<Received> atB = new LinkedBlockingQueue<>();
        v3("tcp://127.0.0.1:" + brokerA.port(), "watch-a-" + clientId, atA).subscribe("where/#", 0);
        v3("tcp://127.0.0.1:" + brokerB.port(), "watch-b-" + clientId, atB).subscribe("where/#", 0);
        MqttClient device = v3(proxy.uri(), clientId, null);
        device.publish("where/" + clientId, "here".getBytes(UTF_8), 1, false);
        device.disconnect();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (atA.poll() != null) {
                return brokerA;
            }
            if (atB.poll() != null) {
                return brokerB;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(clientId + "'s publication reached neither broker");
    }

    @Test
    void aClientIdAlwaysLandsOnTheSameBrokerAndFailsOverWhenItIsDown() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT, brokerA, brokerB);
        List<MosquittoProcess> owners = new ArrayList<>();
        for (int device = 0; device < 8; device++) {
            MosquittoProcess owner = brokerOf(proxy, "device-" + device);
            for (int again = 0; again < 2; again++) {
                assertEquals(owner, brokerOf(proxy, "device-" + device), "device-" + device + " moved");
            }
            owners.add(owner);
        }
        assertTrue(owners.contains(brokerA) && owners.contains(brokerB), "8 ids spread over both brokers: " + owners);

        MosquittoProcess owner = owners.get(0);
        MosquittoProcess other = owner == brokerA ? brokerB : brokerA;
        owner.stop();
        try {
            BlockingQueue<Received> atOther = new LinkedBlockingQueue<>();
            v3("tcp://127.0.0.1:" + other.port(), "watch-failover", atOther).subscribe("where/#", 0);
            MqttClient device = v3(proxy.uri(), "device-0", null);
            device.publish("where/device-0", "moved".getBytes(UTF_8), 1, false);
            Received got = atOther.poll(10, TimeUnit.SECONDS);
            assertNotNull(got, "device-0 failed over to the other broker");
            assertEquals("moved", got.text());
            assertTrue(proxy.metric("isthmus_mqtt_proxy_failovers_total") >= 1);
            assertTrue(proxy.metric("isthmus_mqtt_proxy_upstream_connect_failures_total") >= 1);
        } finally {
            owner.restart();
        }
    }

    @Test
    void noReachableBrokerIsServerUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        TestProxy proxy = TestProxy.start(MqttProxySettings.DEFAULT, new InetSocketAddress("127.0.0.1", closedPort));
        closeables.add(proxy);
        org.eclipse.paho.mqttv5.common.MqttException v5 = assertThrows(
                org.eclipse.paho.mqttv5.common.MqttException.class, () -> v5(proxy.uri(), "lost-5", null));
        assertEquals(ReasonCode.SERVER_UNAVAILABLE.value(), v5.getReasonCode());
        org.eclipse.paho.client.mqttv3.MqttException v3 = assertThrows(
                org.eclipse.paho.client.mqttv3.MqttException.class, () -> v3(proxy.uri(), "lost-3", null));
        assertEquals(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_BROKER_UNAVAILABLE, v3.getReasonCode());
        assertEquals(2, proxy.metric("isthmus_mqtt_proxy_no_upstream_total"));
    }

    // ---------------------------------------------------------------- the connect hook

    /** Refuses "banned-*", sends "to-b-*" to the second broker, on a virtual thread. */
    static final class Gatekeeper implements MqttHooks<Void> {
        final AtomicReference<Thread> ranOn = new AtomicReference<>();
        final BlockingQueue<String> ended = new LinkedBlockingQueue<>();

        @Blocking
        @Override
        public ConnectDecision connect(MqttClientInfo client, Void ctx) {
            ranOn.set(Thread.currentThread());
            if (client.clientId().startsWith("banned-")) {
                return ConnectDecision.reject(ReasonCode.BANNED);
            }
            if (client.clientId().startsWith("to-b-")) {
                return ConnectDecision.route(client.upstreams().get(1));
            }
            return ConnectDecision.allow();
        }

        @Override
        public void disconnected(MqttClientInfo client, String reason, Void ctx) {
            ended.add(client.clientId() + ": " + reason);
        }
    }

    @Test
    void theConnectHookRefusesWithItsReasonCodeAndRoutes() throws Exception {
        Gatekeeper hooks = new Gatekeeper();
        TestProxy proxy = proxy(hooks, MqttProxySettings.DEFAULT, brokerA, brokerB);
        org.eclipse.paho.mqttv5.common.MqttException v5 = assertThrows(
                org.eclipse.paho.mqttv5.common.MqttException.class, () -> v5(proxy.uri(), "banned-5", null));
        assertEquals(ReasonCode.BANNED.value(), v5.getReasonCode());
        assertTrue(hooks.ranOn.get().isVirtual(), "a @Blocking connect runs on a virtual thread");
        org.eclipse.paho.client.mqttv3.MqttException v3 = assertThrows(
                org.eclipse.paho.client.mqttv3.MqttException.class, () -> v3(proxy.uri(), "banned-3", null));
        // 3.1.1 has no "banned": the closest return code is 5, not authorized.
        assertEquals(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_NOT_AUTHORIZED, v3.getReasonCode());
        assertEquals(2, proxy.metric("isthmus_mqtt_proxy_refusals_total", "kind", "connect"));
        assertNotNull(hooks.ended.poll(5, TimeUnit.SECONDS));

        for (int i = 0; i < 4; i++) {
            assertEquals(brokerB, brokerOf(proxy, "to-b-" + i), "the hook routes to-b-" + i + " to broker B");
        }
    }

    // ---------------------------------------------------------------- inspection

    private static MqttProxySettings rules() {
        return MqttProxySettings.DEFAULT.withRules(
                TopicRules.of(List.of("devices/%c/#"), List.of("devices/%c/secret")),
                TopicRules.of(List.of("devices/%c/#", "broadcast/#"), List.of()));
    }

    @Test
    void topicRulesRefuseWithNotAuthorizedForV5() throws Exception {
        TestProxy proxy = proxy(rules(), brokerA);
        BlockingQueue<Received> watch = new LinkedBlockingQueue<>();
        v3("tcp://127.0.0.1:" + brokerA.port(), "rules-watch", watch).subscribe("devices/#", 2);
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        MqttAsyncClient device = v5(proxy.uri(), "d1", inbox);

        assertTrue(publishCode(device, "devices/d1/temp", 1) < 0x80);
        assertEquals(0x87, publishCode(device, "devices/d2/temp", 1), "another device's topic");
        assertEquals(0x87, publishCode(device, "devices/d1/secret", 1), "a denied topic");
        assertEquals(0, publishCode(device, "devices/d2/quiet", 0), "QoS 0 is dropped without a word");
        assertTrue(publishCode(device, "devices/d1/after", 2) < 0x80, "the connection goes on");
        // Paho 5 ends its connection after a refusing PUBREC (it logs MQTT-4.3.3-4): a client of its own.
        assertEquals(0x87, publishCode(v5(proxy.uri(), "d1", null), "devices/d9/x", 2), "QoS 2: PUBREC 0x87");
        device = v5(proxy.uri(), "d1", inbox);

        assertEquals("devices/d1/temp", watch.poll(10, TimeUnit.SECONDS).topic());
        assertEquals("devices/d1/after", watch.poll(10, TimeUnit.SECONDS).topic());
        assertNull(watch.poll(300, TimeUnit.MILLISECONDS), "refused publications never reached the broker");
        assertEquals(4, proxy.metric("isthmus_mqtt_proxy_refusals_total", "kind", "publish"));

        assertArrayEquals(new int[] {1, 0x87, 0}, subscribeCodes(device, new MqttSubscription("devices/d1/cmd", 1),
                new MqttSubscription("devices/+/cmd", 1), new MqttSubscription("broadcast/all", 0)));
        assertArrayEquals(new int[] {0x87}, subscribeCodes(device, new MqttSubscription("#", 0)));
        assertEquals(2, proxy.metric("isthmus_mqtt_proxy_refusals_total", "kind", "subscribe"));

        v3("tcp://127.0.0.1:" + brokerA.port(), "rules-sender", null)
                .publish("devices/d1/cmd", "reboot".getBytes(UTF_8), 1, false);
        Received command = inbox.poll(10, TimeUnit.SECONDS);
        assertNotNull(command, "the allowed filter was subscribed at the broker");
        assertEquals("reboot", command.text());
    }

    @Test
    void topicRulesDropAndAcknowledgeForV3() throws Exception {
        TestProxy proxy = proxy(rules(), brokerA);
        BlockingQueue<Received> watch = new LinkedBlockingQueue<>();
        v3("tcp://127.0.0.1:" + brokerA.port(), "rules3-watch", watch).subscribe("devices/#", 2);
        MqttClient device = v3(proxy.uri(), "d3", null);
        for (int qos = 0; qos <= 2; qos++) {
            device.publish("devices/other/x", "no".getBytes(UTF_8), qos, false);
            device.publish("devices/d3/x", ("yes" + qos).getBytes(UTF_8), qos, false);
        }
        for (int qos = 0; qos <= 2; qos++) {
            Received got = watch.poll(10, TimeUnit.SECONDS);
            assertNotNull(got);
            assertEquals("yes" + qos, got.text());
        }
        assertNull(watch.poll(300, TimeUnit.MILLISECONDS));
        assertEquals(3, proxy.metric("isthmus_mqtt_proxy_refusals_total", "kind", "publish"));
        // 3.1.1's SUBACK has one failure code, 0x80.
        org.eclipse.paho.client.mqttv3.IMqttToken token = device.subscribeWithResponse(
                new String[] {"devices/d3/cmd", "devices/+/cmd"}, new int[] {1, 1});
        assertArrayEquals(new int[] {1, 0x80}, token.getGrantedQos());
    }

    @Test
    void thePublishRateLimitAnswersQuotaExceeded() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT.withPublishRate(0.2, 3), brokerA);
        MqttAsyncClient device = v5(proxy.uri(), "chatty", null);
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            codes.add(publishCode(device, "chatty/" + i, 1));
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(codes.get(i) < 0x80, "within the burst: " + codes);
        }
        assertEquals(List.of(0x97, 0x97), codes.subList(3, 5), "over the rate: " + codes);
        assertEquals(2, proxy.metric("isthmus_mqtt_proxy_refusals_total", "kind", "rate"));
    }

    /** A hook with its own publish and subscribe phases turns inspection on by itself. */
    @Test
    void publishAndSubscribeHooksSeeEveryPacket() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        MqttHooks<Void> hooks = new MqttHooks<>() {
            @Override
            public ReasonCode publish(MqttClientInfo client, String topic, dev.isthmus.protocol.mqtt.codec.PublishView p,
                                      Void ctx) {
                seen.add("publish " + topic + " qos " + p.qos());
                return topic.endsWith("/forbidden") ? ReasonCode.TOPIC_NAME_INVALID : ReasonCode.SUCCESS;
            }

            @Override
            public ReasonCode subscribe(MqttClientInfo client, dev.isthmus.protocol.mqtt.codec.Subscription s,
                                        Void ctx) {
                seen.add("subscribe " + s.topicFilter());
                return ReasonCode.SUCCESS;
            }
        };
        TestProxy proxy = proxy(hooks, MqttProxySettings.DEFAULT, brokerA);
        MqttAsyncClient device = v5(proxy.uri(), "hooked", null);
        subscribeCodes(device, new MqttSubscription("hooked/in", 1));
        assertTrue(publishCode(device, "hooked/out", 1) < 0x80);
        assertEquals(0x90, publishCode(device, "hooked/forbidden", 1));
        assertEquals("subscribe hooked/in", seen.poll(5, TimeUnit.SECONDS));
        assertEquals("publish hooked/out qos 1", seen.poll(5, TimeUnit.SECONDS));
        assertEquals("publish hooked/forbidden qos 1", seen.poll(5, TimeUnit.SECONDS));
    }

    // ---------------------------------------------------------------- raw bytes: PROXY v2, idle, malformed

    private static final byte[] CONNECT_V5 = {
        0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0, 0, 1, 'r'};
    private static final byte[] CONNECT_V3 = {
        0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 1, 'q'};

    private Socket raw(TestProxy proxy) throws IOException {
        Socket socket = new Socket(proxy.host(), proxy.port());
        socket.setSoTimeout(10_000);
        closeables.add(socket);
        return socket;
    }



    /**
     * mosquitto 2.0.11 (Debian 12) has no PROXY protocol support (it came with 2.1), so a small
     * listener here plays the broker: it parses the header, then answers the CONNECT.
     */
    @Test
    void theProxyProtocolV2HeaderTellsTheBrokerWhoConnects() throws Exception {
        try (ServerSocket fakeBroker = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            TestProxy proxy = TestProxy.start(MqttProxySettings.DEFAULT.withProxyProtocol(true),
                    (InetSocketAddress) fakeBroker.getLocalSocketAddress());
            closeables.add(proxy);
            CompletableFuture<byte[][]> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket upstream = fakeBroker.accept()) {
                    upstream.setSoTimeout(10_000);
                    InputStream in = upstream.getInputStream();
                    byte[] fixed = in.readNBytes(16);
                    int length = ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF);
                    byte[] header = java.util.Arrays.copyOf(fixed, 16 + length);
                    System.arraycopy(in.readNBytes(length), 0, header, 16, length);
                    byte[] connect = MqttWire.readPacket(in);
                    upstream.getOutputStream().write(new byte[] {0x20, 2, 0, 0});
                    upstream.getOutputStream().flush();
                    return new byte[][] {header, connect};
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Socket device = raw(proxy);
            device.getOutputStream().write(CONNECT_V3);
            assertArrayEquals(new byte[] {0x20, 2, 0, 0}, MqttWire.readPacket(device.getInputStream()));
            byte[][] got = seen.get(10, TimeUnit.SECONDS);
            InetSocketAddress[] addresses = ProxyProtocolV2.parse(got[0]);
            assertNotNull(addresses, "a PROXY v2 header came first");
            assertEquals(device.getLocalSocketAddress(), addresses[0], "source: the device");
            assertEquals(proxy.port(), addresses[1].getPort(), "destination: the proxy's listener");
            assertArrayEquals(CONNECT_V3, got[1], "then the CONNECT as the device sent it");
        }
    }

    @Test
    void aClientWithoutKeepAliveIsClosedAfterTheIdleTimeout() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT.withIdleTimeout(Duration.ofMillis(800)).withSplice(true), brokerA);
        Socket device = raw(proxy);
        device.getOutputStream().write(CONNECT_V3);
        byte[] connack = MqttWire.readPacket(device.getInputStream());
        assertArrayEquals(new byte[] {0x20, 2, 0, 0}, connack);
        long start = System.nanoTime();
        assertTrue(MqttWire.closedByPeer(device.getInputStream()));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= 600 && waited < 5_000, "closed after " + waited + " ms");
        assertEquals(1, proxy.metric("isthmus_mqtt_proxy_idle_timeouts_total"));
    }

    @Test
    void trafficKeepsAnIdleTimeoutAway() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT.withIdleTimeout(Duration.ofMillis(800)).withSplice(true), brokerA);
        Socket device = raw(proxy);
        OutputStream out = device.getOutputStream();
        out.write(CONNECT_V3);
        assertNotNull(MqttWire.readPacket(device.getInputStream()));
        for (int i = 0; i < 6; i++) {
            Thread.sleep(300);
            out.write(new byte[] {(byte) 0xC0, 0});
            assertArrayEquals(new byte[] {(byte) 0xD0, 0}, MqttWire.readPacket(device.getInputStream()), "PINGRESP " + i);
        }
        assertEquals(0, proxy.metric("isthmus_mqtt_proxy_idle_timeouts_total"));
    }

    @Test
    void aMalformedPacketInInspectionGetsDisconnect0x81ForV5AndACloseForV3() throws Exception {
        TestProxy proxy = proxy(rules(), brokerA);
        Socket v5 = raw(proxy);
        v5.getOutputStream().write(CONNECT_V5);
        byte[] connack = MqttWire.readPacket(v5.getInputStream());
        assertEquals(0x20, connack[0] & 0xFF);
        // A PUBLISH with QoS 3.
        v5.getOutputStream().write(new byte[] {0x36, 5, 0, 1, 'r', 0, 1});
        assertArrayEquals(new byte[] {(byte) 0xE0, 1, (byte) 0x81}, MqttWire.readPacket(v5.getInputStream()));
        assertTrue(MqttWire.closedByPeer(v5.getInputStream()));

        Socket v3 = raw(proxy);
        v3.getOutputStream().write(CONNECT_V3);
        assertArrayEquals(new byte[] {0x20, 2, 0, 0}, MqttWire.readPacket(v3.getInputStream()));
        v3.getOutputStream().write(new byte[] {0x36, 5, 0, 1, 'q', 0, 1});
        assertTrue(MqttWire.closedByPeer(v3.getInputStream()));
        assertEquals(2, proxy.metric("isthmus_mqtt_proxy_protocol_errors_total"));
    }

    /** A v5 QoS 1 PUBLISH with a topic alias property; an empty {@code topic} uses the alias alone. */
    private static byte[] publishWithAlias(String topic, int alias, int packetId, String payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] name = topic.getBytes(UTF_8);
        body.write(name.length >>> 8);
        body.write(name.length);
        body.writeBytes(name);
        body.write(packetId >>> 8);
        body.write(packetId);
        body.write(3);
        body.write(0x23);
        body.write(alias >>> 8);
        body.write(alias);
        body.writeBytes(payload.getBytes(UTF_8));
        byte[] b = body.toByteArray();
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x32);
        packet.write(b.length);
        packet.writeBytes(b);
        return packet.toByteArray();
    }

    @Test
    void aTopicAliasSetUpByARefusedPublishIsSpelledOutForTheBroker() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT.withPublishRate(2, 1), brokerA);
        BlockingQueue<Received> watch = new LinkedBlockingQueue<>();
        v3("tcp://127.0.0.1:" + brokerA.port(), "alias-watch", watch).subscribe("alias/#", 1);
        Socket device = raw(proxy);
        InputStream in = device.getInputStream();
        OutputStream out = device.getOutputStream();
        out.write(CONNECT_V5);
        assertEquals(0x20, MqttWire.readPacket(in)[0] & 0xFF);
        out.write(publishWithAlias("alias/warm", 2, 1, "takes the token"));
        assertEquals(0x40, MqttWire.readPacket(in)[0] & 0xFF);
        out.write(publishWithAlias("alias/one", 1, 2, "over the rate"));
        byte[] refused = MqttWire.readPacket(in);
        assertArrayEquals(new byte[] {0x40, 3, 0, 2, (byte) 0x97}, refused, "PUBACK 0x97 Quota exceeded");
        Thread.sleep(700);
        out.write(publishWithAlias("", 1, 3, "by alias"));
        byte[] accepted = MqttWire.readPacket(in);
        assertEquals(0x40, accepted[0] & 0xFF);
        assertTrue(accepted.length < 5 || (accepted[4] & 0xFF) < 0x80, "the broker took it");
        assertEquals("alias/warm", watch.poll(10, TimeUnit.SECONDS).topic());
        Received byAlias = watch.poll(10, TimeUnit.SECONDS);
        assertNotNull(byAlias);
        assertEquals("alias/one", byAlias.topic());
        assertEquals("by alias", byAlias.text());
    }

    @Test
    void aBadConnectIsAnsweredLikeTheBrokerWould() throws Exception {
        TestProxy proxy = proxy(MqttProxySettings.DEFAULT, brokerA);
        Socket level6 = raw(proxy);
        level6.getOutputStream().write(new byte[] {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 6, 0x02, 0, 60, 0, 1, 'x'});
        assertArrayEquals(new byte[] {0x20, 2, 0, 1}, MqttWire.readPacket(level6.getInputStream()), "unacceptable version");
        assertTrue(MqttWire.closedByPeer(level6.getInputStream()));

        Socket notConnect = raw(proxy);
        notConnect.getOutputStream().write(new byte[] {(byte) 0xC0, 0});
        assertTrue(MqttWire.closedByPeer(notConnect.getInputStream()));

        Socket badLength = raw(proxy);
        badLength.getOutputStream().write(new byte[] {0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1});
        assertTrue(MqttWire.closedByPeer(badLength.getInputStream()));
        assertNotEquals(0, proxy.metric("isthmus_mqtt_proxy_protocol_errors_total"));
    }

    @Test
    void theBrokerGoingAwayClosesTheClient() throws Exception {
        MosquittoProcess broker = MosquittoProcess.start();
        try {
            TestProxy proxy = proxy(MqttProxySettings.DEFAULT, broker);
            Socket device = raw(proxy);
            device.getOutputStream().write(CONNECT_V3);
            assertArrayEquals(new byte[] {0x20, 2, 0, 0}, MqttWire.readPacket(device.getInputStream()));
            broker.stop();
            assertTrue(MqttWire.closedByPeer(device.getInputStream()));
        } finally {
            broker.close();
        }
    }

    @Test
    void aDisconnectReachesTheBrokerSoNoWillIsPublished() throws Exception {
        for (boolean splice : new boolean[] {false, true}) {
            disconnectAndWill(proxy(MqttProxySettings.DEFAULT.withSplice(splice), brokerA), "s" + splice);
        }
    }

    private void disconnectAndWill(TestProxy proxy, String name) throws Exception {
        BlockingQueue<Received> wills = new LinkedBlockingQueue<>();
        v3("tcp://127.0.0.1:" + brokerA.port(), "will-watch-" + name, wills).subscribe("wills/#", 1);
        MqttClient device = new MqttClient(proxy.uri(), "willing-" + name, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setWill("wills/willing", "gone".getBytes(UTF_8), 1, false);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        device.connect(options);
        device.disconnect();
        device.close();
        assertNull(wills.poll(500, TimeUnit.MILLISECONDS), "a clean DISCONNECT went through before the close");

        Socket abrupt = raw(proxy);
        byte[] willConnect = {0x10, 32, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 0, 0, 1, 'w',
            0, 10, 'w', 'i', 'l', 'l', 's', '/', 'r', 'a', 'w', '!', 0, 4, 'g', 'o', 'n', 'e'};
        willConnect[1] = (byte) (willConnect.length - 2);
        abrupt.getOutputStream().write(willConnect);
        assertArrayEquals(new byte[] {0x20, 2, 0, 0}, MqttWire.readPacket(abrupt.getInputStream()));
        abrupt.close();
        Received will = wills.poll(10, TimeUnit.SECONDS);
        assertNotNull(will, "a vanished client's will is published by the broker");
        assertEquals("gone", will.text());
    }
}
