package dev.isthmus.protocol.mqtt.client;

import java.time.Duration;
import java.util.Objects;

import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.Will;

/**
 * How an {@link MqttClient} connects and behaves; build one with {@link #builder}.
 *
 * @param host              the broker's host name or address literal; a name is resolved again at
 *                          every connection attempt, on a virtual thread (never on the loop)
 * @param port              the broker's port, 1..65535
 * @param clientId          the client identifier; empty lets a 5.0 broker assign one (kept for the
 *                          reconnects), 3.1.1 needs {@code cleanStart} for that
 * @param version           3.1.1 or 5.0; default 5.0
 * @param cleanStart        clean start (3.1.1: clean session) on every connection; default true.
 *                          With false the broker keeps the session (subscriptions, queued
 *                          messages) while the client is away
 * @param sessionExpiry     5.0 Session Expiry Interval in seconds, 0..{@value #NEVER_EXPIRES}
 *                          (never); default 0. Ignored by 3.1.1, where clean session off means never
 * @param keepAliveSeconds  0..65535; the client pings after this long without sending, and gives
 *                          the connection up when no answer comes within as long again; 0 turns
 *                          keep alive off; default 60. A 5.0 broker's Server Keep Alive wins
 * @param userName          null for none (the default)
 * @param password          null for none (the default); copied
 * @param will              the last will the broker publishes if the connection is lost, or null
 * @param bridge            3.1.1 only: tells the broker this is a bridge by setting the top bit of
 *                          the protocol level (0x84), which mosquitto answers by never sending the
 *                          client its own messages back and by keeping their retain flag; a broker
 *                          that does not know the convention refuses the connection. Default false
 * @param maxInflight       QoS 1 and 2 messages sent and not yet acknowledged, 1..65535; a 5.0
 *                          broker's smaller Receive Maximum wins; default 32
 * @param receiveMaximum    QoS 1 and 2 messages the broker may have in flight towards the client,
 *                          announced to a 5.0 broker, 1..65535; default 65535 (not announced)
 * @param maxPacketBytes    largest packet accepted from the broker (announced to a 5.0 broker as
 *                          Maximum Packet Size); default 1 MiB
 * @param connectTimeout    for the TCP connection and then for the CONNACK; default 10 s
 * @param reconnectMin      the first delay before reconnecting after a connection is lost or
 *                          refused; default 1 s
 * @param reconnectMax      the longest such delay: each failed attempt waits a random time between
 *                          {@code reconnectMin} and three times the previous delay, at most this;
 *                          default 30 s
 */
