package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker with Eclipse Paho, the Java clients most devices' gateways use: the
 * 3.1.1 client for QoS 2, wills and persistent sessions, the 5 client for what only 5 has.
 * The broker runs two loops, so publishers and subscribers sit on different threads.
 */
class PahoInteropTest {
    private static TestBroker broker;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(2);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
    }

    /** A received message with its topic. */
    private record Received(String topic, byte[] payload, int qos, boolean retained, boolean duplicate,
                            MqttProperties properties) {
        String text() {
            return new String(payload, UTF_8);
        }
    }

    // ---------------------------------------------------------------- 3.1.1

    private MqttClient v3(String id, boolean cleanSession, BlockingQueue<Received> inbox, String willTopic)
            throws Exception {
        MqttClient client = new MqttClient(broker.uri(), id, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(30);
        // Paho counts a publish as in flight until its own bookkeeping thread catches up, which
        // can lag behind a fast broker's acknowledgements: room for that lag, not for pipelining.
        options.setMaxInflight(1000);
        if (willTopic != null) {
            options.setWill(willTopic, "gone".getBytes(UTF_8), 1, false);
        }
        if (inbox != null) {
            client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    inbox.add(new Received(topic, message.getPayload(), message.getQos(), message.isRetained(),
                            message.isDuplicate(), null));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
        }
        client.connect(options);
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        });
        return client;
    }

    @Test
    void qos2MessagesArriveExactlyOnceAndInOrder() throws Exception {
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        MqttClient subscriber = v3("qos2-sub", true, inbox, null);
        subscriber.subscribe("orders/#", 2);
        MqttClient publisher = v3("qos2-pub", true, null, null);
        for (int i = 0; i < 200; i++) {
            publisher.publish("orders/" + (i % 3), ("order-" + i).getBytes(UTF_8), 2, false);
        }
        for (int i = 0; i < 200; i++) {
            Received got = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(got, "message " + i);
            assertEquals("order-" + i, got.text());
            assertEquals(2, got.qos());
        }
        assertNull(inbox.poll(300, TimeUnit.MILLISECONDS), "nothing twice");
    }

    @Test
    void aClientThatVanishesLeavesItsWill() throws Exception {
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        MqttClient watcher = v3("will-watcher", true, inbox, null);
        watcher.subscribe("status/+", 1);
        MqttClient device = v3("will-device", true, null, "status/will-device");
        // No DISCONNECT: the socket just goes away, as when a device loses power.
        device.disconnectForcibly(0, 1000, false);
        Received will = inbox.poll(10, TimeUnit.SECONDS);
        assertNotNull(will, "the will was published");
        assertEquals("status/will-device", will.topic());
        assertEquals("gone", will.text());
        assertEquals(1, will.qos());
    }

    @Test
    void aClientThatSaysGoodbyeLeavesNoWill() throws Exception {
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        MqttClient watcher = v3("nowill-watcher", true, inbox, null);
        watcher.subscribe("farewell/+", 1);
        MqttClient device = v3("nowill-device", true, null, "farewell/nowill-device");
        device.disconnect();
        // A marker published after the disconnect arrives; the will never does.
        v3("nowill-marker", true, null, null).publish("farewell/marker", "m".getBytes(UTF_8), 1, false);
        Received first = inbox.poll(10, TimeUnit.SECONDS);
        assertNotNull(first);
        assertEquals("farewell/marker", first.topic());
    }

    @Test
    void aPersistentSessionGetsItsQos1MessagesAfterReconnecting() throws Exception {
        MqttClient away = v3("persistent-1", false, null, null);
        away.subscribe("alerts/#", 1);
        away.disconnect();
        MqttClient publisher = v3("persistent-pub", true, null, null);
        for (int i = 0; i < 20; i++) {
            publisher.publish("alerts/" + i, ("alert-" + i).getBytes(UTF_8), 1, false);
        }
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        v3("persistent-1", false, inbox, null);
        for (int i = 0; i < 20; i++) {
            Received got = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(got, "queued message " + i);
            assertEquals("alert-" + i, got.text());
        }
    }

    @Test
    void aCleanSessionForgetsTheSubscriptionsOfTheOldOne() throws Exception {
        MqttClient first = v3("forgetful", false, null, null);
        first.subscribe("memo/#", 1);
        first.disconnect();
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        v3("forgetful", true, inbox, null);
        v3("memo-pub", true, null, null).publish("memo/1", "x".getBytes(UTF_8), 1, false);
        assertNull(inbox.poll(500, TimeUnit.MILLISECONDS), "the clean session has no subscription");
    }

    // ---------------------------------------------------------------- 5

    /** Paho's synchronous 5 client, with its asynchronous core reachable for what only that offers. */
    private static final class V5Client extends org.eclipse.paho.mqttv5.client.MqttClient {
        V5Client(String uri, String id) throws org.eclipse.paho.mqttv5.common.MqttException {
            super(uri, id, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        }

        org.eclipse.paho.mqttv5.client.MqttAsyncClient async() {
            return aClient;
        }
    }

    private V5Client v5(String id, MqttConnectionOptions options, BlockingQueue<Received> inbox) throws Exception {
        V5Client client = new V5Client(broker.uri(), id);
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
                    inbox.add(new Received(topic, message.getPayload(), message.getQos(), message.isRetained(),
                            message.isDuplicate(), message.getProperties()));
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                }
            });
        }
        client.connect(options);
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        });
        return client;
    }

    private static MqttConnectionOptions clean() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        return options;
    }

    @Test
    void v5PropertiesTravelFromPublisherToSubscriber() throws Exception {
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        var subscriber = v5("props-sub", clean(), inbox);
        MqttSubscription subscription = new MqttSubscription("rpc/request/+", 1);
        MqttProperties subscribeProperties = new MqttProperties();
        subscribeProperties.setSubscriptionIdentifier(42);
        subscriber.async().subscribe(new MqttSubscription[] {subscription}, null, null, subscribeProperties)
                .waitForCompletion(10_000);

        var requester = v5("props-pub", clean(), null);
        MqttMessage request = new MqttMessage("{\"op\":\"reboot\"}".getBytes(UTF_8), 1, false, null);
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic("rpc/response/props-pub");
        properties.setCorrelationData(new byte[] {1, 2, 3, 4});
        properties.setContentType("application/json");
        properties.setPayloadFormat(true);
        properties.setMessageExpiryInterval(3600L);
        properties.setUserProperties(List.of(new UserProperty("trace", "abc"), new UserProperty("trace", "def")));
        request.setProperties(properties);
        requester.publish("rpc/request/dev1", request);

        Received got = inbox.poll(10, TimeUnit.SECONDS);
        assertNotNull(got);
        MqttProperties p = got.properties();
        assertEquals("rpc/response/props-pub", p.getResponseTopic());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, p.getCorrelationData());
        assertEquals("application/json", p.getContentType());
        assertTrue(p.getPayloadFormat());
        assertNotNull(p.getMessageExpiryInterval());
        assertTrue(p.getMessageExpiryInterval() > 3500 && p.getMessageExpiryInterval() <= 3600);
        assertEquals(List.of("trace=abc", "trace=def"),
                p.getUserProperties().stream().map(u -> u.getKey() + "=" + u.getValue()).toList());
        assertEquals(List.of(42), p.getSubscriptionIdentifiers());
    }

    @Test
    void anEmptyClientIdIsAssignedOne() throws Exception {
        var client = v5("", clean(), null);
        String assigned = client.getClientId();
        assertFalse(assigned.isEmpty(), "the CONNACK's Assigned Client Identifier was taken");
    }

    @Test
    void noLocalKeepsAClientsOwnMessagesAway() throws Exception {
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        var client = v5("nolocal", clean(), inbox);
        MqttSubscription own = new MqttSubscription("chat/room", 1);
        own.setNoLocal(true);
        client.subscribe(new MqttSubscription[] {own});
        client.publish("chat/room", "mine".getBytes(UTF_8), 1, false);
        v5("nolocal-other", clean(), null).publish("chat/room", "theirs".getBytes(UTF_8), 1, false);
        Received got = inbox.poll(10, TimeUnit.SECONDS);
        assertNotNull(got);
        assertEquals("theirs", got.text());
        assertNull(inbox.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void retainHandlingTwoSkipsRetainedMessages() throws Exception {
        v5("rh-pub", clean(), null).publish("config/rh", "v1".getBytes(UTF_8), 1, true);
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        var client = v5("rh-sub", clean(), inbox);
        MqttSubscription skip = new MqttSubscription("config/rh", 1);
        skip.setRetainHandling(2);
        client.subscribe(new MqttSubscription[] {skip});
        assertNull(inbox.poll(300, TimeUnit.MILLISECONDS), "retain handling 2 sends no retained message");

        BlockingQueue<Received> second = new LinkedBlockingQueue<>();
        v5("rh-sub2", clean(), second).subscribe(new MqttSubscription[] {new MqttSubscription("config/rh", 1)});
        Received retained = second.poll(10, TimeUnit.SECONDS);
        assertNotNull(retained);
        assertTrue(retained.retained());
        assertEquals("v1", retained.text());
    }

    @Test
    void aSharedSubscriptionGivesEachMessageToOneMemberOfTheGroup() throws Exception {
        BlockingQueue<Received> a = new LinkedBlockingQueue<>();
        BlockingQueue<Received> b = new LinkedBlockingQueue<>();
        v5("worker-a", clean(), a).subscribe(new MqttSubscription[] {new MqttSubscription("$share/workers/jobs/#", 1)});
        v5("worker-b", clean(), b).subscribe(new MqttSubscription[] {new MqttSubscription("$share/workers/jobs/#", 1)});
        var producer = v5("jobs-pub", clean(), null);
        int jobs = 100;
        for (int i = 0; i < jobs; i++) {
            producer.publish("jobs/" + i, ("job-" + i).getBytes(UTF_8), 1, false);
        }
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.size() < jobs && System.nanoTime() < deadline) {
            Received got = a.poll(10, TimeUnit.MILLISECONDS);
            if (got != null) {
                seen.add("a:" + got.text());
            }
            got = b.poll(10, TimeUnit.MILLISECONDS);
            if (got != null) {
                seen.add("b:" + got.text());
            }
        }
        assertEquals(jobs, seen.size(), "every job delivered");
        assertEquals(jobs, seen.stream().map(s -> s.substring(2)).distinct().count(), "each job once");
        assertTrue(seen.stream().anyMatch(s -> s.startsWith("a:")) && seen.stream().anyMatch(s -> s.startsWith("b:")),
                "both members took jobs");
    }

    @Test
    void aSessionWithAnExpiryIntervalOutlivesItsConnection() throws Exception {
        MqttConnectionOptions lasting = new MqttConnectionOptions();
        lasting.setCleanStart(true);
        lasting.setSessionExpiryInterval(300L);
        var first = v5("expiring", lasting, null);
        first.subscribe(new MqttSubscription[] {new MqttSubscription("inbox/expiring", 1)});
        first.disconnect();
        v5("expiring-pub", clean(), null).publish("inbox/expiring", "kept".getBytes(UTF_8), 1, false);

        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        MqttConnectionOptions resume = new MqttConnectionOptions();
        resume.setCleanStart(false);
        resume.setSessionExpiryInterval(300L);
        var back = v5("expiring", resume, inbox);
        assertTrue(back.isConnected());
        Received got = inbox.poll(10, TimeUnit.SECONDS);
        assertNotNull(got);
        assertEquals("kept", got.text());
    }

    @Test
    void messagesWaitingForTheInFlightWindowKeepTheirOrderQos0Included() throws Exception {
        MqttConnectionOptions oneAtATime = clean();
        oneAtATime.setReceiveMaximum(1);
        BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
        // Holding the first message (Paho acknowledges when the callback returns) keeps the window full.
        BlockingQueue<Received> slow = new LinkedBlockingQueue<>() {
            @Override
            public boolean add(Received message) {
                if (message.text().equals("m1")) {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return inbox.add(message);
            }
        };
        var subscriber = v5("window-sub", oneAtATime, slow);
        subscriber.subscribe(new MqttSubscription[] {new MqttSubscription("window/#", 1)});
        var publisher = v5("window-pub", clean(), null);
        // With one QoS 1 message in flight, the rest (QoS 0 among them) must queue behind it.
        publisher.publish("window/a", "m1".getBytes(UTF_8), 1, false);
        publisher.publish("window/b", "m2".getBytes(UTF_8), 0, false);
        publisher.publish("window/c", "m3".getBytes(UTF_8), 1, false);
        publisher.publish("window/d", "m4".getBytes(UTF_8), 0, false);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Received next = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(next, "message " + (i + 1) + " of 4, got " + got);
            got.add(next.text());
        }
        assertEquals(List.of("m1", "m2", "m3", "m4"), got);
    }
}
