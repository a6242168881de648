package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoClients.Result;

/**
 * Publishers that outrun a subscriber are held back (not read) until it catches up, so a
 * subscriber that keeps reading loses nothing, even far beyond the queue limits meant for
 * sessions whose clients are away; and a subscriber that stops reading altogether holds nobody
 * back for longer than the slow-subscriber timeout.
 */
class PublisherBackPressureTest {

    @Test
    void aSlowSubscriberLosesNothingWhilePublishersFloodIt() throws Exception {
        int publishers = 3;
        int perPublisher = 4000;
        // A queue limit far below the flood: without holding the publishers back, the slow
        // subscriber's QoS 1 messages beyond 20 would be dropped.
        MqttSettings settings = new MqttSettings(1 << 20, 32, 20, Duration.ofSeconds(10), 0, true)
                .withSlowSubscriberTimeout(Duration.ofSeconds(60));
        try (TestBroker broker = TestBroker.start(2, settings)) {
            Map<String, List<Integer>> received = new ConcurrentHashMap<>();
            CountDownLatch all = new CountDownLatch(publishers * perPublisher);
            MqttClient subscriber = slowSubscriber(broker, "flood/#", received, all, 1);
            try {
                floodFrom(broker, publishers, perPublisher, "flood/", "1");
                assertTrue(all.await(120, TimeUnit.SECONDS), "received only " + count(received) + " of "
                        + publishers * perPublisher + "; " + broker.metricsText());
                for (int p = 0; p < publishers; p++) {
                    assertEquals(sequence(perPublisher), received.get("flood/" + p), "flood/" + p + " in order, each once");
                }
                assertEquals(0, metric(broker, "isthmus_mqtt_messages_dropped_total"));
                assertTrue(metric(broker, "isthmus_mqtt_publisher_waits_total") > 0,
                        "the publishers were held back: " + broker.metricsText());
            } finally {
                subscriber.disconnect();
                subscriber.close();
            }
        }
    }

