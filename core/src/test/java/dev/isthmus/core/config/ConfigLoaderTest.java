package dev.isthmus.core.config;

import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.core.upstream.health.PassiveCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static final Path FILE = Path.of("isthmus.yaml");

    static final String FULL = """
            threads: 2
            io: uring
            shutdown-grace: 15s
            admin:
              listen: 127.0.0.1:9999
            buffers: { chunk-size: 32k, max-pool-per-loop: 128m }
            http:
              listen: [ "0.0.0.0:8080", ":8443", "[::1]:8081" ]
              limits: { max-header-size: 32k, max-uri-size: 4k, max-headers: 50, max-body-size: 1g }
              timeouts: { header-read: 5s, client-idle: 2m, body-read: 500ms, connect: 1s, response: 1h }
              splice-threshold: 1m
              routes:
                - { host: API.example.com, path: /v1/, upstream: api }
                - { host: "*.devices.example.com", upstream: devices }
                - { upstream: api }
            upstreams:
              api:
                lb: consistent-hash
                hash-key: header:X-Device-Id
                retries: 2
                peers:
                  - 10.0.0.1:8080
                  - { address: 10.0.0.2:8080, weight: 3 }
                  - "[fd00::1]:8080@2"
                keepalive: { max-idle-per-peer: 64, idle-timeout: 30s, max-connections-per-peer: 256 }
                health:
                  active: { type: http, path: /healthz, expect-status: 204, interval: 2s, timeout: 500ms, rise: 1, fall: 5 }
                  passive: { max-fails: 0, cool-down: 1m }
              devices:
                lb: least-conn
                peers: [ devices.internal:9000 ]
                health:
                  active: { type: tcp }
            mqtt:
              listen: [ ":1883", "[::1]:8883" ]
              upstreams: [ broker-a.internal:1883, "[fd00::7]:1884" ]
              max-packet-size: 256k
              receive-maximum: 100
              max-queued-messages: 5000
              connect-timeout: 5s
              max-keep-alive: 10m
              allow-anonymous: false
            """;

    @Test
    void fullFileMapsToTheExpectedModel() {
        IsthmusConfig config = ConfigLoader.parse(FULL, FILE);

        assertEquals(2, config.threads());
        assertEquals(IoMode.URING, config.io());
        assertEquals(1L << 20, config.spliceThreshold());
        assertEquals(Duration.ofSeconds(15), config.shutdownGrace());
        assertEquals(new ListenAddress("127.0.0.1", 9999), config.admin());
        assertEquals(new BufferSettings(32 * 1024, 128L << 20), config.buffers());
        assertEquals(List.of(new ListenAddress("0.0.0.0", 8080), new ListenAddress("0.0.0.0", 8443),
                new ListenAddress("::1", 8081)), config.httpListeners());
        assertEquals(new HttpLimits(32 * 1024, 4 * 1024, 50, 1L << 30), config.limits());
        assertEquals(new HttpTimeouts(Duration.ofSeconds(5), Duration.ofMinutes(2), Duration.ofMillis(500),
                Duration.ofSeconds(1), Duration.ofHours(1)), config.timeouts());
        assertEquals(List.of(
                new RouteConfig("api.example.com", "/v1/", "api"),
                new RouteConfig("*.devices.example.com", "/", "devices"),
                RouteConfig.catchAll("api")), config.routes());
        assertEquals(config.routes(), config.effectiveRoutes());

        assertEquals(List.of("api", "devices"), List.copyOf(config.upstreams().keySet()));
        UpstreamGroupConfig api = config.upstreams().get("api");
        assertEquals(new UpstreamGroupConfig("api",
                List.of(new PeerConfig("10.0.0.1", 8080, 1), new PeerConfig("10.0.0.2", 8080, 3),
                        new PeerConfig("fd00::1", 8080, 2)),
                BalanceAlgorithm.CONSISTENT_HASH, HashKey.parse("header:x-device-id"),
                new PoolSettings(64, Duration.ofSeconds(30), 256),
                new ActiveCheck(ActiveCheck.Kind.HTTP, "/healthz", 204, Duration.ofSeconds(2), Duration.ofMillis(500), 1, 5),
                new PassiveCheck(0, Duration.ofMinutes(1)), 2), api);
        UpstreamGroupConfig devices = config.upstreams().get("devices");
        assertEquals(new UpstreamGroupConfig("devices", List.of(PeerConfig.of("devices.internal", 9000)),
                BalanceAlgorithm.LEAST_CONN, HashKey.CLIENT_IP, PoolSettings.DEFAULT, ActiveCheck.tcp(),
                PassiveCheck.DEFAULT, UpstreamGroupConfig.DEFAULT_RETRIES), devices);

        assertEquals(new MqttConfig(List.of(new ListenAddress("0.0.0.0", 1883), new ListenAddress("::1", 8883)),
                List.of(new HostPort("broker-a.internal", 1883), new HostPort("fd00::7", 1884)), 256 * 1024, 100, 5000,
                Duration.ofSeconds(5), Duration.ofMinutes(10), null, false), config.mqtt());
        assertEquals(6, config.listenerCount());

        assertEquals(FILE, config.source());
        assertTrue(!config.usesBuiltInOrigin());
    }

    @Test
    void mqttBrokerWithEveryKey() {
        IsthmusConfig config = ConfigLoader.parse("""
                mqtt:
                  listen: 127.0.0.1:1883
                  max-packet-size: 64M
                  receive-maximum: 65535
                  max-queued-messages: 0
                  connect-timeout: 500ms
                  max-keep-alive: 65535s
                  persistence: data/mqtt
                  allow-anonymous: true
                  slow-subscriber-timeout: 750ms
                  sys-interval: 0s
                """, Path.of("conf/gw.yaml"));
        assertEquals(new MqttConfig(List.of(new ListenAddress("127.0.0.1", 1883)), List.of(), 64 << 20, 65535, 0,
                Duration.ofMillis(500), Duration.ofSeconds(65535), Path.of("conf/data/mqtt"), true,
                MqttProxyConfig.DEFAULT, Duration.ofMillis(750), Duration.ZERO, List.of()), config.mqtt());
        assertTrue(config.mqtt().usesEmbeddedBroker());
        assertEquals(List.of(), config.httpListeners());
        assertNull(config.admin());
        assertEquals(1, config.listenerCount());
    }

    @Test
    void mqttSectionWithoutListenHasNoListener() {
        assertEquals(MqttConfig.DEFAULT, ConfigLoader.parse("mqtt:\n", FILE).mqtt());
        MqttConfig settingsOnly = ConfigLoader.parse("mqtt: { max-packet-size: 4k }\n", FILE).mqtt();
        assertEquals(MqttConfig.DEFAULT.withMaxPacketBytes(4096), settingsOnly);
        assertEquals(0, ConfigLoader.parse("mqtt: { listen: [] }\n", FILE).listenerCount());
    }

    @Test
    void mqttSingleValuesAndEphemeralPorts() {
        IsthmusConfig config = ConfigLoader.parse("""
                http: { listen: "127.0.0.1:0" }
                admin: { listen: "127.0.0.1:0" }
                mqtt:
                  listen: [ "127.0.0.1:0", "127.0.0.1:0" ]
                  upstreams: broker:1883
                """, FILE);
        assertEquals(List.of(new ListenAddress("127.0.0.1", 0), new ListenAddress("127.0.0.1", 0)),
                config.mqtt().listeners());
        assertEquals(List.of(new HostPort("broker", 1883)), config.mqtt().upstreams());
        assertEquals(4, config.listenerCount());
        assertEquals(List.of(new ListenAddress("0.0.0.0", 1883)),
                ConfigLoader.parse("mqtt: { listen: 1883 }\n", FILE).mqtt().listeners());
    }

    @Test
    void mqttPersistenceIsRelativeToTheFilesDirectory(@TempDir Path dir) throws Exception {
        assertEquals(Path.of("sessions"),
                ConfigLoader.parse("mqtt: { persistence: sessions }\n", FILE).mqtt().persistence());
        assertEquals(Path.of("/var/lib/isthmus/mqtt"), ConfigLoader.parse(
                "mqtt: { persistence: /var/lib/isthmus/mqtt }\n", Path.of("conf/gw.yaml")).mqtt().persistence());
        assertEquals(Path.of("state"), ConfigLoader.parse("mqtt: { persistence: ../state }\n",
                Path.of("conf/gw.yaml")).mqtt().persistence());
        Path file = dir.resolve("gw.yaml");
        Files.createDirectory(dir.resolve("existing"));
        Files.writeString(file, "mqtt:\n  listen: :0\n  persistence: existing\n");
        assertEquals(dir.resolve("existing"), ConfigLoader.load(file).mqtt().persistence());
    }

    @Test
    void mqttBooleansAndKeepAlives() {
        for (String yes : new String[] {"true", "True", "TRUE", "\"true\""}) {
            assertTrue(ConfigLoader.parse("mqtt: { allow-anonymous: " + yes + " }\n", FILE).mqtt().allowAnonymous(),
                    yes);
        }
        for (String no : new String[] {"false", "False", "FALSE", "'false'"}) {
            assertTrue(!ConfigLoader.parse("mqtt: { allow-anonymous: " + no + " }\n", FILE).mqtt().allowAnonymous(),
                    no);
        }
        for (String[] keepAlive : new String[][] {{"0s", "0"}, {"0ms", "0"}, {"1s", "1"}, {"90m", "5400"},
                {"18h", "64800"}, {"65535s", "65535"}}) {
            assertEquals(Duration.ofSeconds(Long.parseLong(keepAlive[1])),
                    ConfigLoader.parse("mqtt: { max-keep-alive: " + keepAlive[0] + " }\n", FILE).mqtt().maxKeepAlive(),
                    keepAlive[0]);
        }
    }

    @Test
    void emptyFileHasDefaultsAndNoListeners() {
        IsthmusConfig config = ConfigLoader.parse("", FILE);
        IsthmusConfig builtIn = IsthmusConfig.builtInDefault();
        assertEquals(0, config.threads());
        assertEquals(List.of(), config.httpListeners());
        assertNull(config.admin());
        assertEquals(0, config.listenerCount());
        assertEquals(builtIn.limits(), config.limits());
        assertEquals(builtIn.timeouts(), config.timeouts());
        assertEquals(builtIn.buffers(), config.buffers());
        assertEquals(builtIn.shutdownGrace(), config.shutdownGrace());
        assertEquals(IoMode.AUTO, config.io());
        assertEquals(IsthmusConfig.DEFAULT_SPLICE_THRESHOLD, config.spliceThreshold());
        assertEquals(MqttConfig.DEFAULT, config.mqtt());
        assertEquals(FILE, config.source());
    }

    @Test
    void commentOnlyFileIsEmpty() {
        assertEquals(0, ConfigLoader.parse("# nothing yet\n", FILE).listenerCount());
    }

    @Test
    void defaultsOfEverySection() {
        IsthmusConfig config = ConfigLoader.parse("""
                admin:
                http:
                  listen: 8080
                upstreams:
                  web:
                    peers: [ "web:80" ]
                    health:
                      active: {}
                """, FILE);
        assertEquals(IsthmusConfig.DEFAULT_ADMIN_LISTEN, config.admin());
        assertEquals(List.of(IsthmusConfig.DEFAULT_HTTP_LISTEN), config.httpListeners());
        assertEquals(HttpLimits.DEFAULT, config.limits());
        assertEquals(HttpTimeouts.DEFAULT, config.timeouts());
        assertEquals(BufferSettings.DEFAULT, config.buffers());
        assertEquals(IsthmusConfig.DEFAULT_SHUTDOWN_GRACE, config.shutdownGrace());
        UpstreamGroupConfig web = config.upstreams().get("web");
        assertEquals(UpstreamGroupConfig.DEFAULT_LB, web.lb());
        assertEquals(HashKey.CLIENT_IP, web.hashKey());
        assertEquals(UpstreamGroupConfig.DEFAULT_RETRIES, web.retries());
        assertEquals(PoolSettings.DEFAULT, web.pool());
        assertEquals(PassiveCheck.DEFAULT, web.passive());
        assertEquals(ActiveCheck.tcp(), web.activeCheck());
    }

    @Test
    void httpCheckPathDefaultsToRoot() {
        IsthmusConfig config = ConfigLoader.parse("""
                upstreams:
                  web:
                    peers: [ "web:80" ]
                    health: { active: { type: http } }
                """, FILE);
        assertEquals(ActiveCheck.http("/"), config.upstreams().get("web").activeCheck());
    }

    @Test
    void noActiveCheckUnlessWritten() {
        IsthmusConfig config = ConfigLoader.parse("upstreams: { web: { peers: [ 'web:80' ] } }", FILE);
        assertNull(config.upstreams().get("web").activeCheck());
    }

    @Test
    void groupsWithoutRoutesSendEverythingToTheFirstGroup() {
        IsthmusConfig config = ConfigLoader.parse("""
                http: { listen: ":0" }
                upstreams:
                  second: { peers: [ "b:80" ] }
                  first: { peers: [ "a:80" ] }
                """, FILE);
        assertEquals(List.of(), config.routes());
        assertEquals(List.of(RouteConfig.catchAll("second")), config.effectiveRoutes());
        assertTrue(!config.usesBuiltInOrigin());
    }

    @Test
    void httpWithoutUpstreamsUsesTheBuiltInOrigin() {
        IsthmusConfig config = ConfigLoader.parse("http: { listen: \":0\" }", FILE);
        assertTrue(config.usesBuiltInOrigin());
        assertEquals(List.of(), config.effectiveRoutes());
    }

    @Test
    void singleListenStringAndStarHost() {
        IsthmusConfig config = ConfigLoader.parse("http:\n  listen: \"*:8080\"\n", FILE);
        assertEquals(List.of(new ListenAddress("0.0.0.0", 8080)), config.httpListeners());
    }

    @Test
    void ephemeralPortsMayRepeat() {
        IsthmusConfig config = ConfigLoader.parse("http: { listen: [ \"127.0.0.1:0\", \"127.0.0.1:0\" ] }", FILE);
        assertEquals(2, config.httpListeners().size());
    }

    @Test
    void hostStarIsAnyHost() {
        IsthmusConfig config = ConfigLoader.parse("""
                http: { routes: [ { host: "*", upstream: a } ] }
                upstreams: { a: { peers: [ "a:80" ] } }
                """, FILE);
        assertEquals(List.of(RouteConfig.catchAll("a")), config.routes());
    }

    @Test
    void quotedAndPlainNumbersMeanTheSame() {
        IsthmusConfig config = ConfigLoader.parse("threads: \"3\"\nhttp: { listen: 8080 }\n", FILE);
        assertEquals(3, config.threads());
        assertEquals(List.of(IsthmusConfig.DEFAULT_HTTP_LISTEN), config.httpListeners());
    }

    @Test
    void ioModes() {
        for (IoMode mode : IoMode.values()) {
            assertEquals(mode, ConfigLoader.parse("io: " + mode.configName() + "\n", FILE).io());
        }
        assertEquals(IoMode.NIO, ConfigLoader.parse("io: \"nio\"\n", FILE).io());
    }

    @Test
    void spliceThresholdIsASizeOrOff() {
        for (String[] written : new String[][] {{"0", "0"}, {"off", "0"}, {"\"off\"", "0"}, {"OFF", "0"},
                {"1", "1"}, {"64k", "65536"}, {"4M", "4194304"}, {"1g", "1073741824"}}) {
            assertEquals(Long.parseLong(written[1]),
                    ConfigLoader.parse("http:\n  splice-threshold: " + written[0] + "\n", FILE).spliceThreshold(),
                    written[0]);
        }
    }

    @Test
    void ipHashAcceptsTheClientIpKey() {
        IsthmusConfig config = ConfigLoader.parse("""
                upstreams: { a: { lb: ip-hash, hash-key: client-ip, peers: [ "a:80" ] } }
                """, FILE);
        assertEquals(BalanceAlgorithm.IP_HASH, config.upstreams().get("a").lb());
    }

    @Test
    void aliasesAreFollowed() {
        IsthmusConfig config = ConfigLoader.parse("""
                upstreams:
                  a: { peers: &shared [ "a:80", "b:80" ] }
                  b: { peers: *shared, lb: round-robin }
                """, FILE);
        assertEquals(config.upstreams().get("a").peers(), config.upstreams().get("b").peers());
    }

    @Test
    void loadReadsAFileAndRecordsItsPath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gw.yaml");
        Files.writeString(file, FULL);
        IsthmusConfig config = ConfigLoader.load(file);
        assertEquals(file, config.source());
        assertEquals(ConfigLoader.parse(FULL, file), config);
    }

    @Test
    void loadReportsAMissingFile(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
        assertEquals(List.of(new ConfigProblem(missing, 0, "no such file")), e.problems());
        assertEquals(missing + ": no such file", e.getMessage());
    }

    @Test
    void loadReportsADirectory(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir));
        assertEquals(List.of(new ConfigProblem(dir, 0, "is a directory, not a file")), e.problems());
    }

    @Test
    void loadReportsBytesThatAreNotUtf8(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'t', 'h', 'r', 'e', 'a', 'd', 's', ':', ' ', (byte) 0xE9, '\n'});
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(List.of(new ConfigProblem(file, 0, "not UTF-8 text")), e.problems());
    }

    @Test
    void mqttProxySettings() {
        IsthmusConfig config = ConfigLoader.parse("""
                mqtt:
                  listen: ":1883"
                  upstreams: [ a:1883, b:1884 ]
                  balance: round-robin
                  upstream-connect-timeout: 1500ms
                  idle-timeout: 5m
                  proxy-protocol: v2
                  health:
                    active: { interval: 2s, timeout: 500ms, rise: 1, fall: 2 }
                    passive: { max-fails: 2, cool-down: 30s }
                  rules:
                    publish: { allow: [ "devices/%c/#" ], deny: [ "devices/%c/config" ] }
                    subscribe: [ "devices/%c/#", "broadcast/#" ]
                  rate-limit: { rate: 0.5 }
                  splice: false
                """, FILE);
        MqttProxyConfig proxy = config.mqtt().proxy();
        assertEquals(BalanceAlgorithm.ROUND_ROBIN, proxy.balance());
        assertEquals(Duration.ofMillis(1500), proxy.upstreamConnectTimeout());
        assertEquals(Duration.ofMinutes(5), proxy.idleTimeout());
        assertTrue(proxy.proxyProtocol());
        assertEquals(ActiveCheck.Kind.TCP, proxy.activeCheck().kind());
        assertEquals(2, proxy.activeCheck().fall());
        assertEquals(new PassiveCheck(2, Duration.ofSeconds(30)),
                proxy.passive());
        assertEquals(List.of("devices/%c/#"), proxy.publishAllow());
        assertEquals(List.of("devices/%c/config"), proxy.publishDeny());
        assertEquals(List.of("devices/%c/#", "broadcast/#"), proxy.subscribeAllow());
        assertEquals(List.of(), proxy.subscribeDeny());
        assertEquals(0.5, proxy.publishRate());
        assertEquals(1, proxy.publishBurst());
        assertTrue(!proxy.splice());
        assertTrue(proxy.inspects());

        IsthmusConfig plain = ConfigLoader.parse("mqtt: { listen: \":1883\", upstreams: a:1883 }\n", FILE);
        assertEquals(MqttProxyConfig.DEFAULT, plain.mqtt().proxy());
        assertTrue(!plain.mqtt().proxy().inspects());
    }
}
