package dev.isthmus.core.config;

import dev.isthmus.core.upstream.balance.BalanceAlgorithm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Everything a gateway process needs to start: listeners, upstream groups, routes, limits,
 * timeouts, MQTT settings and buffer sizing. The same model comes from a YAML file
 * ({@link ConfigLoader}), from command-line flags, or from both, flags overriding the file.
 *
 * <p>The constructor enforces the rules that span several parts: routes only to defined
 * groups, no two routes matching the same host and path, routes only when groups exist, a
 * request head that fits in one buffer chunk, and no two listeners of any kind on one address
 * (port 0 exempt). A configuration may have no listener at all; the CLI refuses to run one, but
 * a file meant to be combined with listener flags is valid.
 *
 * @param threads       event loops, 0..{@value #MAX_THREADS}; 0 (the default) means one per available processor
 * @param io            the transport the event loops run on; default {@link IoMode#AUTO}
 * @param httpListeners HTTP listeners, possibly none
 * @param admin         the admin listener, or null for none
 * @param upstreams     upstream groups by name, in the order they were written; the first one is
 *                      where requests go when no route is given
 * @param routes        routes as written, possibly none; see {@link #effectiveRoutes()}
 * @param limits        HTTP size limits
 * @param spliceThreshold HTTP response bodies of a known length from this many bytes on move from
 *                      upstream to client inside the kernel (splice) where the transport can;
 *                      0 turns splicing off; default {@value #DEFAULT_SPLICE_THRESHOLD}
 * @param timeouts      HTTP timeouts
 * @param mqtt          MQTT listeners and settings; {@link MqttConfig#DEFAULT} (no listener) when
 *                      not configured
 * @param buffers       buffer pool sizing
 * @param shutdownGrace how long in-flight exchanges may finish after shutdown starts; 0 stops at once
 * @param source        the file this came from, or null for the built-in default and flags alone
 * @param coap          CoAP listeners (UDP) and settings; {@link CoapConfig#DEFAULT} (no listener) when
 *                      not configured
 */
public record IsthmusConfig(int threads, IoMode io, List<ListenAddress> httpListeners, ListenAddress admin,
                            Map<String, UpstreamGroupConfig> upstreams, List<RouteConfig> routes, HttpLimits limits,
                            long spliceThreshold, HttpTimeouts timeouts, MqttConfig mqtt, BufferSettings buffers,
                            Duration shutdownGrace, Path source, CoapConfig coap) {
    public static final ListenAddress DEFAULT_HTTP_LISTEN = new ListenAddress(ListenAddress.ANY_HOST, 8080);
    public static final ListenAddress DEFAULT_ADMIN_LISTEN = new ListenAddress("127.0.0.1", 9901);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final IoMode DEFAULT_IO = IoMode.AUTO;
    /** The HTTP proxy's own default: below 256 KiB, copying through a chunk or two costs less than splicing. */
    public static final long DEFAULT_SPLICE_THRESHOLD = 256 * 1024;
    /** More event loops than this is a typo, not a machine. */
    public static final int MAX_THREADS = 4096;

    public IsthmusConfig {
        if (threads < 0 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be 0.." + MAX_THREADS + " (0 = one per processor): "
                    + threads);
        }
        Objects.requireNonNull(io, "io");
        httpListeners = List.copyOf(httpListeners);
        upstreams = copyGroups(upstreams);
        routes = List.copyOf(routes);
        Objects.requireNonNull(limits, "limits");
        if (spliceThreshold < 0) {
            throw new IllegalArgumentException("splice threshold must be >= 0 (0 = off): " + spliceThreshold);
        }
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(mqtt, "mqtt");
        Objects.requireNonNull(coap, "coap");
        Objects.requireNonNull(buffers, "buffers");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdown grace must not be negative: " + shutdownGrace);
        }
        checkListeners(httpListeners, admin, mqtt.listeners());
        checkRoutes(routes, upstreams);
        if (limits.maxHeaderBytes() > buffers.chunkBytes()) {
            throw new IllegalArgumentException("max header size " + ValueSyntax.formatSize(limits.maxHeaderBytes())
                    + " is larger than the buffer chunk size " + ValueSyntax.formatSize(buffers.chunkBytes())
                    + ": a request head must fit in one chunk");
        }
    }

    /** A configuration without CoAP. */
    public IsthmusConfig(int threads, IoMode io, List<ListenAddress> httpListeners, ListenAddress admin,
                         Map<String, UpstreamGroupConfig> upstreams, List<RouteConfig> routes, HttpLimits limits,
                         long spliceThreshold, HttpTimeouts timeouts, MqttConfig mqtt, BufferSettings buffers,
                         Duration shutdownGrace, Path source) {
        this(threads, io, httpListeners, admin, upstreams, routes, limits, spliceThreshold, timeouts, mqtt, buffers,
                shutdownGrace, source, CoapConfig.DEFAULT);
    }

    /**
     * HTTP on {@code 0.0.0.0:8080} answered by the built-in demo origin, MQTT on
     * {@code 0.0.0.0:1883} answered by the embedded broker, CoAP on UDP {@code 0.0.0.0:5683}
     * answered by the built-in device resources, admin on {@code 127.0.0.1:9901}, and
     * defaults everywhere else: what {@code isthmus} runs with no configuration file and no
     * listener flag.
     */
    public static IsthmusConfig builtInDefault() {
        return new IsthmusConfig(0, DEFAULT_IO, List.of(DEFAULT_HTTP_LISTEN), DEFAULT_ADMIN_LISTEN, Map.of(), List.of(),
                HttpLimits.DEFAULT, DEFAULT_SPLICE_THRESHOLD, HttpTimeouts.DEFAULT,
                MqttConfig.DEFAULT.withListeners(List.of(MqttConfig.DEFAULT_LISTEN)), BufferSettings.DEFAULT,
                DEFAULT_SHUTDOWN_GRACE, null, CoapConfig.DEFAULT.withListeners(List.of(CoapConfig.DEFAULT_LISTEN)));
    }

    /**
     * True when HTTP is served but no upstream group exists: the gateway then proxies to its
     * built-in demo origin, so a bare {@code isthmus} answers requests out of the box.
     */
    public boolean usesBuiltInOrigin() {
        return !httpListeners.isEmpty() && upstreams.isEmpty();
    }

    /**
     * The routes the gateway serves: the written ones, or, when none were written but groups
     * exist, one catch-all route to the first group.
     */
    public List<RouteConfig> effectiveRoutes() {
        if (!routes.isEmpty() || upstreams.isEmpty()) {
            return routes;
        }
        return List.of(RouteConfig.catchAll(upstreams.keySet().iterator().next()));
    }

    /** Number of listeners of every kind. */
    public int listenerCount() {
        return httpListeners.size() + mqtt.listeners().size() + coap.listeners().size() + (admin == null ? 0 : 1);
    }

    /** A few human-readable lines for start-up logs and the CLI, one topic per line. */
    public String summary() {
        StringJoiner lines = new StringJoiner("\n");
        lines.add("source: " + (source == null ? "built-in defaults and flags" : source));
        lines.add("threads: " + (threads == 0 ? "one per processor" : threads));
        lines.add("io: " + io);
        lines.add("http listen: " + (httpListeners.isEmpty() ? "none" : join(httpListeners)));
        lines.add("mqtt listen: " + (mqtt.listeners().isEmpty() ? "none" : join(mqtt.listeners())
                + (mqtt.upstreams().isEmpty() ? " (broker)" : " (proxy to " + join(mqtt.upstreams()) + ")")));
        lines.add("coap listen: " + (coap.listeners().isEmpty() ? "none" : join(coap.listeners()) + " (udp)"));
        lines.add("admin listen: " + (admin == null ? "none" : admin));
        if (usesBuiltInOrigin()) {
            lines.add("origin: built-in demo origin");
        }
        for (UpstreamGroupConfig group : upstreams.values()) {
            lines.add("upstream " + group.name() + ": " + group.lb().configName()
                    + (group.lb() == BalanceAlgorithm.CONSISTENT_HASH
                            ? " on " + group.hashKey() : "")
                    + ", peers " + join(group.peers()));
        }
        for (RouteConfig route : effectiveRoutes()) {
            lines.add("route " + route);
        }
        lines.add("limits: head " + ValueSyntax.formatSize(limits.maxHeaderBytes())
                + ", uri " + ValueSyntax.formatSize(limits.maxUriBytes())
                + ", headers " + limits.maxHeaders()
                + ", body " + (limits.maxBodyBytes() == 0
                        ? "unlimited" : ValueSyntax.formatSize(limits.maxBodyBytes())));
        lines.add("splice threshold: " + ValueSyntax.formatSizeOrOff(spliceThreshold));
        lines.add("timeouts: header-read " + ValueSyntax.formatDuration(timeouts.headerRead())
                + ", client-idle " + ValueSyntax.formatDuration(timeouts.clientIdle())
                + ", body-read " + ValueSyntax.formatDuration(timeouts.bodyRead())
                + ", connect " + ValueSyntax.formatDuration(timeouts.connect())
                + ", response " + ValueSyntax.formatDuration(timeouts.response()));
        if (!mqtt.listeners().isEmpty()) {
            lines.add("mqtt limits: packet " + ValueSyntax.formatSize(mqtt.maxPacketBytes())
                    + ", receive-maximum " + mqtt.receiveMaximum()
                    + ", queued " + mqtt.maxQueuedMessages()
                    + ", connect-timeout " + ValueSyntax.formatDuration(mqtt.connectTimeout())
                    + ", max-keep-alive " + (mqtt.maxKeepAlive().isZero()
                            ? "as the client asks" : ValueSyntax.formatDuration(mqtt.maxKeepAlive()))
                    + ", anonymous " + (mqtt.allowAnonymous() ? "allowed" : "refused"));
            if (mqtt.usesEmbeddedBroker()) {
                lines.add("mqtt persistence: " + (mqtt.persistence() == null ? "in memory" : mqtt.persistence()));
            } else {
                MqttProxyConfig proxy = mqtt.proxy();
                lines.add("mqtt proxy: " + proxy.balance().configName()
                        + ", upstream-connect-timeout " + ValueSyntax.formatDuration(proxy.upstreamConnectTimeout())
                        + ", proxy-protocol " + (proxy.proxyProtocol() ? "v2" : "off")
                        + ", " + (proxy.inspects() ? "inspecting (topic rules or rate limit)"
                                : "pass-through" + (proxy.splice() ? " (spliced on io_uring)" : "")));
            }
            for (MqttBridgeConfig bridge : mqtt.bridges()) {
                lines.add("mqtt " + bridge + ": " + join(bridge.topics()));
            }
        }
        if (!coap.listeners().isEmpty()) {
            lines.add("coap: ack-timeout " + ValueSyntax.formatDuration(coap.ackTimeout()) + ", max-retransmit "
                    + coap.maxRetransmit() + ", max-exchanges " + coap.maxExchanges() + ", block-size " + coap.blockSize() + ", max-body-size "
                    + ValueSyntax.formatSize(coap.maxBodySize()));
        }
        lines.add("buffers: chunk " + ValueSyntax.formatSize(buffers.chunkBytes())
                + ", pool per loop " + ValueSyntax.formatSize(buffers.maxPoolBytesPerLoop()));
        lines.add("shutdown grace: " + ValueSyntax.formatDuration(shutdownGrace));
        return lines.toString();
    }

    private static String join(List<?> items) {
        StringJoiner joined = new StringJoiner(", ");
        items.forEach(item -> joined.add(item.toString()));
        return joined.toString();
    }

    /** An unmodifiable copy that keeps insertion order, which {@code Map.copyOf} would not. */
    private static Map<String, UpstreamGroupConfig> copyGroups(Map<String, UpstreamGroupConfig> groups) {
        Map<String, UpstreamGroupConfig> copy = new LinkedHashMap<>();
        groups.forEach((name, group) -> {
            Objects.requireNonNull(group, "upstream group");
            if (!name.equals(group.name())) {
                throw new IllegalArgumentException("upstream group '" + group.name() + "' is filed under '"
                        + name + "'");
            }
            copy.put(name, group);
        });
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Two listeners on one address would fail to bind; port 0 is exempt, each gets its own port.
     * MQTT's own duplicates are {@link MqttConfig}'s to refuse.
     */
    private static void checkListeners(List<ListenAddress> httpListeners, ListenAddress admin,
                                       List<ListenAddress> mqttListeners) {
        Set<ListenAddress> seen = new HashSet<>();
        for (ListenAddress address : httpListeners) {
            if (address.port() != 0 && (!seen.add(address) || address.equals(admin))) {
                throw new IllegalArgumentException("listen address " + address + " is given twice");
            }
        }
        for (ListenAddress address : mqttListeners) {
            if (address.port() != 0 && seen.contains(address)) {
                throw new IllegalArgumentException("MQTT listen address " + address + " is also an HTTP listener");
            }
            if (address.port() != 0 && address.equals(admin)) {
                throw new IllegalArgumentException("MQTT listen address " + address + " is also the admin listener");
            }
        }
    }

    private static void checkRoutes(List<RouteConfig> routes, Map<String, UpstreamGroupConfig> upstreams) {
        if (!routes.isEmpty() && upstreams.isEmpty()) {
            throw new IllegalArgumentException("routes are given but no upstream group is defined");
        }
        Set<String> seen = new HashSet<>();
        for (RouteConfig route : routes) {
            if (!upstreams.containsKey(route.upstream())) {
                throw new IllegalArgumentException("route " + route + " goes to undefined upstream group '"
                        + route.upstream() + "'");
            }
            if (!seen.add((route.host() == null ? "*" : route.host()) + " " + route.pathPrefix())) {
                String host = route.host() == null ? "any host" : route.host();
                throw new IllegalArgumentException("two routes match " + host + " and path " + route.pathPrefix());
            }
        }
    }
}
