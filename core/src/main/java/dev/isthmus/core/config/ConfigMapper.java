package dev.isthmus.core.config;

import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.PassiveCheck;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Maps one composed YAML document onto an {@link IsthmusConfig}, collecting a
 * {@link ConfigProblem} for each mistake instead of stopping at the first.
 *
 * <p>After a mistake the reader carries on with the default value, so later, independent
 * mistakes are found in the same pass; checks that relate two values are skipped when either
 * was already wrong, so one typo does not echo as several problems. Used once per document.
 */
final class ConfigMapper {
    private static final List<String> TOP_KEYS =
            List.of("threads", "io", "shutdown-grace", "admin", "buffers", "http", "upstreams", "mqtt", "coap");
    private static final List<String> COAP_KEYS =
            List.of("listen", "ack-timeout", "max-retransmit", "max-exchanges", "block-size", "max-body-size", "http", "pubsub");
    private static final List<String> COAP_ROUTE_KEYS = List.of("path", "upstream");
    private static final List<String> ADMIN_KEYS = List.of("listen");
    private static final List<String> BUFFER_KEYS = List.of("chunk-size", "max-pool-per-loop");
    private static final List<String> HTTP_KEYS = List.of("listen", "limits", "timeouts", "splice-threshold", "routes");
    private static final List<String> LIMIT_KEYS =
            List.of("max-header-size", "max-uri-size", "max-headers", "max-body-size");
    private static final List<String> TIMEOUT_KEYS =
            List.of("header-read", "client-idle", "body-read", "connect", "response");
    private static final List<String> ROUTE_KEYS = List.of("host", "path", "upstream");
    private static final List<String> GROUP_KEYS = List.of("lb", "hash-key", "retries", "peers", "keepalive", "health");
    private static final List<String> PEER_KEYS = List.of("address", "weight");
    private static final List<String> KEEPALIVE_KEYS =
            List.of("max-idle-per-peer", "idle-timeout", "max-connections-per-peer");
    private static final List<String> HEALTH_KEYS = List.of("active", "passive");
    private static final List<String> ACTIVE_KEYS =
            List.of("type", "path", "expect-status", "interval", "timeout", "rise", "fall");
    private static final List<String> PASSIVE_KEYS = List.of("max-fails", "cool-down");
    private static final List<String> MQTT_KEYS = List.of("listen", "upstreams", "max-packet-size", "receive-maximum",
            "max-queued-messages", "connect-timeout", "max-keep-alive", "persistence", "allow-anonymous",
            "balance", "upstream-connect-timeout", "idle-timeout", "proxy-protocol", "health", "rules", "rate-limit",
            "splice", "slow-subscriber-timeout", "sys-interval", "bridges");
    private static final List<String> MQTT_RULES_KEYS = List.of("publish", "subscribe");
    private static final List<String> MQTT_RULE_KEYS = List.of("allow", "deny");
    private static final List<String> MQTT_RATE_KEYS = List.of("rate", "burst");
    private static final Pattern DECIMAL = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?");
    private static final List<String> BRIDGE_KEYS = List.of("name", "address", "client-id", "protocol-version",
            "clean-start", "session-expiry", "keep-alive", "user-name", "password", "try-private", "reconnect-min",
            "reconnect-max", "max-queued-messages", "max-queued-bytes", "topics");
    private static final List<String> BRIDGE_TOPIC_KEYS = List.of("filter", "direction", "qos", "local-prefix",
            "remote-prefix");

    /** Bounds that only catch typos (an extra zero or two), far above any sane setting. */
    private static final int MAX_RETRIES = 100;
    private static final int MAX_COUNT = 1_000_000;

    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?\\d{1,10}");

    private final Path file;
    private final List<ConfigProblem> problems = new ArrayList<>();

    ConfigMapper(Path file) {
        this.file = file;
    }

    /** Every problem found so far, in the order found. */
    List<ConfigProblem> problems() {
        return problems;
    }

    /**
     * @param root the document's root node, or null for an empty document
     * @return the configuration, or null when {@link #problems()} is not empty
     */
    IsthmusConfig map(Node root) {
        YamlSection top = section(root, "", TOP_KEYS);
        int threads = integer(top, "threads", 0, 0, IsthmusConfig.MAX_THREADS);
        IoMode io = ioMode(top);
        Duration shutdownGrace = duration(top, "shutdown-grace", IsthmusConfig.DEFAULT_SHUTDOWN_GRACE, true);

        // A written admin section turns the admin listener on, at its default address unless given.
        ListenAddress admin = null;
        Node adminAt = null;
        if (top.has("admin")) {
            YamlSection section = section(top.value("admin"), "admin", ADMIN_KEYS);
            adminAt = section.has("listen") ? section.value("listen") : top.value("admin");
            admin = section.has("listen")
                    ? listenAddress(section.value("listen"), "admin.listen")
                    : IsthmusConfig.DEFAULT_ADMIN_LISTEN;
        }

        YamlSection bufferSection = section(top.value("buffers"), "buffers", BUFFER_KEYS);
        BufferSettings buffers = buffers(bufferSection);
        YamlSection http = section(top.value("http"), "http", HTTP_KEYS);
        Map<ListenAddress, Integer> httpLines = new HashMap<>();
        List<ListenAddress> httpListeners = httpListeners(http, admin, adminAt, httpLines);
        YamlSection limitSection = section(http.value("limits"), "http.limits", LIMIT_KEYS);
        HttpLimits limits = limits(limitSection);
        HttpTimeouts timeouts = timeouts(section(http.value("timeouts"), "http.timeouts", TIMEOUT_KEYS));
        checkHeadFitsChunk(limits, limitSection, buffers, bufferSection);
        long spliceThreshold = sizeOrOff(http, "splice-threshold", IsthmusConfig.DEFAULT_SPLICE_THRESHOLD);

        Set<String> groupNames = new LinkedHashSet<>();
        Map<String, UpstreamGroupConfig> upstreams =
                upstreams(section(top.value("upstreams"), "upstreams", null), groupNames);
        List<RouteConfig> routes = routes(http, groupNames);
        MqttConfig mqtt = mqtt(section(top.value("mqtt"), "mqtt", MQTT_KEYS), httpLines, admin, adminAt);
        CoapConfig coap = coap(section(top.value("coap"), "coap", COAP_KEYS), groupNames);

        if (!problems.isEmpty()) {
            return null;
        }
        try {
            return new IsthmusConfig(threads, io, httpListeners, admin, upstreams, routes, limits, spliceThreshold,
                    timeouts, mqtt, buffers, shutdownGrace, file, coap);
        } catch (IllegalArgumentException e) {
            // The readers check every rule the model has, with lines; this is only a safety net.
            problem(root, e.getMessage());
            return null;
        }
    }

