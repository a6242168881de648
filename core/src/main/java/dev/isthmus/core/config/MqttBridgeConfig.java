package dev.isthmus.core.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One bridge from the embedded MQTT broker to another broker (edge to cloud), as mosquitto's
 * {@code connection} section: the embedded broker's messages on the {@link #topics() out} topics
 * are published to the remote broker, the remote broker's on the {@code in} topics into the
 * embedded one. The defaults are mosquitto's where it has one.
 *
 * @param name              names the bridge in logs and metrics; unique among the bridges
 * @param address           the remote broker, {@code host:port} (port 1883 when not written)
 * @param clientId          the client identifier at the remote broker, or null for
 *                          {@code name.hostname} (mosquitto's default, unique per edge device)
 * @param version           the protocol spoken to the remote broker; default 3.1.1 (mosquitto's)
 * @param cleanStart        whether the remote session starts clean at every connection; default
 *                          false, so the remote broker keeps the bridge's subscriptions and queues
 *                          its messages while the connection is down
 * @param sessionExpiry     5.0 only: how long the remote broker keeps the session after a
 *                          disconnect, at most {@link #NEVER_EXPIRES} seconds (never, the default
 *                          without clean start; 0 with it)
 * @param keepAlive         whole seconds, 5 s .. 65535 s; default 60 s
 * @param userName          at the remote broker, or null
 * @param password          at the remote broker, or null; 3.1.1 needs a user name with it
 * @param tryPrivate        3.1.1 only: announce a bridge (protocol level 0x84), so that mosquitto
 *                          sends the bridge neither its own messages back nor cleared retain flags;
 *                          default true. 5.0 uses no-local and retain-as-published instead
 * @param reconnectMin      the first delay before reconnecting; default 5 s
 * @param reconnectMax      the longest delay, reached by jittered doubling; default 30 s
 * @param maxQueuedMessages messages on their way out (waiting, or sent and not yet acknowledged)
 *                          the bridge keeps, 1..{@value MqttConfig#MAX_QUEUED_MESSAGES}; beyond it new
 *                          ones are dropped and counted; default {@value #DEFAULT_MAX_QUEUED_MESSAGES}
 * @param maxQueuedBytes    the same bound on their payload bytes; default 64 MiB
 * @param topics            at least one
 */
public record MqttBridgeConfig(String name, HostPort address, String clientId, Version version, boolean cleanStart,
                               long sessionExpiry, Duration keepAlive, String userName, String password,
                               boolean tryPrivate, Duration reconnectMin, Duration reconnectMax,
                               int maxQueuedMessages, long maxQueuedBytes, List<BridgeTopicConfig> topics) {
    public static final int DEFAULT_PORT = 1883;
    /** The 5.0 Session Expiry Interval meaning "never". */
    public static final long NEVER_EXPIRES = 0xFFFF_FFFFL;
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(60);
    /** mosquitto's lower bound for a bridge's keep alive. */
    public static final Duration MIN_KEEP_ALIVE = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_QUEUED_MESSAGES = 10_000;
    public static final long DEFAULT_MAX_QUEUED_BYTES = 64L << 20;

    /** The MQTT versions a bridge speaks. */
    public enum Version {
        V3_1_1("3.1.1"),
        V5("5");

        private final String configName;

        Version(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        /** {@code 3.1.1} or {@code 5} (also mosquitto's {@code mqttv311}, {@code mqttv50}, and {@code 5.0}). */
        public static Version fromName(String name) {
            return switch (name) {
                case "3.1.1", "mqttv311" -> V3_1_1;
                case "5", "5.0", "mqttv5", "mqttv50" -> V5;
                default -> throw new IllegalArgumentException("expected 3.1.1 or 5, got '" + name + "'");
            };
        }
    }

    public MqttBridgeConfig {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a bridge needs a name");
        }
        Objects.requireNonNull(address, "address");
        if (address.host() == null || address.port() == 0) {
            throw new IllegalArgumentException("bridge " + name + ": the address needs a host and a port");
        }
        if (clientId != null && clientId.isEmpty()) {
            throw new IllegalArgumentException("bridge " + name + ": an empty client id; leave it out for "
                    + "name.hostname");
        }
        Objects.requireNonNull(version, "version");
        if (sessionExpiry < 0 || sessionExpiry > NEVER_EXPIRES) {
            throw new IllegalArgumentException("bridge " + name + ": session expiry must be 0.." + NEVER_EXPIRES
                    + " s: " + sessionExpiry);
        }
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (keepAlive.compareTo(MIN_KEEP_ALIVE) < 0 || keepAlive.compareTo(MqttConfig.MAX_KEEP_ALIVE) > 0
                || keepAlive.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("bridge " + name + ": keep alive must be whole seconds, 5s..65535s: "
                    + keepAlive);
        }
        if (password != null && userName == null && version == Version.V3_1_1) {
            throw new IllegalArgumentException("bridge " + name + ": MQTT 3.1.1 sends a password only with a user "
                    + "name");
        }
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        if (reconnectMin.isNegative() || reconnectMin.isZero() || reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("bridge " + name + ": reconnect delays must be positive, the maximum "
                    + "at least the minimum: " + reconnectMin + ", " + reconnectMax);
        }
        if (maxQueuedMessages < 1 || maxQueuedMessages > MqttConfig.MAX_QUEUED_MESSAGES) {
            throw new IllegalArgumentException("bridge " + name + ": max queued messages must be 1.."
                    + MqttConfig.MAX_QUEUED_MESSAGES + ": " + maxQueuedMessages);
        }
        if (maxQueuedBytes < 1) {
            throw new IllegalArgumentException("bridge " + name + ": max queued bytes must be positive: "
                    + maxQueuedBytes);
        }
        topics = List.copyOf(topics);
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("bridge " + name + ": no topics");
        }
    }

    /** The session expiry a bridge gets when none is written: never without clean start, none with it. */
    public static long defaultSessionExpiry(boolean cleanStart) {
        return cleanStart ? 0 : NEVER_EXPIRES;
    }

    /**
     * A remote broker written {@code host:port}, {@code [v6]:port} or a bare {@code host} (port
     * {@value #DEFAULT_PORT}, as mosquitto reads it).
     */
    public static HostPort parseAddress(String text) {
        boolean bareHost = !text.isEmpty() && text.indexOf(':') < 0 && !text.chars().allMatch(Character::isDigit);
        HostPort parsed;
        try {
            parsed = HostPort.parse(bareHost ? text + ":" + DEFAULT_PORT : text, "host:port, like cloud.example.com:1883");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad address '" + text + "': " + e.getMessage());
        }
        if (parsed.host() == null || parsed.host().equals("*")) {
            throw new IllegalArgumentException("bad address '" + text + "': a bridge needs the remote broker's host");
        }
        if (parsed.port() == 0) {
            throw new IllegalArgumentException("bad address '" + text + "': port 0 cannot be connected to");
        }
        return parsed;
    }

    /** Checks that no two bridges share a name. */
    static void checkNames(List<MqttBridgeConfig> bridges) {
        Set<String> names = new HashSet<>();
        for (MqttBridgeConfig bridge : bridges) {
            if (!names.add(bridge.name())) {
                throw new IllegalArgumentException("two bridges are named " + bridge.name());
            }
        }
    }

    @Override
    public String toString() {
        // The password stays out of logs.
        return "bridge " + name + " to " + address + " (MQTT " + version.configName() + ", " + topics.size()
                + (topics.size() == 1 ? " topic)" : " topics)");
    }
}
