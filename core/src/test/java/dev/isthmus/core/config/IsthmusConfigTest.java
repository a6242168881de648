package dev.isthmus.core.config;

import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model's own invariants, which hold for configurations built in code too. */
class IsthmusConfigTest {
    private static final UpstreamGroupConfig API = UpstreamGroupConfig.of("api", List.of(PeerConfig.of("a", 80)));

    private static IsthmusConfig config(Map<String, UpstreamGroupConfig> groups, List<RouteConfig> routes) {
        return new IsthmusConfig(0, IoMode.AUTO, List.of(ListenAddress.parse(":0")), null, groups, routes,
                HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, MqttConfig.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO,
                null);
    }

    @Test
    void builtInDefault() {
        IsthmusConfig config = IsthmusConfig.builtInDefault();
        assertEquals(0, config.threads());
        assertEquals(List.of(new ListenAddress("0.0.0.0", 8080)), config.httpListeners());
        assertEquals(new ListenAddress("127.0.0.1", 9901), config.admin());
        assertTrue(config.upstreams().isEmpty());
        assertTrue(config.routes().isEmpty());
        assertTrue(config.usesBuiltInOrigin());
        assertEquals(HttpLimits.DEFAULT, config.limits());
        assertEquals(new HttpLimits(16384, 8192, 100, 64L << 20), config.limits());
        assertEquals(new HttpTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30),
                Duration.ofSeconds(3), Duration.ofSeconds(60)), config.timeouts());
        assertEquals(new BufferSettings(16384, 64L << 20), config.buffers());
        assertEquals(IoMode.AUTO, config.io());
        assertEquals(256 * 1024, config.spliceThreshold());
        assertEquals(MqttConfig.DEFAULT.withListeners(List.of(new ListenAddress("0.0.0.0", 1883))), config.mqtt());
        assertTrue(config.mqtt().usesEmbeddedBroker());
        assertEquals(4, config.listenerCount());
        assertEquals(CoapConfig.DEFAULT.withListeners(List.of(new ListenAddress("0.0.0.0", 5683))), config.coap());
        assertEquals("/ps", config.coap().pubsubPrefix());
        assertNull(config.source());
    }

    @Test
    void mqttDefaults() {
        MqttConfig d = MqttConfig.DEFAULT;
        assertEquals(List.of(), d.listeners());
        assertEquals(List.of(), d.upstreams());
        assertFalse(d.usesEmbeddedBroker());
        assertEquals(1 << 20, d.maxPacketBytes());
        assertEquals(32, d.receiveMaximum());
        assertEquals(1000, d.maxQueuedMessages());
        assertEquals(Duration.ofSeconds(10), d.connectTimeout());
        assertEquals(Duration.ZERO, d.maxKeepAlive());
        assertNull(d.persistence());
        assertTrue(d.allowAnonymous());
        assertEquals(new ListenAddress("0.0.0.0", 1883), MqttConfig.DEFAULT_LISTEN);
    }

    private static MqttConfig mqtt(List<ListenAddress> listeners, List<HostPort> upstreams, int maxPacketBytes,
                                   int receiveMaximum, int maxQueued, Duration connectTimeout, Duration maxKeepAlive,
                                   java.nio.file.Path persistence) {
        return new MqttConfig(listeners, upstreams, maxPacketBytes, receiveMaximum, maxQueued, connectTimeout,
                maxKeepAlive, persistence, true);
    }

    private static String mqttMistake(List<ListenAddress> listeners, List<HostPort> upstreams, int maxPacketBytes,
                                      int receiveMaximum, int maxQueued, Duration connectTimeout, Duration maxKeepAlive,
                                      java.nio.file.Path persistence) {
        return assertThrows(IllegalArgumentException.class, () -> mqtt(listeners, upstreams, maxPacketBytes,
                receiveMaximum, maxQueued, connectTimeout, maxKeepAlive, persistence)).getMessage();
    }

    @Test
    void mqttRules() {
        List<ListenAddress> one = List.of(MqttConfig.DEFAULT_LISTEN);
        Duration ten = Duration.ofSeconds(10);
        // The bounds themselves are accepted.
        MqttConfig widest = mqtt(one, List.of(), 268_435_455, 65_535, 1_000_000, Duration.ofMillis(1),
                Duration.ofSeconds(65_535), java.nio.file.Path.of("data"));
        assertEquals(268_435_455, widest.maxPacketBytes());
        assertEquals(2, mqtt(one, List.of(), 2, 1, 0, ten, Duration.ofSeconds(1), null).maxPacketBytes());

        assertEquals("MQTT max packet size must be 2..268435455 bytes: 1",
                mqttMistake(one, List.of(), 1, 32, 1000, ten, Duration.ZERO, null));
        assertEquals("MQTT max packet size must be 2..268435455 bytes: 268435456",
                mqttMistake(one, List.of(), 268_435_456, 32, 1000, ten, Duration.ZERO, null));
        assertEquals("MQTT receive maximum must be 1..65535: 0",
                mqttMistake(one, List.of(), 1024, 0, 1000, ten, Duration.ZERO, null));
        assertEquals("MQTT receive maximum must be 1..65535: 65536",
                mqttMistake(one, List.of(), 1024, 65_536, 1000, ten, Duration.ZERO, null));
        assertEquals("MQTT max queued messages must be 0..1000000 (0 = none): -1",
                mqttMistake(one, List.of(), 1024, 32, -1, ten, Duration.ZERO, null));
        assertEquals("MQTT connect timeout must be positive: PT0S",
                mqttMistake(one, List.of(), 1024, 32, 1000, Duration.ZERO, Duration.ZERO, null));
        for (Duration keepAlive
                : List.of(Duration.ofSeconds(-1), Duration.ofMillis(1500), Duration.ofSeconds(65_536))) {
            assertTrue(mqttMistake(one, List.of(), 1024, 32, 1000, ten, keepAlive, null)
                    .startsWith("MQTT max keep alive must be whole seconds, 0s..65535s"), keepAlive.toString());
        }
        assertThrows(NullPointerException.class, () -> mqtt(one, List.of(), 1024, 32, 1000, null, Duration.ZERO, null));
        assertThrows(NullPointerException.class, () -> mqtt(one, List.of(), 1024, 32, 1000, ten, null, null));
        assertTrue(mqttMistake(one, List.of(), 1024, 32, 1000, ten, Duration.ZERO, java.nio.file.Path.of(""))
                .startsWith("MQTT persistence directory must not be empty"));
    }

    @Test
    void mqttListenersAndUpstreams() {
        ListenAddress mqtt = ListenAddress.parse(":1883");
        ListenAddress ephemeral = ListenAddress.parse("127.0.0.1:0");
        HostPort broker = MqttConfig.parseUpstream("broker:1883");
        MqttConfig d = MqttConfig.DEFAULT;
        assertEquals("MQTT listen address 0.0.0.0:1883 is given twice", assertThrows(IllegalArgumentException.class,
                () -> d.withListeners(List.of(mqtt, ListenAddress.parse("*:1883")))).getMessage());
        assertEquals(2, d.withListeners(List.of(ephemeral, ephemeral)).listeners().size());
        assertEquals("MQTT upstreams are given but no MQTT listener",
                assertThrows(IllegalArgumentException.class, () -> d.withUpstreams(List.of(broker))).getMessage());
        MqttConfig proxy = d.withListeners(List.of(mqtt)).withUpstreams(List.of(broker));
        assertFalse(proxy.usesEmbeddedBroker());
        assertEquals(List.of(new HostPort("broker", 1883)), proxy.upstreams());
        assertEquals("MQTT upstream broker:1883 is given twice", assertThrows(IllegalArgumentException.class,
                () -> proxy.withUpstreams(List.of(broker, new HostPort("broker", 1883)))).getMessage());
        assertEquals("MQTT upstream :1883 needs a host", assertThrows(IllegalArgumentException.class,
                () -> proxy.withUpstreams(List.of(new HostPort(null, 1883)))).getMessage());
        assertEquals("MQTT upstream broker:0: port 0 cannot be connected to", assertThrows(
                IllegalArgumentException.class, () -> proxy.withUpstreams(List.of(new HostPort("broker", 0))))
                .getMessage());
        assertEquals("MQTT persistence is only used by the embedded broker, and upstreams are given",
                assertThrows(IllegalArgumentException.class, () -> new MqttConfig(List.of(mqtt), List.of(broker),
                        1024, 32, 1000, Duration.ofSeconds(1), Duration.ZERO, java.nio.file.Path.of("data"), true))
                        .getMessage());
        assertEquals(4096, proxy.withMaxPacketBytes(4096).maxPacketBytes());
        assertThrows(UnsupportedOperationException.class, () -> proxy.upstreams().clear());
    }

    private static IsthmusConfig withMqtt(List<ListenAddress> http, ListenAddress admin, List<ListenAddress> mqtt) {
        return new IsthmusConfig(0, IoMode.AUTO, http, admin, Map.of(), List.of(), HttpLimits.DEFAULT, 0,
                HttpTimeouts.DEFAULT, MqttConfig.DEFAULT.withListeners(mqtt), BufferSettings.DEFAULT, Duration.ZERO,
                null);
    }

    @Test
    void mqttListenersMustNotClashWithHttpOrAdmin() {
        ListenAddress shared = ListenAddress.parse("127.0.0.1:8080");
        ListenAddress ephemeral = ListenAddress.parse("127.0.0.1:0");
        assertEquals("MQTT listen address 127.0.0.1:8080 is also an HTTP listener",
                assertThrows(IllegalArgumentException.class,
                        () -> withMqtt(List.of(shared), null, List.of(shared))).getMessage());
        assertEquals("MQTT listen address 127.0.0.1:8080 is also the admin listener",
                assertThrows(IllegalArgumentException.class,
                        () -> withMqtt(List.of(), shared, List.of(shared))).getMessage());
        IsthmusConfig allEphemeral = withMqtt(List.of(ephemeral), ephemeral, List.of(ephemeral, ephemeral));
        assertEquals(4, allEphemeral.listenerCount());
        IsthmusConfig mqttOnly = withMqtt(List.of(), null, List.of(MqttConfig.DEFAULT_LISTEN));
        assertEquals(1, mqttOnly.listenerCount());
        assertFalse(mqttOnly.usesBuiltInOrigin());
        assertThrows(NullPointerException.class, () -> new IsthmusConfig(0, IoMode.AUTO, List.of(), null, Map.of(),
                List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, null, BufferSettings.DEFAULT, Duration.ZERO,
                null));
    }

    @Test
    void builtInOriginOnlyWithHttpAndNoGroups() {
        assertFalse(config(Map.of("api", API), List.of()).usesBuiltInOrigin());
        IsthmusConfig adminOnly = new IsthmusConfig(0, IoMode.AUTO, List.of(), IsthmusConfig.DEFAULT_ADMIN_LISTEN,
                Map.of(), List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, MqttConfig.DEFAULT,
                BufferSettings.DEFAULT, Duration.ZERO, null);
        assertFalse(adminOnly.usesBuiltInOrigin());
    }

    @Test
    void groupsKeepTheirOrder() {
        Map<String, UpstreamGroupConfig> groups = new LinkedHashMap<>();
        for (String name : List.of("zeta", "alpha", "mid")) {
            groups.put(name, UpstreamGroupConfig.of(name, List.of(PeerConfig.of(name, 80))));
        }
        IsthmusConfig config = config(groups, List.of());
        assertEquals(List.of("zeta", "alpha", "mid"), List.copyOf(config.upstreams().keySet()));
        assertEquals(List.of(RouteConfig.catchAll("zeta")), config.effectiveRoutes());
        assertThrows(UnsupportedOperationException.class, () -> config.upstreams().remove("zeta"));
    }

    @Test
    void routesMustGoToDefinedGroups() {
        assertEquals("route *" + "/ -> web goes to undefined upstream group 'web'",
                assertThrows(IllegalArgumentException.class,
                        () -> config(Map.of("api", API), List.of(RouteConfig.catchAll("web")))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> config(Map.of(), List.of(RouteConfig.catchAll("api"))));
    }

    @Test
    void routesMustNotMatchTheSameRequests() {
        List<RouteConfig> routes = List.of(new RouteConfig("Api.Example.com", "/v1/", "api"),
                new RouteConfig("api.example.com", "/v1/", "api"));
        assertThrows(IllegalArgumentException.class, () -> config(Map.of("api", API), routes));
        assertTrue(routes.get(0).sameMatchAs(routes.get(1)));
    }

    @Test
    void headMustFitInAChunk() {
        assertThrows(IllegalArgumentException.class, () -> new IsthmusConfig(0, IoMode.AUTO, List.of(), null,
                Map.of(), List.of(), new HttpLimits(32 * 1024, 8192, 100, 0), 0, HttpTimeouts.DEFAULT,
                MqttConfig.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO, null));
    }

    @Test
    void groupRules() {
        assertThrows(IllegalArgumentException.class, () -> UpstreamGroupConfig.of("api", List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> API.withBalancing(BalanceAlgorithm.ROUND_ROBIN, HashKey.parse("path")));
        assertThrows(IllegalArgumentException.class,
                () -> API.withBalancing(BalanceAlgorithm.IP_HASH, HashKey.parse("uri")));
        assertEquals(HashKey.parse("path"),
                API.withBalancing(BalanceAlgorithm.CONSISTENT_HASH, HashKey.parse("path")).hashKey());
        assertEquals(List.of(PeerConfig.of("b", 81)), API.withPeers(List.of(PeerConfig.of("b", 81))).peers());
    }

    @Test
    void listenAddressesMustDiffer() {
        ListenAddress http = ListenAddress.parse(":8080");
        ListenAddress ephemeral = ListenAddress.parse("127.0.0.1:0");
        assertThrows(IllegalArgumentException.class, () -> new IsthmusConfig(0, IoMode.AUTO, List.of(http, http), null,
                Map.of(), List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, MqttConfig.DEFAULT,
                BufferSettings.DEFAULT, Duration.ZERO, null));
        assertThrows(IllegalArgumentException.class, () -> new IsthmusConfig(0, IoMode.AUTO, List.of(http), http,
                Map.of(), List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, MqttConfig.DEFAULT,
                BufferSettings.DEFAULT, Duration.ZERO, null));
        assertEquals(3, new IsthmusConfig(0, IoMode.AUTO, List.of(ephemeral, ephemeral), ephemeral, Map.of(),
                List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, MqttConfig.DEFAULT, BufferSettings.DEFAULT,
                Duration.ZERO, null).listenerCount());
    }

    @Test
    void ioAndSpliceThreshold() {
        assertThrows(NullPointerException.class, () -> new IsthmusConfig(0, null, List.of(), null, Map.of(),
                List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, MqttConfig.DEFAULT, BufferSettings.DEFAULT,
                Duration.ZERO, null));
        assertEquals("splice threshold must be >= 0 (0 = off): -1", assertThrows(IllegalArgumentException.class,
                () -> new IsthmusConfig(0, IoMode.NIO, List.of(), null, Map.of(), List.of(), HttpLimits.DEFAULT, -1,
                        HttpTimeouts.DEFAULT, MqttConfig.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO, null))
                .getMessage());
        assertEquals(List.of(IoMode.NIO, IoMode.URING, IoMode.AUTO),
                List.of(IoMode.fromName("nio"), IoMode.fromName("uring"), IoMode.fromName("auto")));
        assertEquals("unknown I/O mode 'epoll', expected one of nio, uring, auto",
                assertThrows(IllegalArgumentException.class, () -> IoMode.fromName("epoll")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> IoMode.fromName("NIO"));
    }

    @Test
    void groupFiledUnderAnotherName() {
        assertThrows(IllegalArgumentException.class, () -> config(Map.of("web", API), List.of()));
    }

    @Test
    void routeHosts() {
        assertEquals("*.devices.example.com", new RouteConfig("*.Devices.example.com", "/", "d").host());
        for (String bad : new String[] {"", "*", "*.", "a.*.com", "host:80", "a/b", ".example.com", "ex ample.com"}) {
            assertThrows(IllegalArgumentException.class, () -> new RouteConfig(bad, "/", "d"), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new RouteConfig(null, "v1", "d"));
        assertTrue(RouteConfig.catchAll("d").isCatchAll());
        assertFalse(new RouteConfig(null, "/v1/", "d").isCatchAll());
        assertEquals("api.example.com/v1/ -> api", new RouteConfig("api.example.com", "/v1/", "api").toString());
    }

    @Test
    void limitsTimeoutsAndBuffers() {
        assertThrows(IllegalArgumentException.class, () -> new HttpLimits(0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new HttpLimits(1, 1, 1, -1));
        assertEquals(0, HttpLimits.DEFAULT.withMaxBodyBytes(0).maxBodyBytes());
        assertThrows(IllegalArgumentException.class, () -> new HttpTimeouts(Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new BufferSettings(3000, 1L << 20));
        assertThrows(IllegalArgumentException.class, () -> new BufferSettings(2048, 1L << 20));
        assertThrows(IllegalArgumentException.class, () -> new BufferSettings(2 << 20, 4L << 20));
        assertThrows(IllegalArgumentException.class, () -> new BufferSettings(64 * 1024, 16 * 1024));
        assertEquals(4096, new BufferSettings(4096, 4096).chunkBytes());
    }

    @Test
    void summaryNamesTheEssentials() {
        IsthmusConfig config = ConfigLoader.parse(ConfigLoaderTest.FULL, java.nio.file.Path.of("gw.yaml"));
        String summary = config.summary();
        for (String expected : new String[] {"source: gw.yaml", "threads: 2", "http listen: 0.0.0.0:8080, 0.0.0.0:8443, [::1]:8081",
                "admin listen: 127.0.0.1:9999", "upstream api: consistent-hash on header:x-device-id, peers "
                + "10.0.0.1:8080, 10.0.0.2:8080@3, [fd00::1]:8080@2", "route *.devices.example.com/ -> devices",
                "body 1g", "shutdown grace: 15s", "io: uring", "splice threshold: 1m"}) {
            assertTrue(summary.contains(expected), () -> expected + " not in\n" + summary);
        }
        assertTrue(summary.contains("mqtt listen: 0.0.0.0:1883, [::1]:8883 (proxy to broker-a.internal:1883, "
                + "[fd00::7]:1884)"), summary);
        assertTrue(summary.contains("mqtt limits: packet 256k, receive-maximum 100, queued 5000, connect-timeout 5s, "
                + "max-keep-alive 10m, anonymous refused"), summary);
        assertFalse(summary.contains("mqtt persistence"), summary);
        String defaults = IsthmusConfig.builtInDefault().summary();
        assertTrue(defaults.contains("origin: built-in demo origin"), defaults);
        assertTrue(defaults.contains("\nmqtt listen: 0.0.0.0:1883 (broker)\n"), defaults);
        assertTrue(defaults.contains("\nmqtt limits: packet 1m, receive-maximum 32, queued 1000, connect-timeout 10s, "
                + "max-keep-alive as the client asks, anonymous allowed\n"), defaults);
        assertTrue(defaults.contains("\nmqtt persistence: in memory\n"), defaults);
        String noMqtt = ConfigLoader.parse("http: { listen: \":0\" }\n", java.nio.file.Path.of("gw.yaml")).summary();
        assertTrue(noMqtt.contains("\nmqtt listen: none\n") && !noMqtt.contains("mqtt limits"), noMqtt);
        String stored = ConfigLoader.parse("mqtt: { listen: \":0\", persistence: /var/lib/isthmus }\n",
                java.nio.file.Path.of("gw.yaml")).summary();
        assertTrue(stored.contains("\nmqtt persistence: /var/lib/isthmus\n"), stored);
        assertTrue(defaults.contains("io: auto") && defaults.contains("splice threshold: 256k"), defaults);
        assertTrue(ConfigLoader.parse("http: { splice-threshold: off }\n", java.nio.file.Path.of("gw.yaml")).summary()
                .contains("splice threshold: off"));
    }
}
