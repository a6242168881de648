package dev.isthmus.protocol.mqtt.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.testing.MosquittoProcess;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * Holds the client's promise that publishing at QoS 1 allocates (almost) nothing in steady
 * state: the bytes the loop thread allocates per message published and acknowledged by a real
 * mosquitto, counted by the JVM, stay under a bound smaller than any object.
 */
class ClientAllocationTest {
    private static final int WARM_UP = 30_000;
    private static final int MEASURED = 30_000;
    private static final double BOUND = 8;

    /** A publication whose topic and payload are encoded once. */
    private static final class Fixed implements Publication {
        private final UnsafeBuffer topic = new UnsafeBuffer("alloc/topic".getBytes(StandardCharsets.UTF_8));
        private final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);

        @Override
        public int qos() {
            return 1;
        }

        @Override
        public boolean retain() {
            return false;
        }

        @Override
        public void describe(PublishEncoder encoder, long nowNanos) {
            encoder.topic(topic, 0, topic.capacity()).payload(payload, 0, payload.capacity());
        }
    }

    /** Publishes from a fixed set of publications, reusing each once it is acknowledged. Loop thread only. */
    private static final class Publisher implements MqttClientListener {
        private final Fixed[] free = new Fixed[64];
        private int freeCount;
        private long toPublish;
        final AtomicLong acknowledged = new AtomicLong();
        MqttClient client;

        Publisher() {
            for (int i = 0; i < free.length; i++) {
                free[freeCount++] = new Fixed();
            }
        }

        void publish(long count) {
            toPublish += count;
            pump();
        }

        private void pump() {
            while (toPublish > 0 && freeCount > 0 && client.publish(free[freeCount - 1])) {
                free[--freeCount] = null;
                toPublish--;
            }
        }

        @Override
        public void connected(boolean sessionPresent) {
            pump();
        }

        @Override
        public void message(PublishView message, long ackToken) {
        }

        @Override
        public void published(Publication publication, ReasonCode reason) {
            free[freeCount++] = (Fixed) publication;
            acknowledged.incrementAndGet();
            pump();
        }

        @Override
        public void ready() {
            pump();
        }
    }

    @Test
    void publishingAtQos1AllocatesAlmostNothingOnTheLoopThread() throws Exception {
        EventLoop loop = new EventLoop(0, ClientHarness.TRANSPORT, LoopSettings.DEFAULT);
        try (MosquittoProcess mosquitto = MosquittoProcess.start()) {
            loop.start();
            Publisher publisher = new Publisher();
            MqttClientSettings settings = ClientHarness.settings(mosquitto.port(), "allocation").build();
            loop.submit(() -> {
                publisher.client = new MqttClient(loop, settings, publisher);
                publisher.client.start();
                return null;
            }).get(10, TimeUnit.SECONDS);
            ClientHarness.await(() -> run(loop, publisher.client::isConnected), "connected");

            publishAll(loop, publisher, WARM_UP);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getThreadAllocatedBytes(loop.thread().threadId());
            publishAll(loop, publisher, MEASURED);
            long after = threads.getThreadAllocatedBytes(loop.thread().threadId());
            double perMessage = (after - before) / (double) MEASURED;
            assertTrue(perMessage < BOUND, "the loop thread allocated " + perMessage + " bytes per message");
            loop.submit(() -> {
                publisher.client.abort();
                return null;
            }).get(10, TimeUnit.SECONDS);
        } finally {
            loop.stop();
            loop.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static void publishAll(EventLoop loop, Publisher publisher, int count) throws Exception {
        long target = publisher.acknowledged.get() + count;
        loop.submit(() -> {
            publisher.publish(count);
            return null;
        }).get(10, TimeUnit.SECONDS);
        ClientHarness.await(() -> publisher.acknowledged.get() >= target, count + " messages acknowledged");
    }

    private static boolean run(EventLoop loop, java.util.concurrent.Callable<Boolean> check) {
        try {
            return loop.submit(check).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }
}
