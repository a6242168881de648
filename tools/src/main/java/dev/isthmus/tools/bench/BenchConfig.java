package dev.isthmus.tools.bench;

import dev.isthmus.core.tls.TlsContext;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One run of {@code isthmus bench mqtt conn|pub|sub}, validated: what the flags asked for, in
 * the units the clients use.
 *
 * @param clientIntervalNanos time between two connection attempts (from -i or -R)
 * @param messageIntervalNanos per publisher, between two messages (-I; 0 = as fast as acks and
 *                             the socket allow)
 * @param limit                messages the whole run publishes (-L, over all clients as in
 *                             emqtt-bench; 0 = no limit)
 * @param inflight             unacknowledged QoS 1/2 messages per publisher (-F; 0 = as many as
 *                             the broker's Receive Maximum and the packet identifiers allow)
 * @param durationSeconds      stop after this long (0 = until SIGINT/SIGTERM, or for pub with -L
 *                             until the limit is published and acknowledged)
 * @param expectedIntervalMicros sub: the interval at which each publisher sends, for coordinated
 *                             omission correction (0 = none)
 * @param localAddresses       source addresses the clients bind to, round-robin (--ifaddr; empty =
 *                             the kernel picks)
 * @param tls                  the client side of TLS (-S and its companions), or null for plain TCP
 */
public record BenchConfig(Mode mode, String host, int port, int versionFlag, int count, long startNumber,
                          long clientIntervalNanos, List<String> topics, int qos, byte[] payload, boolean stampPayload,
                          long messageIntervalNanos, long limit, int inflight, boolean retain, int keepAlive,
                          boolean clean, long sessionExpiry, String userName, String password, String prefix,
                          boolean shortIds, int loops, String io, long durationSeconds, long expectedIntervalMicros,
                          long connectTimeoutNanos, List<InetAddress> localAddresses, TlsContext tls) {

    /** What the clients do once connected. */
    public enum Mode {
        CONN, PUB, SUB;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The codec version; 3.1 (-V 3) is written as 3.1.1 after its own CONNECT, as the wire formats agree. */
    public MqttVersion codecVersion() {
        return versionFlag == 5 ? MqttVersion.V5 : MqttVersion.V3_1_1;
    }

    /**
     * The client ids, as emqtt-bench makes them for client sequence number {@code seq}:
     * {@code HOST_bench_MODE_RANDOM_SEQ} (HOST: the host name, or the client's --ifaddr address);
     * with --prefix {@code PREFIX_bench_MODE_SEQ}; with --shortids {@code SEQ}, or
     * {@code PREFIXSEQ} with a prefix too.
     */
    public String clientIdPrefix(String hostName) {
        boolean noPrefix = prefix == null || prefix.isEmpty();
        if (shortIds) {
            return noPrefix ? "" : prefix;
        }
        if (noPrefix) {
            long random = 1 + ThreadLocalRandom.current().nextLong(0xFFFFFFFFL);
            return hostName + "_bench_" + mode.label() + "_" + random + "_";
        }
        return prefix + "_bench_" + mode.label() + "_";
    }
}
