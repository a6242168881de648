package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Blocking;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoClients.Result;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.Subscription;
import dev.isthmus.protocol.mqtt.codec.PublishView;

/**
 * The embedded broker through an embedder's {@link MqttHooks}, as real clients see it: a
 * blocking connect hook (on a virtual thread) refusing some devices, a subscribe hook refusing
 * a filter in a SUBACK, a publish hook refusing a topic in a PUBACK, and the disconnected phase.
 */
class BrokerHooksTest {
    /** A device registry that refuses banned ids and keeps devices to their own topics. */
    static final class DeviceRules implements MqttHooks<List<String>> {
        final List<String> gone = new CopyOnWriteArrayList<>();
        volatile boolean connectRanOnVirtualThread;

        @Override
        public List<String> newContext() {
            return new ArrayList<>();
        }

        @Blocking
        @Override
        public ConnectDecision connect(MqttClientInfo client, List<String> ctx) {
            connectRanOnVirtualThread = Thread.currentThread().isVirtual();
            ctx.add("connected");
            return client.clientId().startsWith("banned-") ? ConnectDecision.reject(ReasonCode.BANNED)
                    : ConnectDecision.allow();
        }

        @Override
        public ReasonCode subscribe(MqttClientInfo client, Subscription subscription, List<String> ctx) {
            return subscription.topicFilter().startsWith("secret/") ? ReasonCode.NOT_AUTHORIZED : ReasonCode.SUCCESS;
        }

        @Override
        public ReasonCode publish(MqttClientInfo client, String topic, PublishView publish, List<String> ctx) {
            return topic.startsWith("devices/" + client.clientId() + "/") ? ReasonCode.SUCCESS
                    : ReasonCode.NOT_AUTHORIZED;
        }

        @Override
        public void disconnected(MqttClientInfo client, String reason, List<String> ctx) {
            gone.add(client.clientId() + " " + ctx + " " + reason);
        }
    }

    private final DeviceRules rules = new DeviceRules();
    private final MetricRegistry metrics = new MetricRegistry(2);
    private final Server server = startServer();
    private final List<MqttAsyncClient> clients = new ArrayList<>();

    private Server startServer() {
        try {
            return Server.builder().threads(2).transport(TestBroker.TRANSPORT)
                    .listen("mqtt", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                            new MqttBrokerService(rules, MqttSettings.DEFAULT, metrics, "mqtt", "isthmus test"))
                    .build().start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (MqttAsyncClient client : clients) {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        }
        server.shutdown(Duration.ofSeconds(2));
    }

    private String uri() {
        return "tcp://127.0.0.1:" + server.boundAddress("mqtt").getPort();
    }

    private MqttAsyncClient connect(String id, BlockingQueue<String> inbox) throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(uri(), id, new MemoryPersistence());
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
                    inbox.add(topic + " " + new String(message.getPayload(), UTF_8));
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
        clients.add(client);
        client.connect(options).waitForCompletion(10_000);
        return client;
    }

    @Test
    void theConnectHookRefusesOnAVirtualThreadAndBothProtocolsHearWhy() throws Exception {
        int code;
        try {
            connect("banned-7", null);
            code = 0;
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            code = e.getReasonCode();
        }
        assertEquals(ReasonCode.BANNED.value(), code, "MQTT 5 CONNACK reason code");
        assertTrue(rules.connectRanOnVirtualThread, "@Blocking connect ran on a virtual thread");
        // 3.1.1 has no "banned": the client hears "not authorised" (CONNACK return code 5).
        Result v3 = MosquittoClients.publish(10, "-h", "127.0.0.1", "-p",
                String.valueOf(server.boundAddress("mqtt").getPort()), "-V", "mqttv311", "-i", "banned-8",
                "-t", "devices/banned-8/x", "-m", "no");
        assertNotEquals(0, v3.exitCode());
        assertTrue(v3.output().toLowerCase().contains("not authori"), v3.output());
        // Allowed devices connect as usual.
        assertTrue(connect("meter-1", null).isConnected());
    }