    // ---- sections ----------------------------------------------------------------------------

    private BufferSettings buffers(YamlSection s) {
        int before = problems.size();
        long chunk = size(s, "chunk-size", BufferSettings.DEFAULT.chunkBytes(),
                BufferSettings.MIN_CHUNK_BYTES, BufferSettings.MAX_CHUNK_BYTES);
        if (problems.size() == before && Long.bitCount(chunk) != 1) {
            problem(s.value("chunk-size"), s.keyPath("chunk-size")
                    + ": must be a power of two (4k, 8k, 16k, ... 1m), got " + ValueSyntax.formatSize(chunk));
        }
        long pool = size(s, "max-pool-per-loop", BufferSettings.DEFAULT.maxPoolBytesPerLoop(), 1, Long.MAX_VALUE);
        if (problems.size() == before && pool < chunk) {
            problem(s.value(s.has("max-pool-per-loop") ? "max-pool-per-loop" : "chunk-size"),
                    s.keyPath("max-pool-per-loop") + ": must hold at least one chunk ("
                            + ValueSyntax.formatSize(chunk) + "), got " + ValueSyntax.formatSize(pool));
        }
        return problems.size() == before ? new BufferSettings((int) chunk, pool) : null;
    }

    /**
     * @param adminAt where the admin address was written, for naming its line in a clash
     * @param lines   receives the line of each accepted address but those with port 0
     */
    private List<ListenAddress> httpListeners(YamlSection http, ListenAddress admin, Node adminAt,
                                              Map<ListenAddress, Integer> lines) {
        List<ListenAddress> listeners = new ArrayList<>();
        for (Node item : items(http, "listen", true)) {
            ListenAddress address = listenAddress(item, "http.listen");
            if (address == null) {
                continue;
            }
            // Port 0 is exempt: every ephemeral listener gets a port of its own.
            boolean ephemeral = address.port() == 0;
            Integer first = ephemeral ? null : lines.putIfAbsent(address, line(item));
            if (!ephemeral && address.equals(admin)) {
                problem(item, "http.listen: " + address + " is also the admin listener (line " + line(adminAt) + ")");
            } else if (first != null) {
                problem(item, "http.listen: " + address + " is given twice"
                        + (first != line(item) ? " (also on line " + first + ")" : ""));
            } else {
                listeners.add(address);
            }
        }
        return listeners;
    }

    private HttpLimits limits(YamlSection s) {
        int before = problems.size();
        HttpLimits d = HttpLimits.DEFAULT;
        long header = size(s, "max-header-size", d.maxHeaderBytes(), 1, Integer.MAX_VALUE);
        long uri = size(s, "max-uri-size", d.maxUriBytes(), 1, Integer.MAX_VALUE);
        int headers = integer(s, "max-headers", d.maxHeaders(), 1, MAX_COUNT);
        long body = size(s, "max-body-size", d.maxBodyBytes(), 0, Long.MAX_VALUE);
        return problems.size() == before ? new HttpLimits((int) header, (int) uri, headers, body) : null;
    }

    private void checkHeadFitsChunk(HttpLimits limits, YamlSection limitSection, BufferSettings buffers,
                                    YamlSection bufferSection) {
        if (limits == null || buffers == null || limits.maxHeaderBytes() <= buffers.chunkBytes()) {
            return;
        }
        Node at = limitSection.has("max-header-size")
                ? limitSection.value("max-header-size")
                : bufferSection.value("chunk-size");
        problem(at, "http.limits.max-header-size (" + ValueSyntax.formatSize(limits.maxHeaderBytes())
                + ") is larger than buffers.chunk-size (" + ValueSyntax.formatSize(buffers.chunkBytes())
                + "): a request head must fit in one buffer chunk");
    }

    private HttpTimeouts timeouts(YamlSection s) {
        HttpTimeouts d = HttpTimeouts.DEFAULT;
        return new HttpTimeouts(
                duration(s, "header-read", d.headerRead(), false),
                duration(s, "client-idle", d.clientIdle(), false),
                duration(s, "body-read", d.bodyRead(), false),
                duration(s, "connect", d.connect(), false),
                duration(s, "response", d.response(), false));
    }

    /**
     * @param groupNames receives every written group name, valid or not, so that routes to a
     *                   group with its own mistakes are not reported as routes to nowhere
     */
    private Map<String, UpstreamGroupConfig> upstreams(YamlSection s, Set<String> groupNames) {
        Map<String, UpstreamGroupConfig> groups = new LinkedHashMap<>();
        for (NodeTuple entry : s.entries().values()) {
            ScalarNode nameNode = (ScalarNode) entry.getKeyNode();
            String name = nameNode.getValue();
            groupNames.add(name);
            if (name.isBlank()) {
                problem(nameNode, "upstreams: a group needs a name");
                continue;
            }
            UpstreamGroupConfig group = group(name, nameNode, entry.getValueNode());
            if (group != null) {
                groups.put(name, group);
            }
        }
        return groups;
    }

    private UpstreamGroupConfig group(String name, Node nameNode, Node value) {
        int before = problems.size();
        YamlSection s = section(value, "upstreams." + name, GROUP_KEYS);
        if (!(value instanceof MappingNode) && !isNull(value)) {
            return null; // reported by section(); a "no peers" on top would only repeat it
        }

        BalanceAlgorithm lb = UpstreamGroupConfig.DEFAULT_LB;
        boolean lbValid = true;
        String lbText = text(s, "lb", null);
        if (lbText != null) {
            try {
                lb = BalanceAlgorithm.fromName(lbText);
            } catch (IllegalArgumentException e) {
                problem(s.value("lb"), s.keyPath("lb") + ": " + e.getMessage());
                lbValid = false;
            }
        }
        HashKey hashKey = HashKey.CLIENT_IP;
        String keyText = text(s, "hash-key", null);
        if (keyText != null) {
            try {
                hashKey = HashKey.parse(keyText);
                if (lbValid) {
                    checkHashKeyIsUsed(s, lb, hashKey);
                }
            } catch (IllegalArgumentException e) {
                problem(s.value("hash-key"), s.keyPath("hash-key") + ": " + e.getMessage());
            }
        }
        int retries = integer(s, "retries", UpstreamGroupConfig.DEFAULT_RETRIES, 0, MAX_RETRIES);
        List<PeerConfig> peers = peers(s, nameNode);
        PoolSettings pool = pool(section(s.value("keepalive"), s.keyPath("keepalive"), KEEPALIVE_KEYS));
        YamlSection health = section(s.value("health"), s.keyPath("health"), HEALTH_KEYS);
        ActiveCheck active = health.has("active")
                ? activeCheck(section(health.value("active"), health.keyPath("active"), ACTIVE_KEYS))
                : null;
        PassiveCheck passive = passiveCheck(section(health.value("passive"), health.keyPath("passive"), PASSIVE_KEYS));

        if (problems.size() > before) {
            return null;
        }
        try {
            return new UpstreamGroupConfig(name, peers, lb, hashKey, pool, active, passive, retries);
        } catch (IllegalArgumentException e) {
            problem(nameNode, "upstreams." + name + ": " + e.getMessage());
            return null;
        }
    }

