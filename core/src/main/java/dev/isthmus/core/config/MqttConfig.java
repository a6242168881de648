package dev.isthmus.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * MQTT (3.1.1 and 5.0) listeners and how they serve: as the embedded broker when no upstream is
 * given, or as a proxy to upstream brokers. {@link #DEFAULT} listens nowhere; the built-in
 * default configuration adds {@link #DEFAULT_LISTEN}.
 *
 * @param listeners         MQTT listeners, possibly none (MQTT is then off); default none, and
 *                          {@code 0.0.0.0:1883} in {@link IsthmusConfig#builtInDefault()}
 * @param upstreams         brokers to proxy to, each with a host and a port from 1, none twice;
 *                          none (the default) means the embedded broker serves the clients. Upstreams
 *                          need a listener.
 * @param maxPacketBytes    largest MQTT packet accepted from a client, fixed header included,
 *                          {@value #MIN_PACKET_BYTES}..{@value #MAX_PACKET_BYTES}; a larger one
 *                          ends the connection. Told to v5 clients as Maximum Packet Size. Default
 *                          1 MiB.
 * @param receiveMaximum    QoS 1 and 2 messages in flight towards one client (sent, not yet
 *                          acknowledged), 1..{@value #MAX_RECEIVE_MAXIMUM}; default
 *                          {@value #DEFAULT_RECEIVE_MAXIMUM}
 * @param maxQueuedMessages QoS 1 and 2 messages kept for one session whose client is offline or
 *                          slow (stopped reading), beyond those in flight, 0..{@value #MAX_QUEUED_MESSAGES};
 *                          0 keeps none; default {@value #DEFAULT_MAX_QUEUED_MESSAGES}. A connected
 *                          client that keeps reading is not limited: its publishers are held back.
 * @param connectTimeout    a new connection whose CONNECT has not arrived within this time is
 *                          closed; positive; default 10 s
 * @param maxKeepAlive      the longest keep alive the server accepts, in whole seconds up to
 *                          65535 s; a v5 client asking for more is told this value as Server Keep
 *                          Alive, a v3.1.1 client (which cannot be told) is accepted as it asks.
 *                          0 (the default) accepts every client's keep alive as asked.
 * @param persistence       directory where persistent sessions and retained messages are stored,
 *                          or null (the default) to keep them in memory only; only the embedded
 *                          broker stores them, so it must be null when upstreams are given
 * @param allowAnonymous    whether clients that connect without a user name are accepted; default true
 * @param proxy             how the listeners proxy to the upstreams (balancing, health, topic rules,
 *                          rate limit, PROXY protocol); {@link MqttProxyConfig#DEFAULT} by default,
 *                          unused by the embedded broker
 * @param slowSubscriberTimeout how long the embedded broker holds publishers back for a connected
 *                          subscriber whose backlog stays high; after that it counts as slow (its
 *                          queue limits apply as if it were away); positive; default 5 s
 * @param sysInterval       how often the embedded broker publishes its {@code $SYS/broker/...}
 *                          statistics; 0 turns them off; default 10 s
 * @param bridges           bridges from the embedded broker to other brokers, none by default; they
 *                          need a listener (the embedded broker runs only then) and no upstreams
 */
public record MqttConfig(List<ListenAddress> listeners, List<HostPort> upstreams, int maxPacketBytes,
                         int receiveMaximum, int maxQueuedMessages, Duration connectTimeout, Duration maxKeepAlive,
                         Path persistence, boolean allowAnonymous, MqttProxyConfig proxy,
                         Duration slowSubscriberTimeout, Duration sysInterval, List<MqttBridgeConfig> bridges) {
    /** Where the built-in default configuration listens for MQTT: the IANA port for MQTT without TLS. */
    public static final ListenAddress DEFAULT_LISTEN = new ListenAddress(ListenAddress.ANY_HOST, 1883);
    /** PINGREQ, the smallest MQTT packet, is two bytes. */
    public static final int MIN_PACKET_BYTES = 2;
    /** The largest remaining length MQTT's variable byte integer can express (256 MiB - 1). */
    public static final int MAX_PACKET_BYTES = 268_435_455;
    public static final int DEFAULT_MAX_PACKET_BYTES = 1024 * 1024;
    /** Receive Maximum is a two-byte integer in MQTT 5. */
    public static final int MAX_RECEIVE_MAXIMUM = 65_535;
    public static final int DEFAULT_RECEIVE_MAXIMUM = 32;
    /** A bound that only catches typos (an extra zero or two), far above any sane setting. */
    public static final int MAX_QUEUED_MESSAGES = 1_000_000;
    public static final int DEFAULT_MAX_QUEUED_MESSAGES = 1000;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Keep Alive and Server Keep Alive are two-byte counts of seconds. */
    public static final Duration MAX_KEEP_ALIVE = Duration.ofSeconds(65_535);
    public static final Duration DEFAULT_SLOW_SUBSCRIBER_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SYS_INTERVAL = Duration.ofSeconds(10);
    /** No listener, the embedded broker, and the defaults above: MQTT off until a listener is given. */
    public static final MqttConfig DEFAULT = new MqttConfig(List.of(), List.of(), DEFAULT_MAX_PACKET_BYTES,
            DEFAULT_RECEIVE_MAXIMUM, DEFAULT_MAX_QUEUED_MESSAGES, DEFAULT_CONNECT_TIMEOUT, Duration.ZERO, null, true,
            MqttProxyConfig.DEFAULT, DEFAULT_SLOW_SUBSCRIBER_TIMEOUT, DEFAULT_SYS_INTERVAL, List.of());

    /** Settings with the proxy's and the broker's other defaults. */
    public MqttConfig(List<ListenAddress> listeners, List<HostPort> upstreams, int maxPacketBytes, int receiveMaximum,
                      int maxQueuedMessages, Duration connectTimeout, Duration maxKeepAlive, Path persistence,
                      boolean allowAnonymous) {
        this(listeners, upstreams, maxPacketBytes, receiveMaximum, maxQueuedMessages, connectTimeout, maxKeepAlive,
                persistence, allowAnonymous, MqttProxyConfig.DEFAULT, DEFAULT_SLOW_SUBSCRIBER_TIMEOUT,
                DEFAULT_SYS_INTERVAL, List.of());
    }

    public MqttConfig {
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(slowSubscriberTimeout, "slowSubscriberTimeout");
        Objects.requireNonNull(sysInterval, "sysInterval");
        if (slowSubscriberTimeout.isNegative() || slowSubscriberTimeout.isZero()) {
            throw new IllegalArgumentException("MQTT slow subscriber timeout must be positive: " + slowSubscriberTimeout);
        }
        if (sysInterval.isNegative()) {
            throw new IllegalArgumentException("MQTT $SYS interval must not be negative (0 = off): " + sysInterval);
        }
        listeners = List.copyOf(listeners);
        upstreams = List.copyOf(upstreams);
        Set<ListenAddress> seenListeners = new HashSet<>();
        for (ListenAddress address : listeners) {
            // Port 0 is exempt: every ephemeral listener gets a port of its own.
            if (address.port() != 0 && !seenListeners.add(address)) {
                throw new IllegalArgumentException("MQTT listen address " + address + " is given twice");
            }
        }
        Set<HostPort> seenUpstreams = new HashSet<>();
        for (HostPort upstream : upstreams) {
            checkUpstream(upstream);
            if (!seenUpstreams.add(upstream)) {
                throw new IllegalArgumentException("MQTT upstream " + upstream + " is given twice");
            }
        }
        if (!upstreams.isEmpty() && listeners.isEmpty()) {
            throw new IllegalArgumentException("MQTT upstreams are given but no MQTT listener");
        }
        if (maxPacketBytes < MIN_PACKET_BYTES || maxPacketBytes > MAX_PACKET_BYTES) {
            throw new IllegalArgumentException("MQTT max packet size must be " + MIN_PACKET_BYTES + ".."
                    + MAX_PACKET_BYTES + " bytes: " + maxPacketBytes);
        }
        if (receiveMaximum < 1 || receiveMaximum > MAX_RECEIVE_MAXIMUM) {
            throw new IllegalArgumentException("MQTT receive maximum must be 1.." + MAX_RECEIVE_MAXIMUM + ": "
                    + receiveMaximum);
        }
        if (maxQueuedMessages < 0 || maxQueuedMessages > MAX_QUEUED_MESSAGES) {
            throw new IllegalArgumentException("MQTT max queued messages must be 0.." + MAX_QUEUED_MESSAGES
                    + " (0 = none): " + maxQueuedMessages);
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("MQTT connect timeout must be positive: " + connectTimeout);
        }
        Objects.requireNonNull(maxKeepAlive, "maxKeepAlive");
        if (maxKeepAlive.isNegative() || maxKeepAlive.compareTo(MAX_KEEP_ALIVE) > 0
                || maxKeepAlive.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("MQTT max keep alive must be whole seconds, 0s..65535s (0 = as the "
                    + "client asks): " + maxKeepAlive);
        }
        if (persistence != null && persistence.toString().isEmpty()) {
            throw new IllegalArgumentException("MQTT persistence directory must not be empty; null keeps sessions "
                    + "in memory");
        }
        if (persistence != null && !upstreams.isEmpty()) {
            throw new IllegalArgumentException("MQTT persistence is only used by the embedded broker, and upstreams "
                    + "are given");
        }
        bridges = List.copyOf(bridges);
        if (!bridges.isEmpty() && !upstreams.isEmpty()) {
            throw new IllegalArgumentException("MQTT bridges connect the embedded broker, and upstreams are given");
        }
        if (!bridges.isEmpty() && listeners.isEmpty()) {
            throw new IllegalArgumentException("MQTT bridges are given but no MQTT listener");
        }
        MqttBridgeConfig.checkNames(bridges);
    }

    /**
     * An upstream broker written {@code host:port} or {@code [v6]:port}.
     *
     * @throws IllegalArgumentException quoting {@code text} and naming the accepted form
     */
    public static HostPort parseUpstream(String text) {
        HostPort parsed;
        try {
            parsed = HostPort.parse(text, "host:port, like 10.0.0.1:1883");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad upstream '" + text + "': " + e.getMessage());
        }
        if (parsed.host() == null || parsed.host().equals("*")) {
            throw new IllegalArgumentException("bad upstream '" + text + "': an upstream needs a host, like "
                    + "10.0.0.1:1883");
        }
        if (parsed.port() == 0) {
            throw new IllegalArgumentException("bad upstream '" + text + "': port 0 cannot be connected to");
        }
        return parsed;
    }

    private static void checkUpstream(HostPort upstream) {
        Objects.requireNonNull(upstream, "upstream");
        if (upstream.host() == null || upstream.host().equals("*")) {
            throw new IllegalArgumentException("MQTT upstream " + upstream + " needs a host");
        }
        if (upstream.port() == 0) {
            throw new IllegalArgumentException("MQTT upstream " + upstream + ": port 0 cannot be connected to");
        }
    }

    /** True when MQTT is served and no upstream is given: the embedded broker answers the clients. */
    public boolean usesEmbeddedBroker() {
        return !listeners.isEmpty() && upstreams.isEmpty();
    }

    /** These settings with other listeners. */
    public MqttConfig withListeners(List<ListenAddress> newListeners) {
        return new MqttConfig(newListeners, upstreams, maxPacketBytes, receiveMaximum, maxQueuedMessages,
                connectTimeout, maxKeepAlive, persistence, allowAnonymous, proxy, slowSubscriberTimeout,
                sysInterval, bridges);
    }

    /** These settings with other upstreams; none turns the embedded broker on. */
    public MqttConfig withUpstreams(List<HostPort> newUpstreams) {
        return new MqttConfig(listeners, newUpstreams, maxPacketBytes, receiveMaximum, maxQueuedMessages,
                connectTimeout, maxKeepAlive, persistence, allowAnonymous, proxy, slowSubscriberTimeout,
                sysInterval, bridges);
    }

    /** These settings with another packet size limit. */
    public MqttConfig withMaxPacketBytes(int newMaxPacketBytes) {
        return new MqttConfig(listeners, upstreams, newMaxPacketBytes, receiveMaximum, maxQueuedMessages,
                connectTimeout, maxKeepAlive, persistence, allowAnonymous, proxy, slowSubscriberTimeout,
                sysInterval, bridges);
    }

    /** These settings with other proxy settings. */
    public MqttConfig withProxy(MqttProxyConfig newProxy) {
        return new MqttConfig(listeners, upstreams, maxPacketBytes, receiveMaximum, maxQueuedMessages,
                connectTimeout, maxKeepAlive, persistence, allowAnonymous, newProxy, slowSubscriberTimeout,
                sysInterval, bridges);
    }
}