public record MqttClientSettings(String host, int port, String clientId, MqttVersion version, boolean cleanStart,
                                 long sessionExpiry, int keepAliveSeconds, String userName, byte[] password,
                                 Will will, boolean bridge, int maxInflight, int receiveMaximum, int maxPacketBytes,
                                 Duration connectTimeout, Duration reconnectMin, Duration reconnectMax) {
    /** The 5.0 Session Expiry Interval that means "never". */
    public static final long NEVER_EXPIRES = 0xFFFF_FFFFL;
    public static final int DEFAULT_MAX_PACKET_BYTES = 1 << 20;

    public MqttClientSettings {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(version, "version");
        if (!version.supported()) {
            throw new IllegalArgumentException("the client speaks MQTT 3.1.1 and 5.0, not " + version);
        }
        if (clientId.isEmpty() && version == MqttVersion.V3_1_1 && !cleanStart) {
            throw new IllegalArgumentException("an empty client id needs clean session in MQTT 3.1.1");
        }
        if (sessionExpiry < 0 || sessionExpiry > NEVER_EXPIRES) {
            throw new IllegalArgumentException("session expiry must be 0.." + NEVER_EXPIRES + " s: " + sessionExpiry);
        }
        if (keepAliveSeconds < 0 || keepAliveSeconds > 65_535) {
            throw new IllegalArgumentException("keep alive must be 0..65535 s: " + keepAliveSeconds);
        }
        if (password != null && userName == null && version == MqttVersion.V3_1_1) {
            throw new IllegalArgumentException("MQTT 3.1.1 sends a password only with a user name");
        }
        password = password == null ? null : password.clone();
        if (maxInflight < 1 || maxInflight > 65_535) {
            throw new IllegalArgumentException("max in flight must be 1..65535: " + maxInflight);
        }
        if (receiveMaximum < 1 || receiveMaximum > 65_535) {
            throw new IllegalArgumentException("receive maximum must be 1..65535: " + receiveMaximum);
        }
        if (maxPacketBytes < 2) {
            throw new IllegalArgumentException("max packet size must be at least 2: " + maxPacketBytes);
        }
        positive(connectTimeout, "connect timeout");
        positive(reconnectMin, "reconnect minimum");
        positive(reconnectMax, "reconnect maximum");
        if (reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("reconnect maximum " + reconnectMax + " is below the minimum "
                    + reconnectMin);
        }
    }

    private static void positive(Duration duration, String what) {
        Objects.requireNonNull(duration, what);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + duration);
        }
    }

    @Override
    public byte[] password() {
        return password == null ? null : password.clone();
    }

    /** Settings for {@code clientId} at {@code host:port}, with the defaults above. */
    public static Builder builder(String host, int port, String clientId) {
        return new Builder(host, port, clientId);
    }

    /** These settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder(host, port, clientId).version(version).cleanStart(cleanStart).sessionExpiry(sessionExpiry)
                .keepAliveSeconds(keepAliveSeconds).credentials(userName, password).will(will).bridge(bridge)
                .maxInflight(maxInflight).receiveMaximum(receiveMaximum).maxPacketBytes(maxPacketBytes)
                .connectTimeout(connectTimeout).reconnectDelay(reconnectMin, reconnectMax);
    }

    @Override
    public String toString() {
        // The password stays out of logs.
        return "MqttClientSettings[" + host + ":" + port + ", clientId=" + clientId + ", " + version
                + ", cleanStart=" + cleanStart + ", userName=" + userName + "]";
    }

    /** Collects settings; {@link #build()} checks them. */
    public static final class Builder {
        private final String host;
        private final int port;
        private final String clientId;
        private MqttVersion version = MqttVersion.V5;
        private boolean cleanStart = true;
        private long sessionExpiry;
        private int keepAliveSeconds = 60;
        private String userName;
        private byte[] password;
        private Will will;
        private boolean bridge;
        private int maxInflight = 32;
        private int receiveMaximum = 65_535;
        private int maxPacketBytes = DEFAULT_MAX_PACKET_BYTES;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration reconnectMin = Duration.ofSeconds(1);
        private Duration reconnectMax = Duration.ofSeconds(30);

        private Builder(String host, int port, String clientId) {
            this.host = host;
            this.port = port;
            this.clientId = clientId;
        }

        public Builder version(MqttVersion version) {
            this.version = version;
            return this;
        }

        public Builder cleanStart(boolean cleanStart) {
            this.cleanStart = cleanStart;
            return this;
        }

        public Builder sessionExpiry(long seconds) {
            this.sessionExpiry = seconds;
            return this;
        }

        public Builder keepAliveSeconds(int seconds) {
            this.keepAliveSeconds = seconds;
            return this;
        }

        public Builder credentials(String userName, byte[] password) {
            this.userName = userName;
            this.password = password;
            return this;
        }

        public Builder will(Will will) {
            this.will = will;
            return this;
        }

        public Builder bridge(boolean bridge) {
            this.bridge = bridge;
            return this;
        }

        public Builder maxInflight(int maxInflight) {
            this.maxInflight = maxInflight;
            return this;
        }

        public Builder receiveMaximum(int receiveMaximum) {
            this.receiveMaximum = receiveMaximum;
            return this;
        }

        public Builder maxPacketBytes(int maxPacketBytes) {
            this.maxPacketBytes = maxPacketBytes;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder reconnectDelay(Duration min, Duration max) {
            this.reconnectMin = min;
            this.reconnectMax = max;
            return this;
        }

        public MqttClientSettings build() {
            return new MqttClientSettings(host, port, clientId, version, cleanStart, sessionExpiry, keepAliveSeconds,
                    userName, password, will, bridge, maxInflight, receiveMaximum, maxPacketBytes, connectTimeout,
                    reconnectMin, reconnectMax);
        }
    }
}