    /** A key that the algorithm ignores is a mistake: the user expects it to take effect. */
    private void checkHashKeyIsUsed(YamlSection s, BalanceAlgorithm lb, HashKey hashKey) {
        if (lb == BalanceAlgorithm.CONSISTENT_HASH) {
            return;
        }
        if (lb == BalanceAlgorithm.IP_HASH) {
            if (!hashKey.equals(HashKey.CLIENT_IP)) {
                problem(s.value("hash-key"), s.keyPath("hash-key") + ": ip-hash always hashes the client address; "
                        + "use lb: consistent-hash to hash on " + hashKey);
            }
            return;
        }
        problem(s.value("hash-key"), s.keyPath("hash-key") + ": only lb: consistent-hash uses a hash key, and lb is "
                + lb.configName());
    }

    private List<PeerConfig> peers(YamlSection group, Node nameNode) {
        List<Node> items = items(group, "peers", false);
        if (items.isEmpty()) {
            // A value that is not a list was reported by items(); absent, empty and [] get this problem.
            if (!group.has("peers") || isNull(group.value("peers")) || group.value("peers") instanceof SequenceNode) {
                problem(group.has("peers") ? group.value("peers") : nameNode,
                        group.path() + ": no peers; add peers: [ host:port, ... ]");
            }
            return List.of();
        }
        String where = group.keyPath("peers");
        List<PeerConfig> peers = new ArrayList<>();
        for (Node item : items) {
            PeerConfig peer = item instanceof MappingNode ? peerMapping(item, where) : peerText(item, where);
            if (peer != null) {
                peers.add(peer);
            }
        }
        return peers;
    }

    private PeerConfig peerText(Node item, String where) {
        return parsed(item, where, "host:port or { address: host:port, weight: N }", PeerConfig::parse);
    }

    private PeerConfig peerMapping(Node item, String where) {
        YamlSection s = section(item, where, PEER_KEYS);
        if (!s.has("address")) {
            problem(item, where + ": a peer needs an address, like { address: 10.0.0.1:8080, weight: 2 }");
            return null;
        }
        PeerConfig peer = peerText(s.value("address"), s.keyPath("address"));
        if (s.has("weight") && peer != null && ((ScalarNode) s.value("address")).getValue().indexOf('@') >= 0) {
            problem(s.value("weight"), where + ": the weight is given twice, in the address and as weight");
            return null;
        }
        int before = problems.size();
        int weight = integer(s, "weight", PeerConfig.DEFAULT_WEIGHT, 1, PeerConfig.MAX_WEIGHT);
        return peer == null || problems.size() > before ? null : new PeerConfig(peer.host(), peer.port(), weight);
    }

    private PoolSettings pool(YamlSection s) {
        PoolSettings d = PoolSettings.DEFAULT;
        int before = problems.size();
        int maxIdle = integer(s, "max-idle-per-peer", d.maxIdlePerPeer(), 0, MAX_COUNT);
        Duration idleTimeout = duration(s, "idle-timeout", d.idleTimeout(), false);
        int maxConns = integer(s, "max-connections-per-peer", d.maxConnsPerPeer(), 0, MAX_COUNT);
        return problems.size() == before ? new PoolSettings(maxIdle, idleTimeout, maxConns) : null;
    }

    private ActiveCheck activeCheck(YamlSection s) {
        int before = problems.size();
        ActiveCheck d = ActiveCheck.tcp();
        String type = text(s, "type", "tcp");
        ActiveCheck.Kind kind = null;
        if ("tcp".equals(type)) {
            kind = ActiveCheck.Kind.TCP;
        } else if ("http".equals(type)) {
            kind = ActiveCheck.Kind.HTTP;
        } else if (type != null) {
            problem(s.value("type"), s.keyPath("type") + ": expected tcp or http, got '" + type + "'");
        }
        if (kind == ActiveCheck.Kind.TCP) {
            for (String httpOnly : List.of("path", "expect-status")) {
                if (s.has(httpOnly)) {
                    problem(s.value(httpOnly), s.keyPath(httpOnly) + ": only used by type: http, and type is tcp");
                }
            }
        }
        String path = text(s, "path", "/");
        if (path != null && !path.startsWith("/")) {
            problem(s.value("path"), s.keyPath("path") + ": must start with '/', got '" + path + "'");
        }
        int expectStatus = integer(s, "expect-status", d.expectStatus(), 100, 599);
        Duration interval = duration(s, "interval", d.interval(), false);
        Duration timeout = duration(s, "timeout", d.timeout(), false);
        int rise = integer(s, "rise", d.rise(), 1, MAX_COUNT);
        int fall = integer(s, "fall", d.fall(), 1, MAX_COUNT);
        if (problems.size() > before) {
            return null;
        }
        return new ActiveCheck(kind, kind == ActiveCheck.Kind.HTTP ? path : null, expectStatus, interval, timeout,
                rise, fall);
    }

    private PassiveCheck passiveCheck(YamlSection s) {
        PassiveCheck d = PassiveCheck.DEFAULT;
        int before = problems.size();
        int maxFails = integer(s, "max-fails", d.maxFails(), 0, MAX_COUNT);
        Duration coolDown = duration(s, "cool-down", d.coolDown(), false);
        return problems.size() == before ? new PassiveCheck(maxFails, coolDown) : null;
    }

