package dev.isthmus.protocol.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.protocol.coap.mqtt.MqttPubSub;
import dev.isthmus.protocol.mqtt.LiveSubscriber;
import dev.isthmus.protocol.mqtt.MqttBrokerService;
import dev.isthmus.protocol.mqtt.MqttSettings;

/**
 * CoAP to MQTT through the embedded broker, with real clients on both sides: libcoap's
 * coap-client and Californium publish and observe over CoAP, mosquitto_pub and mosquitto_sub over
 * MQTT, against one server that runs both protocols on its two loops.
 */
class MqttPubSubTest {
    private static Server server;
    private static MetricRegistry metrics;

    @BeforeAll
    static void start() throws Exception {
        int threads = 2;
        metrics = new MetricRegistry(threads);
        MqttBrokerService broker = new MqttBrokerService(MqttSettings.DEFAULT, metrics, "mqtt");
        MqttPubSub pubsub = new MqttPubSub("/ps", broker.localBroker(), metrics);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        server = Server.builder().threads(threads).transport(TestCoapServer.TRANSPORT)
                .listen("mqtt", new InetSocketAddress(loopback, 0), broker)
                .listenDatagram("coap", new InetSocketAddress(loopback, 0),
                        new CoapService(new CoapResources(List.of(pubsub.resource())), CoapSettings.DEFAULT, metrics,
                                "coap"))
                .build().start();
    }

    @AfterAll
    static void stop() {
        server.shutdown(Duration.ofSeconds(1));
    }

    private static String uri(String path) {
        return "coap://127.0.0.1:" + server.boundAddress("coap").getPort() + path;
    }

    private static String mqttPort() {
        return String.valueOf(server.boundAddress("mqtt").getPort());
    }

    private static LiveSubscriber subscriber(String topic) throws Exception {
        return new LiveSubscriber("-h", "127.0.0.1", "-p", mqttPort(), "-t", topic, "-q", "1", "-v");
    }

    @Test
    void aCoapPostReachesAnMqttSubscriber() throws Exception {
        try (LiveSubscriber sub = subscriber("sensors/+/temperature")) {
            LibcoapClient.Result con = LibcoapClient.run(20, "-m", "post", "-e", "21.5",
                    uri("/ps/sensors/kitchen/temperature"));
            assertEquals(0, con.exitCode(), con.err());
            LibcoapClient.Result non = LibcoapClient.run(20, "-N", "-m", "post", "-e", "19.0",
                    uri("/ps/sensors/hall/temperature"));
            assertEquals(0, non.exitCode(), non.err());
            List<String> got = sub.messages(2);
            assertTrue(got.contains("sensors/kitchen/temperature 21.5"), got.toString());
            assertTrue(got.contains("sensors/hall/temperature 19.0"), got.toString());
        }
    }

