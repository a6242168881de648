package dev.isthmus.protocol.mqtt;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import dev.isthmus.core.timer.Timer;

/**
 * The broker's statistics as retained messages under {@code $SYS/broker/}, republished every
 * interval with mosquitto's topic names, so dashboards written for mosquitto read them unchanged:
 * version, uptime, clients, publish counts and per-minute load averages over 1, 5 and 15 minutes,
 * bytes, subscriptions and retained messages. Only values that changed are published again
 * (uptime always is). {@code #} does not match {@code $SYS} topics; subscribe to {@code $SYS/#}.
 *
 * <p>Runs on the first loop, from a timer; the counts are the sums of the loops' metric shards,
 * read without stopping the loops, so they are a moment's picture, not a transaction.
 */
final class SysTopics extends Timer {
    private static final String PREFIX = "$SYS/broker/";
    /** Seconds of the moving averages, as mosquitto's 1min, 5min and 15min. */
    private static final int[] WINDOWS = {60, 300, 900};
    private static final String[] WINDOW_NAMES = {"1min", "5min", "15min"};

    private final BrokerHub hub;
    private final BrokerLoop part;
    private final long intervalNanos;
    private final String version;
    private final long startNanos;
    private final Map<String, String> published = new HashMap<>();
    private long lastTick;
    private long lastReceived;
    private long lastSent;
    private long lastConnections;
    private final double[] receivedLoad = new double[WINDOWS.length];
    private final double[] sentLoad = new double[WINDOWS.length];
    private final double[] connectionLoad = new double[WINDOWS.length];
    private long maximumConnected;

    SysTopics(BrokerHub hub, BrokerLoop part, long intervalNanos, String version) {
        this.hub = hub;
        this.part = part;
        this.intervalNanos = intervalNanos;
        this.version = version;
        this.startNanos = part.loop.now();
        this.lastTick = startNanos;
    }

    /** Publishes the first values now and schedules the next ones. */
    void start() {
        onTimeout(part.loop.now());
    }

    @Override
    protected void onTimeout(long nowNanos) {
        MqttMetrics metrics = hub.metrics;
        long received = metrics.received.sum();
        long sent = metrics.delivered.sum();
        long connections = metrics.acceptedConnections.sum();
        long connected = Math.max(0, metrics.activeConnections.value());
        long total = hub.sessions.size();
        maximumConnected = Math.max(maximumConnected, connected);
        double seconds = Math.max(1e-3, (nowNanos - lastTick) / 1e9);
        average(receivedLoad, (received - lastReceived) / seconds, seconds);
        average(sentLoad, (sent - lastSent) / seconds, seconds);
        average(connectionLoad, (connections - lastConnections) / seconds, seconds);
        lastTick = nowNanos;
        lastReceived = received;
        lastSent = sent;
        lastConnections = connections;

        publish("version", version);
        publish("uptime", (nowNanos - startNanos) / 1_000_000_000L + " seconds");
        publish("clients/connected", connected);
        publish("clients/disconnected", Math.max(0, total - connected));
        publish("clients/total", total);
        publish("clients/maximum", maximumConnected);
        publish("publish/messages/received", received);
        publish("publish/messages/sent", sent);
        publish("publish/messages/dropped", metrics.dropped.sum());
        publish("bytes/received", metrics.bytesReceived.sum());
        publish("bytes/sent", metrics.bytesSent.sum());
        publish("subscriptions/count", hub.subscriptionCount());
        publish("retained messages/count", hub.retainedCount());
        for (int i = 0; i < WINDOWS.length; i++) {
            publish("load/publish/received/" + WINDOW_NAMES[i], perMinute(receivedLoad[i]));
            publish("load/publish/sent/" + WINDOW_NAMES[i], perMinute(sentLoad[i]));
            publish("load/connections/" + WINDOW_NAMES[i], perMinute(connectionLoad[i]));
        }
        part.loop.timers().schedule(this, nowNanos + intervalNanos);
    }

    /** Folds a rate measured over {@code seconds} into exponential moving averages over each window. */
    private static void average(double[] load, double rate, double seconds) {
        for (int i = 0; i < WINDOWS.length; i++) {
            double keep = Math.exp(-seconds / WINDOWS[i]);
            load[i] = load[i] * keep + rate * (1 - keep);
        }
    }

    private static String perMinute(double perSecond) {
        return String.format(java.util.Locale.ROOT, "%.2f", perSecond * 60);
    }

    private void publish(String name, long value) {
        publish(name, Long.toString(value));
    }

    private void publish(String name, String value) {
        if (value.equals(published.put(name, value)) && !name.equals("uptime")) {
            return;
        }
        part.publishFromBroker(Message.of(PREFIX + name, value.getBytes(StandardCharsets.UTF_8), 0, true,
                PublishProperties.NONE, Long.MAX_VALUE, null));
    }
}
