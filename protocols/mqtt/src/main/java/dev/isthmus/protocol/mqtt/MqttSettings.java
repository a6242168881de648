package dev.isthmus.protocol.mqtt;

import java.time.Duration;
import java.util.Objects;

/**
 * How the embedded broker treats its clients.
 *
 * @param maxPacketBytes    largest packet accepted from a client (and announced to v5 clients as
 *                          Maximum Packet Size); bigger ones end the connection (v5: DISCONNECT
 *                          0x95 Packet too large); default 1 MiB
 * @param receiveMaximum    QoS 1 and 2 messages in flight from the broker to one client before the
 *                          rest wait in the session's queue (a v5 client may ask for fewer);
 *                          also announced to v5 clients as the broker's own Receive Maximum; default 32
 * @param maxQueuedMessages QoS 1 and 2 messages kept per session while its client is away or
 *                          slow; beyond it new messages for that session are dropped and counted.
 *                          A connected client that keeps reading is not limited: the publishers
 *                          that feed it are held back instead. Default 1000
 * @param connectTimeout    a new connection must send its CONNECT within this time; default 10 s
 * @param maxKeepAlive      longest keep alive granted, in seconds; a v5 client asking for more (or
 *                          for none) is told the Server Keep Alive; 0 grants what clients ask; default 0
 * @param allowAnonymous    whether clients without a user name may connect; default true
 * @param slowSubscriberTimeout how long publishers are held back for a connected subscriber whose
 *                          backlog stays above the high-water mark; after that it counts as slow:
 *                          nobody waits for it and its queue limits apply as if it were away;
 *                          default 5 s
 * @param sysInterval       how often the broker publishes its statistics under {@code $SYS/broker/...}
 *                          (retained, as mosquitto does); zero turns them off; default 10 s
 */
public record MqttSettings(int maxPacketBytes, int receiveMaximum, int maxQueuedMessages, Duration connectTimeout,
                           int maxKeepAlive, boolean allowAnonymous, Duration slowSubscriberTimeout,
                           Duration sysInterval) {
    /** The MQTT limit: a remaining length of 268,435,455 plus a 5-byte fixed header. */
    public static final int MAX_PACKET_LIMIT = 268_435_460;
    public static final Duration DEFAULT_SLOW_SUBSCRIBER_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SYS_INTERVAL = Duration.ofSeconds(10);
    public static final MqttSettings DEFAULT = new MqttSettings(1 << 20, 32, 1000, Duration.ofSeconds(10), 0, true);

    /** With the default slow-subscriber timeout and $SYS interval. */
    public MqttSettings(int maxPacketBytes, int receiveMaximum, int maxQueuedMessages, Duration connectTimeout,
                        int maxKeepAlive, boolean allowAnonymous) {
        this(maxPacketBytes, receiveMaximum, maxQueuedMessages, connectTimeout, maxKeepAlive, allowAnonymous,
                DEFAULT_SLOW_SUBSCRIBER_TIMEOUT, DEFAULT_SYS_INTERVAL);
    }

    public MqttSettings {
        if (maxPacketBytes < 2 || maxPacketBytes > MAX_PACKET_LIMIT) {
            throw new IllegalArgumentException("max packet size must be 2.." + MAX_PACKET_LIMIT + ": " + maxPacketBytes);
        }
        if (receiveMaximum < 1 || receiveMaximum > 65_535) {
            throw new IllegalArgumentException("receive maximum must be 1..65535: " + receiveMaximum);
        }
        if (maxQueuedMessages < 0) {
            throw new IllegalArgumentException("max queued messages must be >= 0: " + maxQueuedMessages);
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive: " + connectTimeout);
        }
        if (maxKeepAlive < 0 || maxKeepAlive > 65_535) {
            throw new IllegalArgumentException("max keep alive must be 0..65535 s: " + maxKeepAlive);
        }
        Objects.requireNonNull(slowSubscriberTimeout, "slowSubscriberTimeout");
        if (slowSubscriberTimeout.isNegative() || slowSubscriberTimeout.isZero()) {
            throw new IllegalArgumentException("slow subscriber timeout must be positive: " + slowSubscriberTimeout);
        }
        Objects.requireNonNull(sysInterval, "sysInterval");
        if (sysInterval.isNegative() || (!sysInterval.isZero() && sysInterval.toMillis() < 1)) {
            throw new IllegalArgumentException("$SYS interval must be zero (off) or at least 1 ms: " + sysInterval);
        }
    }

    public MqttSettings withSlowSubscriberTimeout(Duration timeout) {
        return new MqttSettings(maxPacketBytes, receiveMaximum, maxQueuedMessages, connectTimeout, maxKeepAlive,
                allowAnonymous, timeout, sysInterval);
    }

    public MqttSettings withSysInterval(Duration interval) {
        return new MqttSettings(maxPacketBytes, receiveMaximum, maxQueuedMessages, connectTimeout, maxKeepAlive,
                allowAnonymous, slowSubscriberTimeout, interval);
    }
}
