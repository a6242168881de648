package dev.isthmus.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.PassiveCheck;

/**
 * How the MQTT listeners proxy to {@link MqttConfig#upstreams()}; unused by the embedded broker.
 *
 * @param balance                how a client's broker is picked; default consistent hash of the
 *                               client id (the client's address when it sent none), so a device
 *                               always lands on the same broker
 * @param upstreamConnectTimeout how long connecting to one broker may take before the next one is
 *                               tried; default 3 s
 * @param idleTimeout            a client that asked for no keep alive is closed after this long
 *                               without traffic either way; zero (the default) never. Clients with a
 *                               keep alive are closed after 1.5 times it.
 * @param proxyProtocol          whether a PROXY protocol v2 header precedes the CONNECT towards
 *                               the broker; default false
 * @param activeCheck            TCP probes of the brokers, or null (the default) for none
 * @param passive                ejection of a broker after connects to it failed in a row; default
 *                               3 failures, 10 s
 * @param publishAllow           topic patterns (with %c and %u) the clients may publish to; empty allows all
 * @param publishDeny            topic patterns the clients may not publish to
 * @param subscribeAllow         filter patterns the clients may subscribe to; empty allows all
 * @param subscribeDeny          filter patterns the clients may not subscribe to
 * @param publishRate            PUBLISH packets a second per client, 0 for no limit (the default)
 * @param publishBurst           PUBLISH packets a client may send at once above the rate
 * @param splice                 whether pass-through bytes move inside the kernel (splice) on the
 *                               io_uring transport; default true; false forwards them through
 *                               io_uring's own receive and send
 */
public record MqttProxyConfig(BalanceAlgorithm balance, Duration upstreamConnectTimeout, Duration idleTimeout,
                              boolean proxyProtocol, ActiveCheck activeCheck, PassiveCheck passive,
                              List<String> publishAllow, List<String> publishDeny, List<String> subscribeAllow,
                              List<String> subscribeDeny, double publishRate, int publishBurst, boolean splice) {
    public static final Duration DEFAULT_UPSTREAM_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** A bound that only catches typos, far above what one device sends. */
    public static final double MAX_PUBLISH_RATE = 1_000_000;
    public static final MqttProxyConfig DEFAULT = new MqttProxyConfig(BalanceAlgorithm.CONSISTENT_HASH,
            DEFAULT_UPSTREAM_CONNECT_TIMEOUT, Duration.ZERO, false, null, PassiveCheck.DEFAULT, List.of(), List.of(),
            List.of(), List.of(), 0, 0, true);

    public MqttProxyConfig {
        Objects.requireNonNull(balance, "balance");
        Objects.requireNonNull(upstreamConnectTimeout, "upstreamConnectTimeout");
        if (upstreamConnectTimeout.isNegative() || upstreamConnectTimeout.isZero()) {
            throw new IllegalArgumentException("MQTT upstream connect timeout must be positive: "
                    + upstreamConnectTimeout);
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("MQTT idle timeout must not be negative: " + idleTimeout);
        }
        Objects.requireNonNull(passive, "passive");
        publishAllow = checked(publishAllow);
        publishDeny = checked(publishDeny);
        subscribeAllow = checked(subscribeAllow);
        subscribeDeny = checked(subscribeDeny);
        if (!(publishRate >= 0 && publishRate <= MAX_PUBLISH_RATE)) {
            throw new IllegalArgumentException("MQTT publish rate must be 0.." + (long) MAX_PUBLISH_RATE
                    + " a second: " + publishRate);
        }
        if (publishRate > 0 && publishBurst < 1) {
            throw new IllegalArgumentException("an MQTT publish rate needs a burst of at least 1: " + publishBurst);
        }
    }

    private static List<String> checked(List<String> patterns) {
        List<String> copy = List.copyOf(patterns);
        for (String pattern : copy) {
            checkTopicPattern(pattern);
        }
        return copy;
    }

    /**
     * A topic filter, where {@code %c} and {@code %u} may stand in for the client id and user name:
     * not empty, {@code #} only as the last level, wildcards alone in their level.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static String checkTopicPattern(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("a topic pattern must not be empty");
        }
        if (pattern.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("a topic pattern must not hold U+0000");
        }
        String[] levels = pattern.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#")) {
                if (i != levels.length - 1) {
                    throw new IllegalArgumentException("'" + pattern + "': # must be the last level");
                }
            } else if (!level.equals("+") && (level.indexOf('#') >= 0 || level.indexOf('+') >= 0)) {
                throw new IllegalArgumentException("'" + pattern + "': a wildcard must fill its whole level, "
                        + "like devices/+/state or devices/#");
            }
        }
        return pattern;
    }

    /** Whether topic rules or a rate limit make the proxy read every packet of its clients. */
    public boolean inspects() {
        return !publishAllow.isEmpty() || !publishDeny.isEmpty() || !subscribeAllow.isEmpty()
                || !subscribeDeny.isEmpty() || publishRate > 0;
    }
}