    @Test
    void aSubscriberThatStopsReadingHoldsPublishersBackOnlyUntilTheTimeout() throws Exception {
        int count = 20_000;
        MqttSettings settings = MqttSettings.DEFAULT.withSlowSubscriberTimeout(Duration.ofMillis(300));
        try (TestBroker broker = TestBroker.start(1, settings);
             Socket stuck = stuckSubscriber(broker, "stall/t")) {
            Path lines = Files.createTempFile("stall", ".txt");
            try {
                // About 20 MB: more than the stuck subscriber's socket buffers can swallow.
                String padding = "x".repeat(1000);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < count; i++) {
                    text.append(i).append(' ').append(padding).append('\n');
                }
                Files.writeString(lines, text);
                try (LiveSubscriber healthy = new LiveSubscriber("-h", broker.host(), "-p",
                        String.valueOf(broker.port()), "-t", "stall/t")) {
                    Result pub = MosquittoClients.publishLines(120, lines, "-h", broker.host(), "-p",
                            String.valueOf(broker.port()), "-t", "stall/t", "-q", "0");
                    assertEquals(0, pub.exitCode(), pub.output());
                    List<String> got = healthy.messages(count);
                    assertEquals(count, got.size());
                    assertTrue(got.getLast().startsWith((count - 1) + " "), "in order");
                }
            } finally {
                Files.deleteIfExists(lines);
            }
            assertTrue(metric(broker, "isthmus_mqtt_slow_subscribers_total") >= 1, broker.metricsText());
        }
    }

    @Test
    void publishersOnAnotherLoopWaitForTheirDeliveriesToBeTaken() throws Exception {
        // Enough publishers that some land on the other loop than the subscriber's.
        int publishers = 8;
        int perPublisher = 2500;
        int saved = BrokerLoop.transitHighWater;
        // Every delivery that crosses loops makes its publisher wait until it has been taken there.
        BrokerLoop.transitHighWater = 1;
        try (TestBroker broker = TestBroker.start(2)) {
            Map<String, List<Integer>> received = new ConcurrentHashMap<>();
            CountDownLatch all = new CountDownLatch(publishers * perPublisher);
            MqttClient subscriber = slowSubscriber(broker, "cross/#", received, all, 0);
            try {
                floodFrom(broker, publishers, perPublisher, "cross/", "0");
                assertTrue(all.await(120, TimeUnit.SECONDS), "received only " + count(received) + "; "
                        + broker.metricsText());
                for (int p = 0; p < publishers; p++) {
                    assertEquals(sequence(perPublisher), received.get("cross/" + p), "cross/" + p + " whole, in order");
                }
                for (dev.isthmus.core.loop.EventLoop loop : broker.loops()) {
                    assertEquals(0, loop.uncaughtErrors(), "errors on " + loop);
                }
            } finally {
                subscriber.disconnect();
                subscriber.close();
            }
        } finally {
            BrokerLoop.transitHighWater = saved;
        }
    }

    /** Runs {@code publishers} mosquitto_pub -l at once, each sending 0..perPublisher-1 to its own topic. */
    private static void floodFrom(TestBroker broker, int publishers, int perPublisher, String topicPrefix, String qos)
            throws Exception {
        List<Path> files = new ArrayList<>();
        try (ExecutorService runners = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Result>> runs = new ArrayList<>();
            for (int p = 0; p < publishers; p++) {
                Path lines = Files.createTempFile("flood", ".txt");
                files.add(lines);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < perPublisher; i++) {
                    text.append(i).append('\n');
                }
                Files.writeString(lines, text);
                String topic = topicPrefix + p;
                runs.add(runners.submit(() -> MosquittoClients.publishLines(120, lines, "-h", broker.host(),
                        "-p", String.valueOf(broker.port()), "-V", "mqttv311", "-q", qos, "-t", topic)));
            }
            for (Future<Result> run : runs) {
                Result result = run.get();
                assertEquals(0, result.exitCode(), result.output());
            }
        } finally {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static List<Integer> sequence(int count) {
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add(i);
        }
        return expected;
    }

    /** A Paho 3.1.1 subscriber whose callback is slower than the publishers: its socket fills. */
    private static MqttClient slowSubscriber(TestBroker broker, String filter, Map<String, List<Integer>> received,
                                             CountDownLatch all, int qos) throws Exception {
        MqttClient client = new MqttClient(broker.uri(), "slow-subscriber", new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            private int seen;

            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) throws InterruptedException {
                received.computeIfAbsent(topic, t -> java.util.Collections.synchronizedList(new ArrayList<>()))
                        .add(Integer.parseInt(new String(message.getPayload(), UTF_8)));
                all.countDown();
                if (++seen % 100 == 0) {
                    Thread.sleep(5);
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(60);
        client.connect(options);
        client.subscribe(filter, qos);
        return client;
    }

    /** Subscribes over a raw socket with a small receive buffer, then never reads again. */
    private static Socket stuckSubscriber(TestBroker broker, String topic) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(broker.host(), broker.port()));
        socket.setSoTimeout(10_000);
        byte[] id = "stuck".getBytes(UTF_8);
        // CONNECT, 3.1.1, clean session, no keep alive, client id "stuck".
        byte[] connect = new byte[14 + id.length];
        System.arraycopy(new byte[] {0x10, (byte) (12 + id.length), 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0,
                0, (byte) id.length}, 0, connect, 0, 14);
        System.arraycopy(id, 0, connect, 14, id.length);
        socket.getOutputStream().write(connect);
        InputStream in = socket.getInputStream();
        assertEquals(0x20, in.read(), "CONNACK");
        in.readNBytes(3);
        byte[] filter = topic.getBytes(UTF_8);
        byte[] subscribe = new byte[7 + filter.length];
        subscribe[0] = (byte) 0x82;
        subscribe[1] = (byte) (5 + filter.length);
        subscribe[3] = 1;
        subscribe[5] = (byte) filter.length;
        System.arraycopy(filter, 0, subscribe, 6, filter.length);
        subscribe[6 + filter.length] = 0;
        socket.getOutputStream().write(subscribe);
        assertEquals(0x90, in.read(), "SUBACK");
        in.readNBytes(4);
        return socket;
    }

    private static long metric(TestBroker broker, String name) {
        Matcher m = Pattern.compile(Pattern.quote(name) + "\\{listener=\"mqtt\"} (\\d+)").matcher(broker.metricsText());
        assertTrue(m.find(), name + " in " + broker.metricsText());
        return Long.parseLong(m.group(1));
    }

    private static int count(Map<String, List<Integer>> received) {
        return received.values().stream().mapToInt(List::size).sum();
    }
}
