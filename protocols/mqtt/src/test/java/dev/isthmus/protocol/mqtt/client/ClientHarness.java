package dev.isthmus.protocol.mqtt.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.testing.Conditions;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.iouring.UringTransport;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * One {@link MqttClient} on an event loop of its own, on the transport the build asks for
 * ({@code isthmus.test.transport}), with everything its listener hears recorded for the test
 * thread, and a sender that publishes a list of messages as fast as the client takes them.
 */
final class ClientHarness implements MqttClientListener, AutoCloseable {
    static final Transport TRANSPORT = UringTransport.select(System.getProperty("isthmus.test.transport", "nio"));
    static final Duration PATIENCE = Duration.ofSeconds(30);

    /** A message as the listener saw it. */
    record Received(String topic, String payload, int qos, boolean retain, boolean dup) {
    }

    /** A text message to publish. */
    record Text(String topic, String payload, int qos, boolean retain) implements Publication {
        static Text of(String topic, String payload, int qos) {
            return new Text(topic, payload, qos, false);
        }

        @Override
        public void describe(PublishEncoder encoder, long nowNanos) {
            encoder.topic(topic.getBytes(StandardCharsets.UTF_8)).payload(payload.getBytes(StandardCharsets.UTF_8));
        }
    }

    final EventLoop loop;
    final MqttClient client;
    final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    final BlockingQueue<Boolean> connects = new LinkedBlockingQueue<>();
    final List<String> disconnects = new CopyOnWriteArrayList<>();
    final List<String> failedConnects = new CopyOnWriteArrayList<>();
    final List<ReasonCode> completions = new CopyOnWriteArrayList<>();
    final List<Publication> completed = new CopyOnWriteArrayList<>();
    final AtomicInteger resent = new AtomicInteger();
    final AtomicInteger readies = new AtomicInteger();
    final BlockingQueue<List<ReasonCode>> subacks = new LinkedBlockingQueue<>();
    final BlockingQueue<List<String>> unsubacks = new LinkedBlockingQueue<>();
    /** Whether messages are acknowledged as they arrive; otherwise their tokens wait in {@link #tokens}. */
    volatile boolean autoAcknowledge = true;
    final List<Long> tokens = new CopyOnWriteArrayList<>();
    /** Touched on the loop only. */
    private final ArrayDeque<Publication> toSend = new ArrayDeque<>();
    private final AtomicInteger sent = new AtomicInteger();

    private ClientHarness(MqttClientSettings settings) throws Exception {
        loop = new EventLoop(0, TRANSPORT, LoopSettings.DEFAULT);
        loop.start();
        client = loop.submit(() -> new MqttClient(loop, settings, this)).get(10, TimeUnit.SECONDS);
    }

    /** A client with these settings, started. */
    static ClientHarness start(MqttClientSettings settings) throws Exception {
        ClientHarness harness = new ClientHarness(settings);
        harness.onLoop(() -> {
            harness.client.start();
            return null;
        });
        return harness;
    }

    /** Settings for a broker on 127.0.0.1 that reconnect quickly. */
    static MqttClientSettings.Builder settings(int port, String clientId) {
        return MqttClientSettings.builder("127.0.0.1", port, clientId)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(400)).connectTimeout(Duration.ofSeconds(5));
    }

    <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    /** Waits for the next successful connection; returns its session present flag. */
    boolean awaitConnected() throws InterruptedException {
        Boolean present = connects.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (present == null) {
            throw new AssertionError("no connection within " + PATIENCE.toSeconds() + " s; failed attempts: "
                    + failedConnects);
        }
        return present;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Conditions.await(condition, PATIENCE, what);
    }

    /** The next {@code count} messages the listener saw; fails naming those that came. */
    List<Received> messages(int count) throws InterruptedException {
        List<Received> messages = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (messages.size() < count) {
            Received next = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new AssertionError(messages.size() + " of " + count + " messages arrived: " + messages);
            }
            messages.add(next);
        }
        return messages;
    }

    /** Publishes {@code publications} in order as the client takes them (waiting for ready() or a reconnect). */
    void send(List<? extends Publication> publications) throws Exception {
        onLoop(() -> {
            toSend.addAll(publications);
            pump();
            return null;
        });
    }

    /** Publications handed to the client so far. */
    int sent() {
        return sent.get();
    }

    private void pump() {
        while (!toSend.isEmpty() && client.publish(toSend.peek())) {
            toSend.poll();
            sent.incrementAndGet();
        }
    }

    @Override
    public void connected(boolean sessionPresent) {
        connects.add(sessionPresent);
        pump();
    }

    @Override
    public void disconnected(String why) {
        disconnects.add(why);
    }

    @Override
    public void connectFailed(String why) {
        failedConnects.add(why);
    }

    @Override
    public void message(PublishView message, long ackToken) {
        received.add(new Received(message.topicString(),
                new String(bytes(message), StandardCharsets.UTF_8), message.qos(), message.retain(), message.dup()));
        if (ackToken != 0) {
            if (autoAcknowledge) {
                client.acknowledge(ackToken);
            } else {
                tokens.add(ackToken);
            }
        }
    }

    private static byte[] bytes(PublishView message) {
        byte[] payload = new byte[message.payloadLength()];
        message.buffer().getBytes(message.payloadOffset(), payload);
        return payload;
    }

    @Override
    public void published(Publication publication, ReasonCode reason) {
        completed.add(publication);
        completions.add(reason);
    }

    @Override
    public void resent(Publication publication) {
        resent.incrementAndGet();
    }

    @Override
    public void ready() {
        readies.incrementAndGet();
        pump();
    }

    @Override
    public void subscribed(List<String> filters, List<ReasonCode> reasons) {
        subacks.add(reasons);
    }

    @Override
    public void unsubscribed(List<String> filters) {
        unsubacks.add(filters);
    }

    /** Subscribes and waits for the SUBACK. */
    List<ReasonCode> subscribe(List<dev.isthmus.protocol.mqtt.codec.Subscription> subscriptions) throws Exception {
        onLoop(() -> {
            client.subscribe(subscriptions);
            return null;
        });
        List<ReasonCode> reasons = subacks.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (reasons == null) {
            throw new AssertionError("no SUBACK within " + PATIENCE.toSeconds() + " s");
        }
        return reasons;
    }

    @Override
    public void close() throws Exception {
        try {
            onLoop(() -> {
                client.stop();
                return null;
            });
            await(() -> {
                try {
                    return onLoop(client::isStopped);
                } catch (Exception e) {
                    return true;
                }
            }, "the client to stop");
        } finally {
            loop.stop();
            loop.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
