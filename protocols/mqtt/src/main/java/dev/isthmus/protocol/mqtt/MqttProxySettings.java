package dev.isthmus.protocol.mqtt;

import java.time.Duration;
import java.util.Objects;

/**
 * How the MQTT proxy treats its clients and reaches its brokers.
 *
 * @param maxPacketBytes          largest packet accepted from a client where the proxy reads
 *                                packets (the CONNECT always; every packet in inspection mode); a
 *                                larger one ends the connection; default 1 MiB
 * @param connectTimeout          a new connection must send its CONNECT within this time; default 10 s
 * @param upstreamConnectTimeout  how long connecting to one broker may take before the next one is
 *                                tried; default 3 s
 * @param idleTimeout             a connection whose client asked for no keep alive is closed after
 *                                this long without a byte either way; zero (the default) never.
 *                                Clients with a keep alive are closed after 1.5 times it.
 * @param proxyProtocol           whether a PROXY protocol v2 header goes to the broker before the
 *                                CONNECT, so the broker sees the device's address; default false
 * @param publishRules            topics the clients may publish to; {@link TopicRules#NONE} lets all through
 * @param subscribeRules          filters the clients may subscribe to; {@link TopicRules#NONE} lets all through
 * @param publishRate             PUBLISH packets per second one client may send on average, or 0
 *                                for no limit (the default)
 * @param publishBurst            PUBLISH packets one client may send at once above the rate (the
 *                                token bucket's size), at least 1 when a rate is set
 * @param splice                  whether pass-through connections move their bytes inside the kernel
 *                                (splice(2)) on transports that can (io_uring); default true; false
 *                                forwards them through the transport's own receive and send
 */
public record MqttProxySettings(int maxPacketBytes, Duration connectTimeout, Duration upstreamConnectTimeout,
                                Duration idleTimeout, boolean proxyProtocol, TopicRules publishRules,
                                TopicRules subscribeRules, double publishRate, int publishBurst, boolean splice) {
    public static final MqttProxySettings DEFAULT = new MqttProxySettings(1 << 20, Duration.ofSeconds(10),
            Duration.ofSeconds(3), Duration.ZERO, false, TopicRules.NONE, TopicRules.NONE, 0, 0, true);

    public MqttProxySettings {
        if (maxPacketBytes < 2 || maxPacketBytes > MqttSettings.MAX_PACKET_LIMIT) {
            throw new IllegalArgumentException("max packet size must be 2.." + MqttSettings.MAX_PACKET_LIMIT + ": "
                    + maxPacketBytes);
        }
        positive(connectTimeout, "connect timeout");
        positive(upstreamConnectTimeout, "upstream connect timeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idle timeout must not be negative: " + idleTimeout);
        }
        Objects.requireNonNull(publishRules, "publishRules");
        Objects.requireNonNull(subscribeRules, "subscribeRules");
        if (publishRate < 0 || Double.isNaN(publishRate) || Double.isInfinite(publishRate)) {
            throw new IllegalArgumentException("publish rate must be a finite number >= 0: " + publishRate);
        }
        if (publishRate > 0 && publishBurst < 1) {
            throw new IllegalArgumentException("a publish rate needs a burst of at least 1: " + publishBurst);
        }
    }

    private static void positive(Duration duration, String what) {
        Objects.requireNonNull(duration, what);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + duration);
        }
    }

    /** Whether topic rules or a rate limit make the proxy read every packet of its clients. */
    public boolean inspects() {
        return !publishRules.isEmpty() || !subscribeRules.isEmpty() || publishRate > 0;
    }

    public MqttProxySettings withRules(TopicRules publish, TopicRules subscribe) {
        return new MqttProxySettings(maxPacketBytes, connectTimeout, upstreamConnectTimeout, idleTimeout,
                proxyProtocol, publish, subscribe, publishRate, publishBurst, splice);
    }

    public MqttProxySettings withPublishRate(double rate, int burst) {
        return new MqttProxySettings(maxPacketBytes, connectTimeout, upstreamConnectTimeout, idleTimeout,
                proxyProtocol, publishRules, subscribeRules, rate, burst, splice);
    }

    public MqttProxySettings withIdleTimeout(Duration idle) {
        return new MqttProxySettings(maxPacketBytes, connectTimeout, upstreamConnectTimeout, idle, proxyProtocol,
                publishRules, subscribeRules, publishRate, publishBurst, splice);
    }

    public MqttProxySettings withProxyProtocol(boolean on) {
        return new MqttProxySettings(maxPacketBytes, connectTimeout, upstreamConnectTimeout, idleTimeout, on,
                publishRules, subscribeRules, publishRate, publishBurst, splice);
    }

    public MqttProxySettings withTimeouts(Duration connect, Duration upstreamConnect) {
        return new MqttProxySettings(maxPacketBytes, connect, upstreamConnect, idleTimeout, proxyProtocol,
                publishRules, subscribeRules, publishRate, publishBurst, splice);
    }

    public MqttProxySettings withSplice(boolean on) {
        return new MqttProxySettings(maxPacketBytes, connectTimeout, upstreamConnectTimeout, idleTimeout, proxyProtocol,
                publishRules, subscribeRules, publishRate, publishBurst, on);
    }
}
