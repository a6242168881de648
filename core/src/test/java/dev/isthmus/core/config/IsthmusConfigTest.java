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
                HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO, null);
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
        assertEquals(2, config.listenerCount());
        assertNull(config.source());
    }

    @Test
    void builtInOriginOnlyWithHttpAndNoGroups() {
        assertFalse(config(Map.of("api", API), List.of()).usesBuiltInOrigin());
        IsthmusConfig adminOnly = new IsthmusConfig(0, IoMode.AUTO, List.of(), IsthmusConfig.DEFAULT_ADMIN_LISTEN,
                Map.of(), List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO,
                null);
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
                BufferSettings.DEFAULT, Duration.ZERO, null));
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
                Map.of(), List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO,
                null));
        assertThrows(IllegalArgumentException.class, () -> new IsthmusConfig(0, IoMode.AUTO, List.of(http), http,
                Map.of(), List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO,
                null));
        assertEquals(3, new IsthmusConfig(0, IoMode.AUTO, List.of(ephemeral, ephemeral), ephemeral, Map.of(),
                List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO, null)
                .listenerCount());
    }

    @Test
    void ioAndSpliceThreshold() {
        assertThrows(NullPointerException.class, () -> new IsthmusConfig(0, null, List.of(), null, Map.of(),
                List.of(), HttpLimits.DEFAULT, 0, HttpTimeouts.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO, null));
        assertEquals("splice threshold must be >= 0 (0 = off): -1", assertThrows(IllegalArgumentException.class,
                () -> new IsthmusConfig(0, IoMode.NIO, List.of(), null, Map.of(), List.of(), HttpLimits.DEFAULT, -1,
                        HttpTimeouts.DEFAULT, BufferSettings.DEFAULT, Duration.ZERO, null)).getMessage());
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
        String defaults = IsthmusConfig.builtInDefault().summary();
        assertTrue(defaults.contains("origin: built-in demo origin"), defaults);
        assertTrue(defaults.contains("io: auto") && defaults.contains("splice threshold: 256k"), defaults);
        assertTrue(ConfigLoader.parse("http: { splice-threshold: off }\n", java.nio.file.Path.of("gw.yaml")).summary()
                .contains("splice threshold: off"));
    }
}