    /**
     * @param httpLines the line of each HTTP listener, for naming it in a clash
     * @param adminAt   where the admin address was written, for naming its line in a clash
     */
    private MqttConfig mqtt(YamlSection s, Map<ListenAddress, Integer> httpLines, ListenAddress admin, Node adminAt) {
        int before = problems.size();
        MqttConfig d = MqttConfig.DEFAULT;
        List<Node> listenItems = items(s, "listen", true);
        List<ListenAddress> listeners = mqttListeners(listenItems, httpLines, admin, adminAt);
        List<Node> upstreamItems = items(s, "upstreams", true);
        List<HostPort> upstreams = mqttUpstreams(upstreamItems);
        if (!upstreamItems.isEmpty() && listenItems.isEmpty()) {
            problem(s.value("upstreams"), "mqtt.upstreams without mqtt.listen: the MQTT proxy needs a listener, "
                    + "like listen: \":1883\"");
        }
        long maxPacket = size(s, "max-packet-size", d.maxPacketBytes(), MqttConfig.MIN_PACKET_BYTES,
                MqttConfig.MAX_PACKET_BYTES);
        int receiveMaximum = integer(s, "receive-maximum", d.receiveMaximum(), 1, MqttConfig.MAX_RECEIVE_MAXIMUM);
        int maxQueued = integer(s, "max-queued-messages", d.maxQueuedMessages(), 0, MqttConfig.MAX_QUEUED_MESSAGES);
        Duration connectTimeout = duration(s, "connect-timeout", d.connectTimeout(), false);
        Duration maxKeepAlive = keepAlive(s, "max-keep-alive", d.maxKeepAlive());
        Path persistence = directory(s, "persistence");
        if (persistence != null && !upstreams.isEmpty()) {
            problem(s.value("persistence"), "mqtt.persistence: only the embedded broker stores sessions, and "
                    + "mqtt.upstreams makes this an MQTT proxy");
        }
        boolean allowAnonymous = bool(s, "allow-anonymous", d.allowAnonymous());
        MqttProxyConfig proxy = mqttProxy(s);
        Duration slowSubscriberTimeout = duration(s, "slow-subscriber-timeout", d.slowSubscriberTimeout(), false);
        Duration sysInterval = duration(s, "sys-interval", d.sysInterval(), true);
        List<MqttBridgeConfig> bridges = bridges(s);
        boolean bridgesWritten = s.value("bridges") instanceof SequenceNode written && !written.getValue().isEmpty();
        if (bridgesWritten && !upstreamItems.isEmpty()) {
            problem(s.value("bridges"), "mqtt.bridges: a bridge connects the embedded broker to another, and "
                    + "mqtt.upstreams makes this an MQTT proxy; use one or the other");
        } else if (bridgesWritten && listenItems.isEmpty()) {
            problem(s.value("bridges"), "mqtt.bridges without mqtt.listen: a bridge connects the embedded broker, "
                    + "which runs with an MQTT listener, like listen: \":1883\"");
        }
        if (problems.size() > before) {
            return null;
        }
        return new MqttConfig(listeners, upstreams, (int) maxPacket, receiveMaximum, maxQueued, connectTimeout,
                maxKeepAlive, persistence, allowAnonymous, proxy, slowSubscriberTimeout, sysInterval, bridges);
    }

    private CoapConfig coap(YamlSection s, Set<String> groupNames) {
        int before = problems.size();
        CoapConfig d = CoapConfig.DEFAULT;
        List<ListenAddress> listeners = new ArrayList<>();
        Map<ListenAddress, Integer> lines = new HashMap<>();
        for (Node item : items(s, "listen", true)) {
            ListenAddress address = listenAddress(item, "coap.listen");
            if (address == null) {
                continue;
            }
            Integer first = address.port() == 0 ? null : lines.putIfAbsent(address, line(item));
            if (first != null) {
                problem(item, "coap.listen: " + address + " is given twice"
                        + (first != line(item) ? " (also on line " + first + ")" : ""));
            } else {
                listeners.add(address);
            }
        }
        Duration ackTimeout = duration(s, "ack-timeout", d.ackTimeout(), false);
        int maxRetransmit = integer(s, "max-retransmit", d.maxRetransmit(), 0, 20);
        int maxExchanges = integer(s, "max-exchanges", d.maxExchanges(), 16, CoapConfig.MAX_EXCHANGES);
        int blockSize = integer(s, "block-size", d.blockSize(), 16, 1024);
        if (s.has("block-size") && Integer.bitCount(blockSize) != 1) {
            problem(s.value("block-size"), "coap.block-size: must be 16, 32, 64, 128, 256, 512 or 1024, got "
                    + blockSize);
        }
        long maxBody = size(s, "max-body-size", d.maxBodySize(), 16, CoapConfig.MAX_BODY_SIZE);
        List<RouteConfig> httpRoutes = coapHttpRoutes(s, groupNames);
        String pubsub = text(s, "pubsub", d.pubsubPrefix());
        if (pubsub != null && pubsub.equals("off")) {
            pubsub = null;
        } else if (pubsub != null) {
            try {
                CoapConfig.checkPubsubPrefix(pubsub);
                for (RouteConfig route : httpRoutes) {
                    if (route.pathPrefix().equals(pubsub)) {
                        problem(s.value("pubsub"), "coap.pubsub: " + pubsub + " is the path of an http route too");
                    }
                }
            } catch (IllegalArgumentException e) {
                problem(s.value("pubsub"), "coap.pubsub: " + e.getMessage() + ", or off");
            }
        }
        if (problems.size() > before) {
            return null;
        }
        if (maxBody < blockSize) {
            problem(s.value("max-body-size"), "coap.max-body-size: must be at least the block size (" + blockSize
                    + " bytes)");
            return null;
        }
        return new CoapConfig(listeners, ackTimeout, maxRetransmit, maxExchanges, blockSize, (int) maxBody, httpRoutes, pubsub);
    }