    @Test
    void subscribeAndPublishHooksRefuseWithReasonCodesAndOthersPass() throws Exception {
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        MqttAsyncClient watcher = connect("watcher", inbox);
        IMqttToken subscribed = watcher.subscribe(new MqttSubscription[] {
                new MqttSubscription("devices/#", 1), new MqttSubscription("secret/#", 1)});
        subscribed.waitForCompletion(10_000);
        assertArrayEquals(new int[] {1, ReasonCode.NOT_AUTHORIZED.value()}, subscribed.getReasonCodes());

        MqttAsyncClient meter = connect("meter-2", null);
        assertEquals(0, publishCode(meter, "devices/meter-2/power", 1));
        assertEquals(ReasonCode.NOT_AUTHORIZED.value(), publishCode(meter, "devices/meter-3/power", 1), "QoS 1");
        assertEquals(0, publishCode(meter, "devices/meter-2/energy", 2));
        // Paho 5 drops its own connection after a refusing PUBREC: this one goes last, from a client of its own.
        assertEquals(ReasonCode.NOT_AUTHORIZED.value(), publishCode(connect("meter-4", null), "devices/meter-3/power",
                2), "QoS 2");
        assertEquals("devices/meter-2/power to devices/meter-2/power", inbox.poll(10, TimeUnit.SECONDS));
        assertEquals("devices/meter-2/energy to devices/meter-2/energy", inbox.poll(10, TimeUnit.SECONDS));
        assertEquals(null, inbox.poll(300, TimeUnit.MILLISECONDS), "refused messages reached nobody");
        assertTrue(metrics.scrape().contains("isthmus_mqtt_hook_refusals_total{listener=\"mqtt\"} 3"),
                metrics.scrape());

        meter.disconnect().waitForCompletion(5_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (rules.gone.stream().noneMatch(line -> line.startsWith("meter-2 ")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(rules.gone.contains("meter-2 [connected] client sent DISCONNECT"), rules.gone.toString());
    }

    @Test
    void topicRulesAndTheRateLimitAsBrokerHooks() throws Exception {
        TopicRuleHooks hooks = new TopicRuleHooks(TopicRules.of(List.of("devices/%c/#"), List.of("devices/%c/config")),
                TopicRules.of(List.of("devices/%c/#", "broadcast/#"), List.of()), 0.01, 2);
        Server ruled = Server.builder().threads(1).transport(TestBroker.TRANSPORT)
                .listen("mqtt", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new MqttBrokerService(hooks, MqttSettings.DEFAULT, new MetricRegistry(1), "mqtt", "isthmus"))
                .build().start();
        try {
            MqttAsyncClient device = new MqttAsyncClient("tcp://127.0.0.1:" + ruled.boundAddress("mqtt").getPort(),
                    "d1", new MemoryPersistence());
            clients.add(device);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            device.connect(options).waitForCompletion(10_000);
            IMqttToken subscribed = device.subscribe(new MqttSubscription[] {new MqttSubscription("devices/d1/cmd", 1),
                    new MqttSubscription("devices/+/cmd", 1), new MqttSubscription("broadcast/all", 0)});
            subscribed.waitForCompletion(10_000);
            assertArrayEquals(new int[] {1, ReasonCode.NOT_AUTHORIZED.value(), 0}, subscribed.getReasonCodes());
            assertEquals(ReasonCode.NOT_AUTHORIZED.value(), publishCode(device, "devices/d2/state", 1), "not its own");
            assertEquals(ReasonCode.NOT_AUTHORIZED.value(), publishCode(device, "devices/d1/config", 1), "denied");
            // The bucket holds two and refills one every 100 s: the third publish is over the rate.
            assertEquals(0, publishCode(device, "devices/d1/state", 1));
            assertEquals(0, publishCode(device, "devices/d1/state", 1));
            assertEquals(ReasonCode.QUOTA_EXCEEDED.value(), publishCode(device, "devices/d1/state", 1));
        } finally {
            ruled.shutdown(Duration.ofSeconds(2));
        }
    }

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
}