    @Test
    void aPutIsRetainedForGetsAndLaterMqttSubscribersUntilDeleted() throws Exception {
        CoapClient client = Californium.client(uri("/ps/devices/d17/state"));
        try {
            assertEquals(CoAP.ResponseCode.NOT_FOUND, client.get().getCode());
            assertEquals(CoAP.ResponseCode.CHANGED, client.put("on", MediaTypeRegistry.TEXT_PLAIN).getCode());
            assertEquals("on", client.get().getResponseText());
            MosquittoClients.Result retained = MosquittoClients.subscribe(20, "-h", "127.0.0.1", "-p", mqttPort(),
                    "-t", "devices/d17/state", "-C", "1", "-v");
            assertEquals(List.of("devices/d17/state on"), retained.lines());
            assertEquals(CoAP.ResponseCode.DELETED, client.delete().getCode());
            assertEquals(CoAP.ResponseCode.NOT_FOUND, client.get().getCode());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void anObserverHearsEveryMqttPublishAndUnsubscribesWhenItCancels() throws Exception {
        MosquittoClients.publish(20, "-h", "127.0.0.1", "-p", mqttPort(), "-t", "cmd/valve", "-m", "closed", "-r");
        CoapClient client = Californium.client(uri("/ps/cmd/valve"));
        try {
            BlockingQueue<String> notifications = new LinkedBlockingQueue<>();
            CoapObserveRelation relation = Californium.observe(client, notifications);
            assertEquals("closed", notifications.poll(10, TimeUnit.SECONDS), "the retained message first");
            long subscriptions = metric("isthmus_mqtt_subscriptions");
            for (int i = 1; i <= 5; i++) {
                // One at a time: an observer that falls behind gets the newest state, not every one.
                MosquittoClients.Result sent = MosquittoClients.publish(20, "-h", "127.0.0.1", "-p", mqttPort(),
                        "-t", "cmd/valve", "-m", "open " + i, "-q", "1");
                assertEquals(0, sent.exitCode(), sent.output());
                assertEquals("open " + i, notifications.poll(10, TimeUnit.SECONDS), "notification " + i);
            }
            // A CoAP client's own publish reaches a CoAP observer too (the loops' publisher is not its subscriber).
            CoapClient publisher = Californium.client(uri("/ps/cmd/valve"));
            try {
                assertEquals(CoAP.ResponseCode.CHANGED, publisher.post("from coap", 0).getCode());
            } finally {
                publisher.shutdown();
            }
            assertEquals("from coap", notifications.poll(10, TimeUnit.SECONDS));
            relation.proactiveCancel();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (metric("isthmus_mqtt_subscriptions") != subscriptions - 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(subscriptions - 1, metric("isthmus_mqtt_subscriptions"),
                    "the broker subscription goes with the last observer");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void libcoapObservesAnMqttTopic() throws Exception {
        Thread publisher = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < 40 && !Thread.currentThread().isInterrupted(); i++) {
                    Thread.sleep(250);
                    MosquittoClients.publish(20, "-h", "127.0.0.1", "-p", mqttPort(), "-t", "meter/7", "-m",
                            "kwh " + i);
                }
            } catch (Exception stopped) {
                // interrupted once the client has what it needs
            }
        });
        try {
            // -s 8: observe for 8 s; -B 8 stops it then. Each notification prints its payload, no newline.
            LibcoapClient.Result observed = LibcoapClient.run(30, "-s", "8", "-B", "8", uri("/ps/meter/7"));
            List<Integer> readings = java.util.regex.Pattern.compile("kwh (\\d+)").matcher(observed.out()).results()
                    .map(match -> Integer.parseInt(match.group(1))).toList();
            assertTrue(readings.size() >= 3, "notifications: " + observed.out() + " / " + observed.err());
            for (int i = 1; i < readings.size(); i++) {
                assertTrue(readings.get(i) > readings.get(i - 1), "in order, each once: " + readings);
            }
        } finally {
            publisher.interrupt();
            publisher.join();
        }
    }

    @Test
    void requestsTheTopicsCannotStandForAreRefused() throws Exception {
        CoapClient client = Californium.client(uri("/ps/a/+/b"));
        try {
            assertEquals(CoAP.ResponseCode.BAD_REQUEST, client.get().getCode());
            client.setURI(uri("/ps"));
            assertEquals(CoAP.ResponseCode.BAD_REQUEST, client.post("x", 0).getCode());
            client.setURI(uri("/ps/$SYS/broker/uptime"));
            assertEquals(CoAP.ResponseCode.FORBIDDEN, client.post("x", 0).getCode());
            client.setURI(uri("/ps/x?qos=3"));
            assertEquals(CoAP.ResponseCode.BAD_REQUEST, client.post("x", 0).getCode());
            client.setURI(uri("/ps/x"));
            assertEquals(CoAP.ResponseCode.BAD_REQUEST, client.put(new byte[0], 0).getCode());
            assertTrue(metric("isthmus_coap_pubsub_refused_total") >= 5);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void qosTwoFromCoapArrivesOnce() throws Exception {
        try (LiveSubscriber sub = subscriber("orders/#")) {
            CoapClient client = Californium.client(uri("/ps/orders/42?qos=2"));
            try {
                assertEquals(CoAP.ResponseCode.CHANGED, client.post("ship", 0).getCode());
            } finally {
                client.shutdown();
            }
            assertArrayEquals(new Object[] {"orders/42 ship"}, sub.messages(1).toArray());
            assertEquals(List.of(), sub.messagesWithin(Duration.ofMillis(300)));
        }
    }

    private static long metric(String name) {
        long sum = 0;
        for (String line : metrics.scrape().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