    /** coap.http: path prefixes that go to HTTP upstream groups. */
    private List<RouteConfig> coapHttpRoutes(YamlSection coap, Set<String> groupNames) {
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Node item : items(coap, "http", false)) {
            if (!(item instanceof MappingNode)) {
                problem(item, "coap.http: expected a route like { path: /api, upstream: NAME }, got " + describe(item));
                continue;
            }
            YamlSection s = section(item, "coap.http", COAP_ROUTE_KEYS);
            int before = problems.size();
            String path = text(s, "path", null);
            if (!s.has("path")) {
                problem(item, "coap.http: a route needs 'path', the path prefix it forwards");
            } else if (path != null) {
                checkPathPrefix(s, path);
            }
            String upstream = text(s, "upstream", null);
            if (!s.has("upstream")) {
                problem(item, "coap.http: a route needs 'upstream', the name of an upstream group");
            } else if (upstream != null && !groupNames.contains(upstream)) {
                problem(s.value("upstream"), s.keyPath("upstream") + ": no upstream group named '" + upstream + "'"
                        + (groupNames.isEmpty() ? ", and none is defined under upstreams"
                                : "; defined: " + String.join(", ", groupNames)));
            }
            if (problems.size() > before) {
                continue;
            }
            Integer first = seen.putIfAbsent(path, line(item));
            if (first != null) {
                problem(item, "coap.http: duplicate route for path " + path + " (first on line " + first + ")");
            } else {
                routes.add(new RouteConfig(null, path, upstream));
            }
        }
        return routes;
    }

    /** The proxy's own keys of the mqtt section (they take effect only with upstreams, from the file or --mqtt-upstream). */
    private MqttProxyConfig mqttProxy(YamlSection s) {
        int before = problems.size();
        MqttProxyConfig d = MqttProxyConfig.DEFAULT;
        BalanceAlgorithm balance = d.balance();
        String balanceText = text(s, "balance", null);
        if (balanceText != null) {
            try {
                balance = BalanceAlgorithm.fromName(balanceText);
            } catch (IllegalArgumentException e) {
                problem(s.value("balance"), s.keyPath("balance") + ": " + e.getMessage());
            }
        }
        Duration connect = duration(s, "upstream-connect-timeout", d.upstreamConnectTimeout(), false);
        Duration idle = duration(s, "idle-timeout", d.idleTimeout(), true);
        boolean proxyProtocol = d.proxyProtocol();
        String proxyText = text(s, "proxy-protocol", null);
        if (proxyText != null) {
            switch (proxyText) {
                case "v2" -> proxyProtocol = true;
                case "off" -> proxyProtocol = false;
                default -> problem(s.value("proxy-protocol"), s.keyPath("proxy-protocol")
                        + ": expected v2 or off, got '" + proxyText + "'");
            }
        }
        YamlSection health = section(s.value("health"), s.keyPath("health"), HEALTH_KEYS);
        ActiveCheck active = null;
        if (health.has("active")) {
            YamlSection activeSection = section(health.value("active"), health.keyPath("active"), ACTIVE_KEYS);
            String type = activeSection.has("type") ? text(activeSection, "type", "tcp") : "tcp";
            if (type != null && !type.equals("tcp")) {
                problem(activeSection.value("type"), activeSection.keyPath("type")
                        + ": brokers are probed with TCP connects, expected tcp, got '" + type + "'");
            } else {
                active = activeCheck(activeSection);
            }
        }
        PassiveCheck passive = passiveCheck(section(health.value("passive"), health.keyPath("passive"), PASSIVE_KEYS));
        YamlSection rules = section(s.value("rules"), s.keyPath("rules"), MQTT_RULES_KEYS);
        List<List<String>> publish = topicRules(rules, "publish");
        List<List<String>> subscribe = topicRules(rules, "subscribe");
        YamlSection rate = section(s.value("rate-limit"), s.keyPath("rate-limit"), MQTT_RATE_KEYS);
        double publishRate = 0;
        int burst = 0;
        if (s.has("rate-limit")) {
            publishRate = rate(rate, s.value("rate-limit"));
            if (publishRate > 0) {
                burst = integer(rate, "burst", (int) Math.max(1, Math.ceil(publishRate)), 1, MAX_COUNT);
            }
        }
        boolean splice = bool(s, "splice", d.splice());
        if (problems.size() > before) {
            return d;
        }
        return new MqttProxyConfig(balance, connect, idle, proxyProtocol, active,
                passive == null ? d.passive() : passive, publish.get(0), publish.get(1), subscribe.get(0),
                subscribe.get(1), publishRate, burst, splice);
    }

    /**
     * {allow, deny} of {@code rules.KEY}: a mapping with allow and deny lists, or a list, which
     * is the allow list.
     */
    private List<List<String>> topicRules(YamlSection rules, String key) {
        Node value = rules.value(key);
        if (value == null || isNull(value)) {
            return List.of(List.of(), List.of());
        }
        if (value instanceof SequenceNode) {
            return List.of(topicPatterns(rules, key), List.of());
        }
        YamlSection lists = section(value, rules.keyPath(key), MQTT_RULE_KEYS);
        return List.of(topicPatterns(lists, "allow"), topicPatterns(lists, "deny"));
    }

    private List<String> topicPatterns(YamlSection s, String key) {
        List<String> patterns = new ArrayList<>();
        for (Node item : items(s, key, true)) {
            String pattern = parsed(item, s.keyPath(key), "a topic filter like devices/%c/#",
                    MqttProxyConfig::checkTopicPattern);
            if (pattern != null) {
                patterns.add(pattern);
            }
        }
        return patterns;
    }

    /** {@code rate-limit.rate}: publishes a second, a whole or decimal number above 0. */
    private double rate(YamlSection s, Node section) {
        Node value = s.value("rate");
        if (value == null) {
            if (section instanceof MappingNode) {
                problem(section, s.path() + ": needs a rate, like { rate: 10, burst: 20 }");
            }
            return 0;
        }
        String text = scalarText(value, s.keyPath("rate"), "publishes a second, like 10 or 0.5");
        if (text == null) {
            return 0;
        }
        if (!DECIMAL.matcher(text).matches()) {
            problem(value, s.keyPath("rate") + ": expected publishes a second, like 10 or 0.5, got '" + text + "'");
            return 0;
        }
        double rate = Double.parseDouble(text);
        if (rate <= 0 || rate > MqttProxyConfig.MAX_PUBLISH_RATE) {
            problem(value, s.keyPath("rate") + ": must be above 0 and at most " + (long) MqttProxyConfig.MAX_PUBLISH_RATE
                    + ", got " + text);
            return 0;
        }
        return rate;
    }

    private List<MqttBridgeConfig> bridges(YamlSection mqtt) {
        List<MqttBridgeConfig> bridges = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (Node item : items(mqtt, "bridges", false)) {
            if (!(item instanceof MappingNode)) {
                problem(item, "mqtt.bridges: expected a bridge like { name: cloud, address: cloud.example.com:1883, "
                        + "topics: [ \"sensors/# out 1\" ] }, got " + describe(item));
                continue;
            }
            MqttBridgeConfig bridge = bridge(section(item, "mqtt.bridges", BRIDGE_KEYS), item);
            if (bridge == null) {
                continue;
            }
            Integer first = names.putIfAbsent(bridge.name(), line(item));
            if (first != null) {
                problem(item, "mqtt.bridges: two bridges are named " + bridge.name() + " (the first on line " + first
                        + ")");
            } else {
                bridges.add(bridge);
            }
        }
        return bridges;
    }

    private MqttBridgeConfig bridge(YamlSection written, Node item) {
        int before = problems.size();
        String name = text(written, "name", null);
        if (!written.has("name")) {
            problem(item, "mqtt.bridges: a bridge needs a name, like name: cloud");
        } else if (name != null && name.isBlank()) {
            problem(written.value("name"), "mqtt.bridges.name: a bridge needs a name, like name: cloud");
        }
        YamlSection s = new YamlSection(name == null || name.isBlank() ? "mqtt.bridges" : "mqtt.bridges." + name,
                written.entries());
        HostPort address = null;
        if (!s.has("address")) {
            problem(item, s.path() + ": a bridge needs the remote broker's address, like address: "
                    + "cloud.example.com:1883");
        } else {
            address = parsed(s.value("address"), s.keyPath("address"), "the remote broker's host:port",
                    MqttBridgeConfig::parseAddress);
        }
        String clientId = text(s, "client-id", null);
        if (clientId != null && clientId.isEmpty()) {
            problem(s.value("client-id"), s.keyPath("client-id") + ": empty; leave it out for name.hostname");
        }
        MqttBridgeConfig.Version version = s.has("protocol-version")
                ? parsed(s.value("protocol-version"), s.keyPath("protocol-version"), "3.1.1 or 5",
                        MqttBridgeConfig.Version::fromName)
                : MqttBridgeConfig.Version.V3_1_1;
        boolean v5 = version == MqttBridgeConfig.Version.V5;
        boolean cleanStart = bool(s, "clean-start", false);
        long sessionExpiry = MqttBridgeConfig.defaultSessionExpiry(cleanStart);
        if (s.has("session-expiry")) {
            if (version != null && !v5) {
                problem(s.value("session-expiry"), s.keyPath("session-expiry") + ": only MQTT 5 has a session "
                        + "expiry; with 3.1.1, clean-start: false keeps the session for ever");
            } else {
                sessionExpiry = sessionExpiry(s, "session-expiry", sessionExpiry);
            }
        }
        Duration keepAlive = keepAlive(s, "keep-alive", MqttBridgeConfig.DEFAULT_KEEP_ALIVE);
        if (keepAlive.compareTo(MqttBridgeConfig.MIN_KEEP_ALIVE) < 0) {
            problem(s.value("keep-alive"), s.keyPath("keep-alive") + ": must be at least "
                    + ValueSyntax.formatDuration(MqttBridgeConfig.MIN_KEEP_ALIVE) + ", got "
                    + ValueSyntax.formatDuration(keepAlive));
        }
        String userName = text(s, "user-name", null);
        String password = text(s, "password", null);
        if (password != null && !s.has("user-name") && version != null && !v5) {
            problem(s.value("password"), s.keyPath("password") + ": MQTT 3.1.1 sends a password only with a "
                    + "user-name");
        }
        boolean tryPrivate = bool(s, "try-private", true);
        if (s.has("try-private") && v5) {
            problem(s.value("try-private"), s.keyPath("try-private") + ": only MQTT 3.1.1 marks a bridge in its "
                    + "CONNECT; with 5 the bridge keeps messages from looping through no-local");
        }
        int reconnectBefore = problems.size();
        Duration reconnectMin = duration(s, "reconnect-min", MqttBridgeConfig.DEFAULT_RECONNECT_MIN, false);
        Duration reconnectMax = duration(s, "reconnect-max", MqttBridgeConfig.DEFAULT_RECONNECT_MAX, false);
        if (problems.size() == reconnectBefore && reconnectMax.compareTo(reconnectMin) < 0) {
            problem(s.value(s.has("reconnect-max") ? "reconnect-max" : "reconnect-min"), s.keyPath("reconnect-max")
                    + " (" + ValueSyntax.formatDuration(reconnectMax) + ") is below " + s.keyPath("reconnect-min")
                    + " (" + ValueSyntax.formatDuration(reconnectMin) + ")");
        }
        int maxQueued = integer(s, "max-queued-messages", MqttBridgeConfig.DEFAULT_MAX_QUEUED_MESSAGES, 1,
                MqttConfig.MAX_QUEUED_MESSAGES);
        long maxQueuedBytes = size(s, "max-queued-bytes", MqttBridgeConfig.DEFAULT_MAX_QUEUED_BYTES, 1, Long.MAX_VALUE);
        List<BridgeTopicConfig> topics = bridgeTopics(s, item);
        if (problems.size() > before) {
            return null;
        }
        try {
            return new MqttBridgeConfig(name, address, clientId, version, cleanStart, sessionExpiry, keepAlive,
                    userName, password, tryPrivate, reconnectMin, reconnectMax, maxQueued, maxQueuedBytes, topics);
        } catch (IllegalArgumentException e) {
            problem(item, s.path() + ": " + e.getMessage());
            return null;
        }
    }

    /** A 5.0 session expiry: whole seconds up to 2^32-1, or {@code never}. */
    private long sessionExpiry(YamlSection s, String key, long defaultValue) {
        String text = text(s, key, null);
        if (text == null) {
            return defaultValue;
        }
        if (text.equals("never")) {
            return MqttBridgeConfig.NEVER_EXPIRES;
        }
        int before = problems.size();
        Duration duration = duration(s, key, Duration.ZERO, true);
        if (problems.size() > before) {
            return defaultValue;
        }
        if (duration.toMillis() % 1000 != 0 || duration.toSeconds() > MqttBridgeConfig.NEVER_EXPIRES) {
            problem(s.value(key), s.keyPath(key) + ": must be whole seconds up to "
                    + MqttBridgeConfig.NEVER_EXPIRES + "s, or never; got " + text);
            return defaultValue;
        }
        return duration.toSeconds();
    }

    private List<BridgeTopicConfig> bridgeTopics(YamlSection s, Node item) {
        List<Node> items = items(s, "topics", true);
        if (items.isEmpty()) {
            if (!s.has("topics") || isNull(s.value("topics")) || s.value("topics") instanceof SequenceNode) {
                problem(s.has("topics") ? s.value("topics") : item, s.path() + ": no topics; add topics: [ "
                        + "\"sensors/# out 1\" ] or { filter: sensors/#, direction: out, qos: 1 }");
            }
            return List.of();
        }
        String where = s.keyPath("topics");
        List<BridgeTopicConfig> topics = new ArrayList<>();
        for (Node topicNode : items) {
            BridgeTopicConfig topic = topicNode instanceof MappingNode
                    ? bridgeTopic(section(topicNode, where, BRIDGE_TOPIC_KEYS), topicNode)
                    : parsed(topicNode, where, "a topic like \"sensors/# out 1\" or { filter: sensors/#, direction: "
                            + "out, qos: 1 }", BridgeTopicConfig::parse);
            if (topic != null) {
                topics.add(topic);
            }
        }
        return topics;
    }

    private BridgeTopicConfig bridgeTopic(YamlSection s, Node item) {
        int before = problems.size();
        if (!s.has("filter")) {
            problem(item, s.path() + ": a topic needs a filter, like filter: sensors/#");
        }
        String filter = text(s, "filter", "");
        BridgeTopicConfig.Direction direction = s.has("direction")
                ? parsed(s.value("direction"), s.keyPath("direction"), "out, in or both",
                        BridgeTopicConfig.Direction::fromName)
                : BridgeTopicConfig.Direction.OUT;
        int qos = integer(s, "qos", 0, 0, 2);
        String localPrefix = text(s, "local-prefix", "");
        String remotePrefix = text(s, "remote-prefix", "");
        if (problems.size() > before) {
            return null;
        }
        try {
            return new BridgeTopicConfig(filter, direction, qos, localPrefix, remotePrefix);
        } catch (IllegalArgumentException e) {
            problem(item, s.path() + ": " + e.getMessage());
            return null;
        }
    }

    private List<ListenAddress> mqttListeners(List<Node> items, Map<ListenAddress, Integer> httpLines,
                                              ListenAddress admin, Node adminAt) {
        List<ListenAddress> listeners = new ArrayList<>();
        Map<ListenAddress, Integer> lines = new HashMap<>();
        for (Node item : items) {
            ListenAddress address = listenAddress(item, "mqtt.listen");
            if (address == null) {
                continue;
            }
            // Port 0 is exempt: every ephemeral listener gets a port of its own.
            boolean ephemeral = address.port() == 0;
            Integer first = ephemeral ? null : lines.putIfAbsent(address, line(item));
            Integer http = ephemeral ? null : httpLines.get(address);
            if (!ephemeral && address.equals(admin)) {
                problem(item, "mqtt.listen: " + address + " is also the admin listener (line " + line(adminAt) + ")");
            } else if (http != null) {
                problem(item, "mqtt.listen: " + address + " is also an HTTP listener (line " + http + ")");
            } else if (first != null) {
                problem(item, "mqtt.listen: " + address + " is given twice"
                        + (first != line(item) ? " (also on line " + first + ")" : ""));
            } else {
                listeners.add(address);
            }
        }
        return listeners;
    }

    private List<HostPort> mqttUpstreams(List<Node> items) {
        List<HostPort> upstreams = new ArrayList<>();
        Map<HostPort, Integer> lines = new HashMap<>();
        for (Node item : items) {
            HostPort upstream = parsed(item, "mqtt.upstreams", "a broker's host:port", MqttConfig::parseUpstream);
            if (upstream == null) {
                continue;
            }
            Integer first = lines.putIfAbsent(upstream, line(item));
            if (first != null) {
                problem(item, "mqtt.upstreams: " + upstream + " is given twice"
                        + (first != line(item) ? " (also on line " + first + ")" : ""));
            } else {
                upstreams.add(upstream);
            }
        }
        return upstreams;
    }

    private List<RouteConfig> routes(YamlSection http, Set<String> groupNames) {
        List<Node> items = items(http, "routes", false);
        boolean noGroups = groupNames.isEmpty();
        if (!items.isEmpty() && noGroups) {
            problem(http.value("routes"),
                    "http.routes: routes need upstream groups, but no group is defined under upstreams");
        }
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Node item : items) {
            if (!(item instanceof MappingNode)) {
                problem(item, "http.routes: expected a route like { host: example.com, path: /, upstream: NAME }, got "
                        + describe(item));
                continue;
            }
            RouteConfig route = route(section(item, "http.routes", ROUTE_KEYS), item, groupNames, noGroups);
            if (route == null) {
                continue;
            }
            Integer first = seen.putIfAbsent((route.host() == null ? "*" : route.host()) + " " + route.pathPrefix(),
                    line(item));
            if (first != null) {
                String host = route.host() == null ? "any host" : "host " + route.host();
                problem(item, "http.routes: duplicate route for " + host + " and path " + route.pathPrefix()
                        + " (first on line " + first + ")");
            } else {
                routes.add(route);
            }
        }
        return routes;
    }

    private RouteConfig route(YamlSection s, Node item, Set<String> groupNames, boolean noGroups) {
        int before = problems.size();
        String host = text(s, "host", null);
        if (host != null) {
            try {
                host = host.equals("*") ? null : RouteConfig.normalizeHost(host);
            } catch (IllegalArgumentException e) {
                problem(s.value("host"), s.keyPath("host") + ": " + e.getMessage());
            }
        }
        String path = text(s, "path", RouteConfig.DEFAULT_PATH_PREFIX);
        if (path != null) {
            checkPathPrefix(s, path);
        }
        String upstream = text(s, "upstream", null);
        if (!s.has("upstream")) {
            problem(item, "http.routes: a route needs 'upstream', the name of an upstream group");
        } else if (upstream != null && !noGroups && !groupNames.contains(upstream)) {
            problem(s.value("upstream"), s.keyPath("upstream") + ": no upstream group named '" + upstream
                    + "'; defined: " + String.join(", ", groupNames));
        }
        return problems.size() == before ? new RouteConfig(host, path, upstream) : null;
    }

    // ---- values ------------------------------------------------------------------------------

    private ListenAddress listenAddress(Node value, String where) {
        return parsed(value, where, "an address like 0.0.0.0:8080", ListenAddress::parse);
    }

    private int integer(YamlSection s, String key, int defaultValue, int min, int max) {
        Node value = s.value(key);
        if (value == null) {
            return defaultValue;
        }
        String text = scalarText(value, s.keyPath(key), "a whole number");
        if (text == null) {
            return defaultValue;
        }
        if (!WHOLE_NUMBER.matcher(text).matches()) {
            problem(value, s.keyPath(key) + ": expected a whole number, got '" + text + "'");
            return defaultValue;
        }
        long number = Long.parseLong(text);
        if (number < min || number > max) {
            problem(value, s.keyPath(key) + ": must be " + (number < min ? "at least " + min : "at most " + max)
                    + ", got " + number);
            return defaultValue;
        }
        return (int) number;
    }

    private long size(YamlSection s, String key, long defaultValue, long min, long max) {
        Node value = s.value(key);
        if (value == null) {
            return defaultValue;
        }
        Long bytes = parsed(value, s.keyPath(key), "a size like 16k", ValueSyntax::parseSize);
        if (bytes == null) {
            return defaultValue;
        }
        if (bytes < min || bytes > max) {
            problem(value, s.keyPath(key) + ": must be " + (bytes < min
                    ? "at least " + ValueSyntax.formatSize(min) : "at most " + ValueSyntax.formatSize(max))
                    + ", got " + ((ScalarNode) value).getValue());
            return defaultValue;
        }
        return bytes;
    }

    /** A size where 0, also written {@code off}, turns something off. */
    private long sizeOrOff(YamlSection s, String key, long defaultValue) {
        Node value = s.value(key);
        Long bytes = value == null
                ? null : parsed(value, s.keyPath(key), "a size like 256k, or off", ValueSyntax::parseSizeOrOff);
        return bytes == null ? defaultValue : bytes;
    }

    private IoMode ioMode(YamlSection s) {
        Node value = s.value("io");
        IoMode mode = value == null ? null : parsed(value, s.keyPath("io"), "nio, uring or auto", IoMode::fromName);
        return mode == null ? IsthmusConfig.DEFAULT_IO : mode;
    }

    private Duration duration(YamlSection s, String key, Duration defaultValue, boolean zeroAllowed) {
        Node value = s.value(key);
        if (value == null) {
            return defaultValue;
        }
        Duration duration = parsed(value, s.keyPath(key), "a duration like 10s", ValueSyntax::parseDuration);
        if (duration == null) {
            return defaultValue;
        }
        if (duration.isZero() && !zeroAllowed) {
            problem(value, s.keyPath(key) + ": must be longer than 0");
            return defaultValue;
        }
        return duration;
    }

    /** A duration of whole seconds up to MQTT's 65535, where 0 means no limit. */
    private Duration keepAlive(YamlSection s, String key, Duration defaultValue) {
        int before = problems.size();
        Duration duration = duration(s, key, defaultValue, true);
        if (problems.size() > before) {
            return defaultValue;
        }
        if (duration.toMillis() % 1000 != 0) {
            problem(s.value(key), s.keyPath(key) + ": must be whole seconds, as MQTT counts keep alive in seconds, got "
                    + ValueSyntax.formatDuration(duration));
            return defaultValue;
        }
        if (duration.compareTo(MqttConfig.MAX_KEEP_ALIVE) > 0) {
            problem(s.value(key), s.keyPath(key) + ": must be at most "
                    + ValueSyntax.formatDuration(MqttConfig.MAX_KEEP_ALIVE) + ", the longest keep alive MQTT can "
                    + "express, got " + ValueSyntax.formatDuration(duration));
            return defaultValue;
        }
        return duration;
    }

    /**
     * A directory written relative to the file's own directory, or absolute; null when absent or
     * after reporting a mistake. A directory that does not exist yet is fine, a file is not.
     */
    private Path directory(YamlSection s, String key) {
        Node value = s.value(key);
        String text = value == null ? null : scalarText(value, s.keyPath(key), "a directory");
        if (text == null) {
            return null;
        }
        if (text.isBlank()) {
            problem(value, s.keyPath(key) + ": expected a directory, got ''");
            return null;
        }
        Path directory;
        try {
            directory = file.resolveSibling(text).normalize();
        } catch (InvalidPathException e) {
            problem(value, s.keyPath(key) + ": '" + text + "' is not a path: " + e.getReason());
            return null;
        }
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            problem(value, s.keyPath(key) + ": " + directory + " is a file, not a directory");
            return null;
        }
        return directory;
    }

    /** The YAML core schema's spellings of true and false; {@code defaultValue} when absent or wrong. */
    private boolean bool(YamlSection s, String key, boolean defaultValue) {
        Node value = s.value(key);
        String text = value == null ? null : scalarText(value, s.keyPath(key), "true or false");
        if (text == null) {
            return defaultValue;
        }
        return switch (text) {
            case "true", "True", "TRUE" -> true;
            case "false", "False", "FALSE" -> false;
            default -> {
                problem(value, s.keyPath(key) + ": expected true or false, got '" + text + "'");
                yield defaultValue;
            }
        };
    }

    /** The key's text, {@code defaultValue} when absent, or null after reporting a non-text value. */
    private String text(YamlSection s, String key, String defaultValue) {
        Node value = s.value(key);
        return value == null ? defaultValue : scalarText(value, s.keyPath(key), "a single value");
    }

    /**
     * A written single value read by {@code parse}, or null after reporting what was written
     * instead or why {@code parse} refused it (the message of its IllegalArgumentException).
     */
    private <T> T parsed(Node value, String where, String expected, Function<String, T> parse) {
        String text = scalarText(value, where, expected);
        if (text == null) {
            return null;
        }
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            problem(value, where + ": " + e.getMessage());
            return null;
        }
    }

    /** The text of a written single value, or null after reporting what was written instead. */
    private String scalarText(Node value, String where, String expected) {
        if (value instanceof ScalarNode scalar && !isNull(scalar)) {
            return scalar.getValue();
        }
        problem(value, where + ": expected " + expected + ", got " + describe(value));
        return null;
    }

    /**
     * The items of a list value; none when absent or empty. With {@code singleAllowed}, one
     * value written without brackets counts as a list of one.
     */
    private List<Node> items(YamlSection s, String key, boolean singleAllowed) {
        Node value = s.value(key);
        if (value == null || isNull(value)) {
            return List.of();
        }
        if (value instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        if (singleAllowed && value instanceof ScalarNode) {
            return List.of(value);
        }
        problem(value, s.keyPath(key) + ": expected a list, got " + describe(value));
        return List.of();
    }

    /**
     * Checks a mapping's keys and returns its entries; an absent or empty value is an empty
     * mapping, anything else that is not a mapping is reported and read as empty.
     *
     * @param allowed the keys the mapping may hold, or null when any text key is a name
     */
    private YamlSection section(Node node, String path, List<String> allowed) {
        String in = path.isEmpty() ? "at the top level" : "in " + path;
        if (node == null || isNull(node)) {
            return YamlSection.empty(path);
        }
        if (!(node instanceof MappingNode mapping)) {
            problem(node, (path.isEmpty() ? "the file" : path) + ": expected a mapping of key: value, got "
                    + describe(node));
            return YamlSection.empty(path);
        }
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple entry : mapping.getValue()) {
            Node keyNode = entry.getKeyNode();
            if (!(keyNode instanceof ScalarNode keyScalar) || isNull(keyNode)) {
                problem(keyNode, "keys " + in + " must be names, got " + describe(keyNode));
                continue;
            }
            String key = keyScalar.getValue();
            NodeTuple first = entries.get(key);
            if (first != null) {
                problem(keyNode, "duplicate key '" + key + "' " + in + " (first on line "
                        + line(first.getKeyNode()) + ")");
            } else if (allowed != null && !allowed.contains(key)) {
                problem(keyNode, "unknown key '" + key + "' " + in + ", expected one of: "
                        + String.join(", ", allowed));
            } else {
                entries.put(key, entry);
            }
        }
        return new YamlSection(path, entries);
    }

    /** A route's path prefix, {@code path} of {@code s}, is one a route can match on. */
    private void checkPathPrefix(YamlSection s, String path) {
        try {
            RouteConfig.checkPathPrefix(path);
        } catch (IllegalArgumentException e) {
            problem(s.value("path"), s.keyPath("path") + ": " + e.getMessage());
        }
    }

    // ---- nodes -------------------------------------------------------------------------------

    private void problem(Node node, String message) {
        problems.add(new ConfigProblem(file, line(node), message));
    }

    /** The 1-based line where the node starts, 0 when there is no node. */
    private static int line(Node node) {
        return node == null ? 0 : node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
    }

    /** How a message names what was written where something else was expected. */
    private static String describe(Node node) {
        if (node instanceof ScalarNode scalar) {
            return isNull(scalar) ? "nothing" : "'" + scalar.getValue() + "'";
        }
        return node instanceof SequenceNode ? "a list" : "a mapping";
    }
}
