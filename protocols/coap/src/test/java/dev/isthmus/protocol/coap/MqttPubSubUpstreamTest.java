package dev.isthmus.protocol.coap;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoProcess;
import dev.isthmus.protocol.coap.mqtt.MqttPubSub;
import dev.isthmus.protocol.mqtt.LiveSubscriber;

/** CoAP to MQTT when the broker is a mosquitto upstream rather than the embedded one. */
class MqttPubSubUpstreamTest {
    private static MosquittoProcess mosquitto;
    private static Server server;

    @BeforeAll
    static void start() throws Exception {
        mosquitto = MosquittoProcess.start();
        MetricRegistry metrics = new MetricRegistry(2);
        MqttPubSub pubsub = MqttPubSub.upstream("/ps",
                List.of(new InetSocketAddress(mosquitto.host(), mosquitto.port())), metrics);
        server = Server.builder().threads(2).transport(TestCoapServer.TRANSPORT)
                .listenDatagram("coap", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0),
                        new CoapService(new CoapResources(List.of(pubsub.resource())), CoapSettings.DEFAULT, metrics,
                                "coap"))
                .build().start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.shutdown(Duration.ofSeconds(1));
        mosquitto.close();
    }

    private static String uri(String path) {
        return "coap://127.0.0.1:" + server.boundAddress("coap").getPort() + path;
    }

    private static String[] atMosquitto(String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "-h";
        args[1] = mosquitto.host();
        args[2] = "-p";
        args[3] = String.valueOf(mosquitto.port());
        System.arraycopy(more, 0, args, 4, more.length);
        return args;
    }

    /** The loops connect to mosquitto as the first requests arrive: until then the answer is 5.03. */
    private static org.eclipse.californium.core.CoapResponse untilConnected(
            java.util.concurrent.Callable<org.eclipse.californium.core.CoapResponse> request) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        org.eclipse.californium.core.CoapResponse response = request.call();
        while (response.getCode() == CoAP.ResponseCode.SERVICE_UNAVAILABLE && System.nanoTime() < deadline) {
            Thread.sleep(100);
            response = request.call();
        }
        return response;
    }

    @Test
    void publishesReachMosquittoAndItsRetainedMessagesAreRead() throws Exception {
        CoapClient client = Californium.client(uri("/ps/site/gate"));
        try (LiveSubscriber sub = new LiveSubscriber(atMosquitto("-t", "site/#", "-v", "-q", "1"))) {
            assertEquals(CoAP.ResponseCode.CHANGED, untilConnected(() -> client.post("opened", 0)).getCode());
            assertEquals(List.of("site/gate opened"), sub.messages(1));
            assertEquals(CoAP.ResponseCode.CHANGED, untilConnected(() -> client.put("closed", 0)).getCode());
            assertEquals(List.of("site/gate closed"), sub.messages(1));
        }
        try {
            org.eclipse.californium.core.CoapResponse read = untilConnected(client::get);
            assertEquals(CoAP.ResponseCode.CONTENT, read.getCode());
            assertEquals("closed", read.getResponseText());
            MosquittoClients.Result retained = MosquittoClients.subscribe(20, atMosquitto("-t", "site/gate", "-C",
                    "1"));
            assertEquals(List.of("closed"), retained.lines());
            assertEquals(CoAP.ResponseCode.DELETED, untilConnected(client::delete).getCode());
            assertEquals(CoAP.ResponseCode.NOT_FOUND, untilConnected(client::get).getCode());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void anObserverHearsMosquittoPublishers() throws Exception {
        CoapClient client = Californium.client(uri("/ps/site/alarm"));
        try {
            BlockingQueue<String> notifications = new LinkedBlockingQueue<>();
            CoapObserveRelation relation = Californium.observe(client, notifications);
            assertEquals("", notifications.poll(10, TimeUnit.SECONDS), "registered, nothing retained");
            // The loop subscribes upstream once the relation stands; publish until the first message arrives.
            String first = null;
            for (int i = 0; i < 100 && first == null; i++) {
                MosquittoClients.publish(20, atMosquitto("-t", "site/alarm", "-m", "ring " + i));
                first = notifications.poll(200, TimeUnit.MILLISECONDS);
            }
            assertTrue(first != null && first.startsWith("ring "), "first notification: " + first);
            for (int i = 1; i <= 3; i++) {
                MosquittoClients.publish(20, atMosquitto("-t", "site/alarm", "-m", "silence " + i, "-q", "1"));
                assertEquals("silence " + i, notifications.poll(10, TimeUnit.SECONDS));
            }
            relation.proactiveCancel();
        } finally {
            client.shutdown();
        }
    }
}
