package dev.isthmus.tools;

import dev.isthmus.core.config.ConfigException;
import dev.isthmus.core.config.ConfigLoader;
import dev.isthmus.core.config.HostPort;
import dev.isthmus.core.config.HttpLimits;
import dev.isthmus.core.config.IoMode;
import dev.isthmus.core.config.IsthmusConfig;
import dev.isthmus.core.config.ListenAddress;
import dev.isthmus.core.config.MqttConfig;
import dev.isthmus.core.config.PeerConfig;
import dev.isthmus.core.config.RouteConfig;
import dev.isthmus.core.config.UpstreamGroupConfig;
import dev.isthmus.core.config.ValueSyntax;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The options of {@code isthmus run}, and how they combine with a configuration file into the
 * {@link IsthmusConfig} that runs.
 *
 * <p>Rules, in the order {@link #effectiveConfig()} applies them:
 * <ul>
 *   <li>The base is the {@code --config} file, or {@link IsthmusConfig#builtInDefault()}.</li>
 *   <li>Listeners: the listener flags are {@code --listen} (HTTP), {@code --mqtt-listen},
 *       {@code --coap-listen} (UDP) and {@code --admin}. With no file and no listener flag, the
 *       built-in default listeners run (HTTP, MQTT, CoAP and admin). Once a file or any listener flag is given, only the listeners
 *       named there run: a listener flag replaces the file's listeners of its kind, and a kind
 *       named nowhere has none (so {@code --listen 127.0.0.1:0} alone runs no MQTT and no admin
 *       listener, and {@code --mqtt-listen :1883} alone no HTTP listener).</li>
 *   <li>{@code --upstream} sets the peers of the group {@value #DEFAULT_GROUP}: it creates the
 *       group with default settings, or replaces the peers of the file's group of that name and
 *       keeps its other settings. Unless a route already matches every host and path, a
 *       catch-all route to the group is added.</li>
 *   <li>{@code --lb} and {@code --hash-key} set the balancing of group {@value #DEFAULT_GROUP},
 *       which must exist (from the file or {@code --upstream}).</li>
 *   <li>{@code --mqtt-upstream} replaces the file's {@code mqtt.upstreams}, which turns the MQTT
 *       listeners into a proxy to those brokers; it needs an MQTT listener, from the file, from
 *       {@code --mqtt-listen} or from the built-in default.</li>
 *   <li>{@code --threads}, {@code --io}, {@code --shutdown-grace}, {@code --max-body-size},
 *       {@code --splice-threshold} and {@code --mqtt-max-packet-size} replace the file's values.</li>
 * </ul>
 * Mistakes are all collected, the file's and the flags', and reported together.
 */
public final class RunOptions {
    /** The upstream group that {@code --upstream}, {@code --lb} and {@code --hash-key} configure. */
    public static final String DEFAULT_GROUP = "default";
    private static final System.Logger LOG = System.getLogger(RunOptions.class.getName());

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML configuration file; the flags below override its values. "
                    + "Validate one with `isthmus check --config FILE`. Default: none.")
    private Path configFile;

    @Option(names = "--listen", paramLabel = "ADDR",
            description = "HTTP listener: host:port, :port, port, [v6]:port or *:port (port 0 = ephemeral). "
                    + "Repeat for more; replaces the file's http.listen. "
                    + "Default: 0.0.0.0:8080, only when neither --config nor a listener flag is given; "
                    + "otherwise only the listeners named in the file or by flags run.")
    private List<String> listen;

    @Option(names = "--admin", paramLabel = "ADDR",
            description = "Admin listener, same forms as --listen; replaces the file's admin.listen. "
                    + "Default: 127.0.0.1:9901, under the same rule as --listen.")
    private String admin;

    @Option(names = "--upstream", paramLabel = "HOST:PORT[@WEIGHT]", split = ",",
            description = "Peers of the upstream group '" + DEFAULT_GROUP + "' (weight default 1). "
                    + "Repeat or separate with commas. Replaces the peers of the file's group '" + DEFAULT_GROUP
                    + "' and adds a catch-all route / -> " + DEFAULT_GROUP + " unless one exists. "
                    + "Default: none; with no upstream group at all, HTTP is answered by the built-in demo origin.")
    private List<String> upstream;

    @Option(names = "--lb", paramLabel = "ALGO",
            description = "Load balancing of group '" + DEFAULT_GROUP + "': round-robin, weighted-round-robin, "
                    + "least-conn, ip-hash or consistent-hash. Default: weighted-round-robin.")
    private String lb;

    @Option(names = "--hash-key", paramLabel = "KEY",
            description = "What --lb consistent-hash hashes for group '" + DEFAULT_GROUP + "': client-ip, path, uri "
                    + "or header:NAME. Default: client-ip.")
    private String hashKey;

    @Option(names = "--threads", paramLabel = "N",
            description = "Event loops; 0 = one per available processor. Default: 0.")
    private Integer threads;

    @Option(names = "--io", paramLabel = "MODE",
            description = "Transport of the event loops: nio; uring (io_uring, start-up fails where the kernel or the "
                    + "JVM does not allow it); or auto, io_uring where allowed and otherwise NIO, said in one log line. "
                    + "Default: auto.")
    private String io;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION",
            description = "How long in-flight requests may finish after shutdown starts, like 500ms, 10s, 2m; "
                    + "0s stops at once. Default: 10s.")
    private String shutdownGrace;

    @Option(names = "--max-body-size", paramLabel = "SIZE",
            description = "Largest request body accepted (413 beyond it), like 1024, 16k, 64m, 1g; 0 = unlimited. "
                    + "Default: 64m.")
    private String maxBodySize;

    @Option(names = "--splice-threshold", paramLabel = "SIZE",
            description = "Response bodies of a known length from this size on move from upstream to client inside "
                    + "the kernel (splice; io_uring only), like 64k, 1m; 0 or off = never. Default: 256k.")
    private String spliceThreshold;

    @Option(names = "--mqtt-listen", paramLabel = "ADDR",
            description = "MQTT listener (3.1.1 and 5.0), same forms as --listen. Repeat for more; replaces the file's "
                    + "mqtt.listen. Default: 0.0.0.0:1883, under the same rule as --listen.")
    private List<String> mqttListen;

    @Option(names = "--coap-listen", paramLabel = "ADDR",
            description = "CoAP listener (UDP), same forms as --listen. Repeat for more; replaces the file's "
                    + "coap.listen. Default: 0.0.0.0:5683, under the same rule as --listen.")
    private List<String> coapListen;

    @Option(names = "--mqtt-upstream", paramLabel = "HOST:PORT", split = ",",
            description = "Brokers the MQTT listeners proxy to. Repeat or separate with commas; replaces the file's "
                    + "mqtt.upstreams. Needs an MQTT listener. "
                    + "Default: none, the embedded broker answers MQTT clients.")
    private List<String> mqttUpstream;

    @Option(names = "--mqtt-max-packet-size", paramLabel = "SIZE",
            description = "Largest MQTT packet accepted from a client, fixed header included, like 256k, 1m; "
                    + "2 to 268435455 bytes. Default: 1m.")
    private String mqttMaxPacketSize;

    /**
     * The configuration to run: the file (or the built-in default) with the flags applied.
     *
     * @throws InvalidOptionsException listing every mistake in the file and the flags, and a
     *                                 configuration with nothing to listen on
     */
    public IsthmusConfig effectiveConfig() throws InvalidOptionsException {
        List<String> errors = new ArrayList<>();
        IsthmusConfig base = IsthmusConfig.builtInDefault();
        if (configFile != null) {
            try {
                base = ConfigLoader.load(configFile);
            } catch (ConfigException e) {
                e.problems().forEach(problem -> errors.add(problem.toString()));
                base = null;
            }
        }
        // Every flag is checked even when the file failed, so one run reports all mistakes, in help order.
        List<ListenAddress> httpListeners = parseEach(listen, "--listen", ListenAddress::parse, errors);
        ListenAddress adminAddress = parse(admin, "--admin", ListenAddress::parse, errors);
        List<PeerConfig> peers = parseEach(upstream, "--upstream", PeerConfig::parse, errors);
        BalanceAlgorithm algorithm = parse(lb, "--lb", BalanceAlgorithm::fromName, errors);
        HashKey key = parse(hashKey, "--hash-key", HashKey::parse, errors);
        if (threads != null && (threads < 0 || threads > IsthmusConfig.MAX_THREADS)) {
            errors.add("isthmus: --threads: must be 0.." + IsthmusConfig.MAX_THREADS + " (0 = one per processor), got "
                    + threads);
        }
        IoMode ioMode = parse(io, "--io", IoMode::fromName, errors);
        Duration grace = parse(shutdownGrace, "--shutdown-grace", ValueSyntax::parseDuration, errors);
        Long bodyLimit = parse(maxBodySize, "--max-body-size", ValueSyntax::parseSize, errors);
        Long splice = parse(spliceThreshold, "--splice-threshold", ValueSyntax::parseSizeOrOff, errors);
        List<ListenAddress> mqttListeners = parseEach(mqttListen, "--mqtt-listen", ListenAddress::parse, errors);
        List<ListenAddress> coapListeners = parseEach(coapListen, "--coap-listen", ListenAddress::parse, errors);
        List<HostPort> mqttUpstreams = parseEach(mqttUpstream, "--mqtt-upstream", MqttConfig::parseUpstream, errors);
        Long mqttPacket = parse(mqttMaxPacketSize, "--mqtt-max-packet-size", ValueSyntax::parseSize, errors);
        if (mqttPacket != null
                && (mqttPacket < MqttConfig.MIN_PACKET_BYTES || mqttPacket > MqttConfig.MAX_PACKET_BYTES)) {
            errors.add("isthmus: --mqtt-max-packet-size: must be " + MqttConfig.MIN_PACKET_BYTES + " to "
                    + MqttConfig.MAX_PACKET_BYTES + " bytes, got " + mqttMaxPacketSize.strip());
        }
        if (!errors.isEmpty()) {
            throw new InvalidOptionsException(errors);
        }

        boolean baseListeners = configFile != null || !listenerFlags();
        List<ListenAddress> http =
                httpListeners != null ? httpListeners : baseListeners ? base.httpListeners() : List.of();
        ListenAddress adminListener = adminAddress != null ? adminAddress : baseListeners ? base.admin() : null;
        List<ListenAddress> mqtt =
                mqttListeners != null ? mqttListeners : baseListeners ? base.mqtt().listeners() : List.of();
        List<ListenAddress> coap =
                coapListeners != null ? coapListeners : baseListeners ? base.coap().listeners() : List.of();
        if (http.isEmpty() && adminListener == null && mqtt.isEmpty() && coap.isEmpty()) {
            errors.add("isthmus: nothing to listen on: give --listen, --mqtt-listen, --coap-listen or --admin, "
                    + "or http.listen, mqtt.listen, coap.listen or admin in the config file");
        } else if (mqttUpstreams != null && mqtt.isEmpty()) {
            errors.add("isthmus: --mqtt-upstream: no MQTT listener to proxy from; give --mqtt-listen, "
                    + "or mqtt.listen in the config file");
        } else if (mqttUpstreams != null && base.mqtt().persistence() != null) {
            errors.add("isthmus: --mqtt-upstream: the config file's mqtt.persistence is only used by the embedded "
                    + "broker, which upstreams replace");
        }

        Map<String, UpstreamGroupConfig> groups = new LinkedHashMap<>(base.upstreams());
        List<RouteConfig> routes = new ArrayList<>(base.routes());
        if (peers != null) {
            applyUpstreams(groups, routes, peers);
        }
        if (algorithm != null || key != null) {
            applyBalancing(groups, algorithm, key, errors);
        }
        if (!errors.isEmpty()) {
            throw new InvalidOptionsException(errors);
        }

        HttpLimits limits = bodyLimit == null ? base.limits() : base.limits().withMaxBodyBytes(bodyLimit);
        try {
            // Listeners first: they may be what makes the upstreams legal, never the reverse.
            MqttConfig mqttConfig = base.mqtt().withListeners(mqtt);
            if (mqttUpstreams != null) {
                mqttConfig = mqttConfig.withUpstreams(mqttUpstreams);
            }
            if (mqttPacket != null) {
                mqttConfig = mqttConfig.withMaxPacketBytes(mqttPacket.intValue());
            }
            return new IsthmusConfig(threads == null ? base.threads() : threads, ioMode == null ? base.io() : ioMode,
                    http, adminListener, groups, routes, limits, splice == null ? base.spliceThreshold() : splice,
                    base.timeouts(), mqttConfig, base.buffers(), grace == null ? base.shutdownGrace() : grace,
                    base.source(), base.coap().withListeners(coap));
        } catch (IllegalArgumentException e) {
            throw new InvalidOptionsException(List.of("isthmus: " + e.getMessage()));
        }
    }

    /** True when no file and no listener flag is given, so the built-in default listeners run. */
    public boolean usesDefaultListeners() {
        return configFile == null && !listenerFlags();
    }

    /** Whether any flag that names listeners is given; each such flag drops the built-in default listeners. */
    private boolean listenerFlags() {
        return listen != null || admin != null || mqttListen != null || coapListen != null;
    }

    private static void applyUpstreams(Map<String, UpstreamGroupConfig> groups, List<RouteConfig> routes,
                                       List<PeerConfig> peers) {
        UpstreamGroupConfig existing = groups.get(DEFAULT_GROUP);
        groups.put(DEFAULT_GROUP,
                existing == null ? UpstreamGroupConfig.of(DEFAULT_GROUP, peers) : existing.withPeers(peers));
        RouteConfig catchAll = routes.stream().filter(RouteConfig::isCatchAll).findFirst().orElse(null);
        if (catchAll == null) {
            routes.add(RouteConfig.catchAll(DEFAULT_GROUP));
        } else if (!catchAll.upstream().equals(DEFAULT_GROUP)) {
            // Legal (the file's routes may still send some requests there), but easy to miss.
            LOG.log(System.Logger.Level.WARNING, "--upstream peers get only requests routed to ''{0}'': the config "
                    + "file''s catch-all route goes to ''{1}''", DEFAULT_GROUP, catchAll.upstream());
        }
    }

    private static void applyBalancing(Map<String, UpstreamGroupConfig> groups, BalanceAlgorithm algorithm, HashKey key,
                                       List<String> errors) {
        UpstreamGroupConfig group = groups.get(DEFAULT_GROUP);
        String flag = algorithm != null ? "--lb" : "--hash-key";
        if (group == null) {
            errors.add("isthmus: " + flag + " applies to the upstream group '" + DEFAULT_GROUP
                    + "', which neither --upstream nor the config file defines");
            return;
        }
        BalanceAlgorithm newAlgorithm = algorithm != null ? algorithm : group.lb();
        if (key != null && newAlgorithm != BalanceAlgorithm.CONSISTENT_HASH
                && !(newAlgorithm == BalanceAlgorithm.IP_HASH && key.equals(HashKey.CLIENT_IP))) {
            errors.add("isthmus: --hash-key: only --lb consistent-hash uses a hash key, and group '" + DEFAULT_GROUP
                    + "' uses " + newAlgorithm.configName());
            return;
        }
        // Switching away from consistent hashing drops its key: no other algorithm has one.
        HashKey newKey = key != null ? key
                : newAlgorithm == BalanceAlgorithm.CONSISTENT_HASH ? group.hashKey() : HashKey.CLIENT_IP;
        groups.put(DEFAULT_GROUP, group.withBalancing(newAlgorithm, newKey));
    }

    /** The flag's value, or null when the flag is absent or its value is reported as a mistake. */
    private static <T> T parse(String text, String flag, Function<String, T> parser, List<String> errors) {
        if (text == null) {
            return null;
        }
        try {
            return parser.apply(text.strip());
        } catch (IllegalArgumentException e) {
            errors.add("isthmus: " + flag + ": " + e.getMessage());
            return null;
        }
    }

    /** The values of a repeatable flag, or null when the flag is absent. */
    private static <T> List<T> parseEach(List<String> texts, String flag, Function<String, T> parser,
                                         List<String> errors) {
        if (texts == null) {
            return null;
        }
        List<T> values = new ArrayList<>();
        for (String text : texts) {
            T value = parse(text, flag, parser, errors);
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }
}
