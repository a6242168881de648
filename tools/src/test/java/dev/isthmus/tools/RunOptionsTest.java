package dev.isthmus.tools;

import dev.isthmus.core.config.HostPort;
import dev.isthmus.core.config.HttpLimits;
import dev.isthmus.core.config.IoMode;
import dev.isthmus.core.config.IsthmusConfig;
import dev.isthmus.core.config.ListenAddress;
import dev.isthmus.core.config.MqttConfig;
import dev.isthmus.core.config.PeerConfig;
import dev.isthmus.core.config.RouteConfig;
import dev.isthmus.core.config.UpstreamGroupConfig;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.ActiveCheck;
import dev.isthmus.protocol.http1.HttpProxySettings;
import dev.isthmus.protocol.mqtt.MqttProxySettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How flags and file merge into the configuration that runs. */
class RunOptionsTest {
    @TempDir
    Path dir;

    private static IsthmusConfig effective(String... args) throws InvalidOptionsException {
        return CommandLine.populateCommand(new RunOptions(), args).effectiveConfig();
    }

    private static List<String> mistakes(String... args) {
        return assertThrows(InvalidOptionsException.class, () -> effective(args)).messages();
    }

    private String file(String yaml) throws IOException {
        Path file = dir.resolve("isthmus.yaml");
        Files.writeString(file, yaml);
        return file.toString();
    }

    // ---- listeners ---------------------------------------------------------------------------

    @Test
    void noFileAndNoListenerFlagRunsTheBuiltInDefault() throws Exception {
        assertEquals(IsthmusConfig.builtInDefault(), effective());
        assertTrue(CommandLine.populateCommand(new RunOptions()).usesDefaultListeners());
    }

    @Test
    void otherFlagsKeepTheDefaultListeners() throws Exception {
        IsthmusConfig config = effective("--threads", "2", "--upstream", "a:80", "--mqtt-max-packet-size", "64k");
        assertEquals(List.of(IsthmusConfig.DEFAULT_HTTP_LISTEN), config.httpListeners());
        assertEquals(IsthmusConfig.DEFAULT_ADMIN_LISTEN, config.admin());
        assertEquals(List.of(MqttConfig.DEFAULT_LISTEN), config.mqtt().listeners());
        assertEquals(64 * 1024, config.mqtt().maxPacketBytes());
    }

    @Test
    void listenAloneMeansNoAdminListener() throws Exception {
        IsthmusConfig config = effective("--listen", "127.0.0.1:0");
        assertEquals(List.of(new ListenAddress("127.0.0.1", 0)), config.httpListeners());
        assertNull(config.admin());
        assertTrue(config.usesBuiltInOrigin());
        assertTrue(!CommandLine.populateCommand(new RunOptions(), "--listen", ":0").usesDefaultListeners());
    }

    @Test
    void adminAloneMeansNoHttpListener() throws Exception {
        IsthmusConfig config = effective("--admin", "127.0.0.1:0");
        assertEquals(List.of(), config.httpListeners());
        assertEquals(new ListenAddress("127.0.0.1", 0), config.admin());
    }

    @Test
    void listenIsRepeatable() throws Exception {
        IsthmusConfig config = effective("--listen", ":8080", "--listen", "[::1]:8081");
        assertEquals(List.of(new ListenAddress("0.0.0.0", 8080), new ListenAddress("::1", 8081)), config.httpListeners());
    }

    @Test
    void fileListenersRunWhenNoListenerFlagIsGiven() throws Exception {
        IsthmusConfig config = effective("--config", file("""
                http: { listen: [ ":9080" ] }
                admin: { listen: "127.0.0.1:9902" }
                """));
        assertEquals(List.of(new ListenAddress("0.0.0.0", 9080)), config.httpListeners());
        assertEquals(new ListenAddress("127.0.0.1", 9902), config.admin());
    }

    @Test
    void sameListenerTwiceIsRefused() {
        assertEquals(List.of("isthmus: listen address 0.0.0.0:8080 is given twice"),
                mistakes("--listen", ":8080", "--listen", "*:8080"));
        assertEquals(List.of("isthmus: listen address 127.0.0.1:9000 is given twice"),
                mistakes("--listen", "127.0.0.1:9000", "--admin", "127.0.0.1:9000"));
    }

    @Test
    void fileWithoutAdminHasNoAdminListener() throws Exception {
        IsthmusConfig config = effective("--config", file("http: { listen: [ \":9080\" ] }\n"));
        assertNull(config.admin());
    }

    @Test
    void listenFlagReplacesTheFilesHttpListenersOnly() throws Exception {
        IsthmusConfig config = effective("--config", file("""
                http: { listen: [ ":9080", ":9081" ] }
                admin: { listen: "127.0.0.1:9902" }
                """), "--listen", "127.0.0.1:0");
        assertEquals(List.of(new ListenAddress("127.0.0.1", 0)), config.httpListeners());
        assertEquals(new ListenAddress("127.0.0.1", 9902), config.admin());
    }

    @Test
    void adminFlagReplacesTheFilesAdminListenerOnly() throws Exception {
        IsthmusConfig config = effective("--config", file("http: { listen: \":9080\" }\n"), "--admin", "[::1]:0");
        assertEquals(List.of(new ListenAddress("0.0.0.0", 9080)), config.httpListeners());
        assertEquals(new ListenAddress("::1", 0), config.admin());
    }

    @Test
    void fileAndFlagsWithNoListenerAtAllAreRefused() throws IOException {
        assertEquals(List.of("isthmus: nothing to listen on: give --listen, --mqtt-listen, --coap-listen or --admin, or http.listen, "
                + "mqtt.listen, coap.listen or admin in the config file"), mistakes("--config", file("threads: 1\n")));
        assertEquals(List.of("isthmus: nothing to listen on: give --listen, --mqtt-listen, --coap-listen or --admin, or http.listen, "
                + "mqtt.listen, coap.listen or admin in the config file"), mistakes("--config", file("mqtt: { listen: [] }\n")));
    }

    // ---- values ------------------------------------------------------------------------------

    @Test
    void flagsOverrideFileValues() throws Exception {
        String config = file("""
                threads: 3
                shutdown-grace: 30s
                http:
                  listen: ":0"
                  limits: { max-body-size: 1m, max-headers: 20 }
                  timeouts: { connect: 1s }
                """);
        IsthmusConfig fromFile = effective("--config", config);
        assertEquals(3, fromFile.threads());
        assertEquals(Duration.ofSeconds(30), fromFile.shutdownGrace());
        assertEquals(1L << 20, fromFile.limits().maxBodyBytes());

        IsthmusConfig overridden = effective("--config", config, "--threads", "5", "--shutdown-grace", "500ms",
                "--max-body-size", "0");
        assertEquals(5, overridden.threads());
        assertEquals(Duration.ofMillis(500), overridden.shutdownGrace());
        assertEquals(new HttpLimits(HttpLimits.DEFAULT.maxHeaderBytes(), HttpLimits.DEFAULT.maxUriBytes(), 20, 0),
                overridden.limits());
        assertEquals(Duration.ofSeconds(1), overridden.timeouts().connect());
        assertEquals(Path.of(config), overridden.source());
    }

    @Test
    void flagValuesWithoutAFile() throws Exception {
        IsthmusConfig config = effective("--threads", "0", "--shutdown-grace", "2m", "--max-body-size", "16k");
        assertEquals(Duration.ofMinutes(2), config.shutdownGrace());
        assertEquals(16 * 1024, config.limits().maxBodyBytes());
        assertNull(config.source());
    }

    // ---- io and splicing ---------------------------------------------------------------------

    @Test
    void ioIsAutoAndSplicingStartsAt256kByDefault() throws Exception {
        IsthmusConfig config = effective();
        assertEquals(IoMode.AUTO, config.io());
        assertEquals(256 * 1024, config.spliceThreshold());
        assertEquals(HttpProxySettings.DEFAULT_SPLICE_THRESHOLD, config.spliceThreshold());
        assertEquals(HttpProxySettings.DEFAULT_SPLICE_THRESHOLD, Gateway.proxySettings(config).spliceThreshold());
    }

    @Test
    void ioAndSpliceThresholdFlags() throws Exception {
        for (IoMode mode : IoMode.values()) {
            assertEquals(mode, effective("--io", mode.configName()).io());
        }
        String[][] thresholds = {{"0", "0"}, {"off", "0"}, {"1", "1"}, {"64k", "65536"}, {"1M", "1048576"}};
        for (String[] threshold : thresholds) {
            IsthmusConfig config = effective("--splice-threshold", threshold[0]);
            assertEquals(Long.parseLong(threshold[1]), config.spliceThreshold(), threshold[0]);
            assertEquals(config.spliceThreshold(), Gateway.proxySettings(config).spliceThreshold(), threshold[0]);
        }
    }

    @Test
    void ioAndSpliceThresholdFlagsOverrideTheFile() throws Exception {
        String config = file("""
                io: nio
                http:
                  listen: ":0"
                  splice-threshold: 64k
                """);
        IsthmusConfig fromFile = effective("--config", config, "--threads", "1");
        assertEquals(IoMode.NIO, fromFile.io());
        assertEquals(64 * 1024, fromFile.spliceThreshold());
        assertEquals(64 * 1024, Gateway.proxySettings(fromFile).spliceThreshold());

        IsthmusConfig overridden = effective("--config", config, "--io", "uring", "--splice-threshold", "off");
        assertEquals(IoMode.URING, overridden.io());
        assertEquals(0, overridden.spliceThreshold());
        assertEquals(0, Gateway.proxySettings(overridden).spliceThreshold());
        assertEquals(IoMode.AUTO, effective("--config", file("io: uring\nhttp: { listen: \":0\" }\n"), "--io", "auto")
                .io());
    }

    @Test
    void badIoAndSpliceThresholdValues() {
        assertEquals(List.of("isthmus: --io: unknown I/O mode 'epoll', expected one of nio, uring, auto"),
                mistakes("--io", "epoll"));
        assertEquals(List.of("isthmus: --io: unknown I/O mode 'URING', expected one of nio, uring, auto"),
                mistakes("--io", "URING"));
        assertEquals(List.of("isthmus: --splice-threshold: '1mb' is not a size; write bytes, or a whole number with "
                + "k, m or g (binary: 16k = 16384 bytes), or off"), mistakes("--splice-threshold", "1mb"));
        assertEquals(List.of("isthmus: --splice-threshold: '-1' is not a size; write bytes, or a whole number with "
                + "k, m or g (binary: 16k = 16384 bytes), or off"), mistakes("--splice-threshold", "-1"));
    }

    @Test
    void badIoAndSpliceThresholdInTheFileAreReportedWithTheFlags() throws IOException {
        String config = file("""
                io: fast
                http:
                  listen: ":0"
                  splice-threshold: never
                """);
        assertEquals(List.of(
                config + ":1: io: unknown I/O mode 'fast', expected one of nio, uring, auto",
                config + ":4: http.splice-threshold: 'never' is not a size; write bytes, or a whole number with k, m "
                        + "or g (binary: 16k = 16384 bytes), or off",
                "isthmus: --io: unknown I/O mode 'none', expected one of nio, uring, auto"),
                mistakes("--config", config, "--io", "none", "--splice-threshold", "256k"));
    }

    // ---- upstreams ---------------------------------------------------------------------------

    @Test
    void upstreamListsWithWeights() throws Exception {
        IsthmusConfig config = effective("--upstream", "10.0.0.1:8080,10.0.0.2:8080@3", "--upstream", "[::1]:9000@2");
        UpstreamGroupConfig group = config.upstreams().get(RunOptions.DEFAULT_GROUP);
        assertEquals(List.of(new PeerConfig("10.0.0.1", 8080, 1), new PeerConfig("10.0.0.2", 8080, 3),
                new PeerConfig("::1", 9000, 2)), group.peers());
        assertEquals(UpstreamGroupConfig.of("default", group.peers()), group);
        assertEquals(List.of(RouteConfig.catchAll("default")), config.routes());
        assertTrue(!config.usesBuiltInOrigin());
    }

    @Test
    void badUpstreamsAreAllReported() {
        assertEquals(List.of(
                "isthmus: --upstream: bad peer 'a:0': port 0 cannot be connected to",
                "isthmus: --upstream: bad peer 'b:80@0': weight must be 1..1000",
                "isthmus: --upstream: bad peer 'c': no port; expected HOST:PORT[@WEIGHT], like 10.0.0.1:8080@2"),
                mistakes("--upstream", "a:0,b:80@0", "--upstream", "c"));
    }

    @Test
    void lbAndHashKeyApplyToTheDefaultGroup() throws Exception {
        UpstreamGroupConfig group = effective("--upstream", "a:80", "--lb", "consistent-hash",
                "--hash-key", "header:X-Device-Id").upstreams().get("default");
        assertEquals(BalanceAlgorithm.CONSISTENT_HASH, group.lb());
        assertEquals(HashKey.parse("header:x-device-id"), group.hashKey());
    }

    @Test
    void upstreamReplacesThePeersOfTheFilesDefaultGroupAndKeepsItsSettings() throws Exception {
        IsthmusConfig config = effective("--config", file("""
                http: { listen: ":0" }
                upstreams:
                  api: { peers: [ "api:80" ] }
                  default:
                    lb: consistent-hash
                    hash-key: path
                    peers: [ "old:80" ]
                    health: { active: { type: tcp } }
                """), "--upstream", "new:80@2");
        UpstreamGroupConfig group = config.upstreams().get("default");
        assertEquals(List.of(new PeerConfig("new", 80, 2)), group.peers());
        assertEquals(BalanceAlgorithm.CONSISTENT_HASH, group.lb());
        assertEquals(HashKey.parse("path"), group.hashKey());
        assertEquals(ActiveCheck.tcp(), group.activeCheck());
        assertEquals(List.of("api", "default"), List.copyOf(config.upstreams().keySet()));
        assertEquals(List.of(RouteConfig.catchAll("default")), config.effectiveRoutes());
    }

    @Test
    void switchingTheFilesGroupAwayFromHashingDropsItsKey() throws Exception {
        String config = file("""
                http: { listen: ":0" }
                upstreams:
                  default: { lb: consistent-hash, hash-key: uri, peers: [ "a:80" ] }
                """);
        UpstreamGroupConfig group = effective("--config", config, "--lb", "round-robin").upstreams().get("default");
        assertEquals(BalanceAlgorithm.ROUND_ROBIN, group.lb());
        assertEquals(HashKey.CLIENT_IP, group.hashKey());
        assertEquals(HashKey.parse("header:x"),
                effective("--config", config, "--hash-key", "header:X").upstreams().get("default").hashKey());
    }

    @Test
    void upstreamAddsACatchAllOnlyWhenNoneExists() throws Exception {
        String withCatchAll = file("""
                http:
                  listen: ":0"
                  routes: [ { path: /v1/, upstream: api }, { upstream: api } ]
                upstreams: { api: { peers: [ "api:80" ] } }
                """);
        assertEquals(List.of(new RouteConfig(null, "/v1/", "api"), RouteConfig.catchAll("api")),
                effective("--config", withCatchAll, "--upstream", "a:80").routes());

        String withoutCatchAll = file("""
                http:
                  listen: ":0"
                  routes: [ { host: api.example.com, upstream: api } ]
                upstreams: { api: { peers: [ "api:80" ] } }
                """);
        assertEquals(List.of(new RouteConfig("api.example.com", "/", "api"), RouteConfig.catchAll("default")),
                effective("--config", withoutCatchAll, "--upstream", "a:80").routes());
    }

    @Test
    void balancingNeedsTheDefaultGroup() {
        assertEquals(List.of("isthmus: --lb applies to the upstream group 'default', which neither --upstream nor "
                + "the config file defines"), mistakes("--lb", "round-robin"));
        assertEquals(List.of("isthmus: --hash-key applies to the upstream group 'default', which neither --upstream nor "
                + "the config file defines"), mistakes("--hash-key", "path"));
    }

    @Test
    void hashKeyNeedsConsistentHashing() {
        assertEquals(List.of("isthmus: --hash-key: only --lb consistent-hash uses a hash key, and group 'default' "
                + "uses ip-hash"), mistakes("--upstream", "a:80", "--lb", "ip-hash", "--hash-key", "path"));
    }

    // ---- mqtt --------------------------------------------------------------------------------

    @Test
    void theBuiltInDefaultListensForMqttOn1883AsABroker() throws Exception {
        MqttConfig mqtt = effective().mqtt();
        assertEquals(List.of(MqttConfig.DEFAULT_LISTEN), mqtt.listeners());
        assertEquals(List.of(new ListenAddress("0.0.0.0", 1883)), mqtt.listeners());
        assertTrue(mqtt.usesEmbeddedBroker());
        assertEquals(List.of(MqttConfig.DEFAULT_LISTEN), effective("--threads", "1").mqtt().listeners());
    }

    @Test
    void mqttListenAloneMeansNoHttpAndNoAdminListener() throws Exception {
        IsthmusConfig config = effective("--mqtt-listen", "127.0.0.1:0");
        assertEquals(List.of(new ListenAddress("127.0.0.1", 0)), config.mqtt().listeners());
        assertEquals(List.of(), config.httpListeners());
        assertNull(config.admin());
        assertTrue(!config.usesBuiltInOrigin());
        assertTrue(config.mqtt().usesEmbeddedBroker());
        assertTrue(!CommandLine.populateCommand(new RunOptions(), "--mqtt-listen", ":0").usesDefaultListeners());
    }

    @Test
    void httpAndAdminFlagsAloneMeanNoMqttListener() throws Exception {
        assertEquals(List.of(), effective("--listen", "127.0.0.1:0").mqtt().listeners());
        assertEquals(List.of(), effective("--admin", "127.0.0.1:0").mqtt().listeners());
        assertEquals(MqttConfig.DEFAULT, effective("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0").mqtt());
    }

    @Test
    void mqttListenIsRepeatable() throws Exception {
        IsthmusConfig config = effective("--mqtt-listen", ":1883", "--mqtt-listen", "[::1]:8883", "--listen", ":8080");
        assertEquals(List.of(new ListenAddress("0.0.0.0", 1883), new ListenAddress("::1", 8883)),
                config.mqtt().listeners());
        assertEquals(List.of(new ListenAddress("0.0.0.0", 8080)), config.httpListeners());
        assertEquals(3, config.listenerCount());
    }

    @Test
    void fileWithoutMqttHasNoMqttListener() throws Exception {
        assertEquals(MqttConfig.DEFAULT, effective("--config", file("http: { listen: \":9080\" }\n")).mqtt());
    }

    @Test
    void fileMqttListenersRunAlongsideHttpFlags() throws Exception {
        IsthmusConfig config = effective("--config", file("""
                mqtt:
                  listen: ":1884"
                  upstreams: [ "broker:1883" ]
                """), "--listen", "127.0.0.1:0");
        assertEquals(List.of(new ListenAddress("0.0.0.0", 1884)), config.mqtt().listeners());
        assertEquals(List.of(new HostPort("broker", 1883)), config.mqtt().upstreams());
        assertEquals(List.of(new ListenAddress("127.0.0.1", 0)), config.httpListeners());
    }

    @Test
    void mqttFlagsReplaceTheFilesValuesOnly() throws Exception {
        String config = file("""
                http: { listen: ":9080" }
                mqtt:
                  listen: [ ":1883", ":1884" ]
                  upstreams: [ "a:1883", "b:1883" ]
                  max-packet-size: 64k
                  receive-maximum: 10
                  max-queued-messages: 20
                  connect-timeout: 3s
                  max-keep-alive: 5m
                  allow-anonymous: false
                """);
        MqttConfig fromFile = effective("--config", config).mqtt();
        assertEquals(64 * 1024, fromFile.maxPacketBytes());
        assertEquals(List.of(new HostPort("a", 1883), new HostPort("b", 1883)), fromFile.upstreams());

        IsthmusConfig overridden = effective("--config", config, "--mqtt-listen", "127.0.0.1:0",
                "--mqtt-upstream", "c:1883,[fd00::1]:1884", "--mqtt-upstream", "d:8883", "--mqtt-max-packet-size", "256k");
        assertEquals(new MqttConfig(List.of(new ListenAddress("127.0.0.1", 0)),
                List.of(new HostPort("c", 1883), new HostPort("fd00::1", 1884), new HostPort("d", 8883)), 256 * 1024,
                10, 20, Duration.ofSeconds(3), Duration.ofMinutes(5), null, false), overridden.mqtt());
        assertEquals(List.of(new ListenAddress("0.0.0.0", 9080)), overridden.httpListeners());
    }

    @Test
    void theFilesProxySettingsHoldForUpstreamsGivenByFlag() throws Exception {
        String config = file("""
                mqtt:
                  listen: ":1883"
                  proxy-protocol: v2
                  rules: { publish: [ "devices/%c/#" ] }
                  rate-limit: { rate: 5, burst: 10 }
                """);
        MqttConfig mqtt = effective("--config", config, "--mqtt-upstream", "a:1883,b:1883").mqtt();
        assertEquals(List.of(new HostPort("a", 1883), new HostPort("b", 1883)), mqtt.upstreams());
        assertTrue(mqtt.proxy().proxyProtocol());
        assertEquals(List.of("devices/%c/#"), mqtt.proxy().publishAllow());
        assertEquals(5.0, mqtt.proxy().publishRate());
        assertEquals(10, mqtt.proxy().publishBurst());
        MqttProxySettings settings = Gateway.mqttProxySettings(mqtt);
        assertTrue(settings.inspects() && settings.proxyProtocol());
        assertEquals(2, Gateway.mqttUpstreamGroup(mqtt, 1).peers().size());
        assertEquals(1, Gateway.mqttUpstreamGroup(mqtt, 1).retries(), "a client may fail over to every other broker");
    }

    @Test
    void mqttUpstreamWithTheDefaultListenersProxiesOn1883() throws Exception {
        IsthmusConfig config = effective("--mqtt-upstream", "broker:1883");
        assertEquals(List.of(MqttConfig.DEFAULT_LISTEN), config.mqtt().listeners());
        assertEquals(List.of(new HostPort("broker", 1883)), config.mqtt().upstreams());
        assertTrue(!config.mqtt().usesEmbeddedBroker());
        assertEquals(List.of(IsthmusConfig.DEFAULT_HTTP_LISTEN), config.httpListeners());
        assertTrue(CommandLine.populateCommand(new RunOptions(), "--mqtt-upstream", "b:1883").usesDefaultListeners());
    }

    @Test
    void mqttUpstreamNeedsAnMqttListener() throws IOException {
        String needsListener = "isthmus: --mqtt-upstream: no MQTT listener to proxy from; give --mqtt-listen, "
                + "or mqtt.listen in the config file";
        assertEquals(List.of(needsListener), mistakes("--listen", ":0", "--mqtt-upstream", "broker:1883"));
        assertEquals(List.of(needsListener),
                mistakes("--config", file("http: { listen: \":0\" }\n"), "--mqtt-upstream", "broker:1883"));
        assertEquals(List.of("isthmus: nothing to listen on: give --listen, --mqtt-listen, --coap-listen or --admin, or http.listen, "
                + "mqtt.listen, coap.listen or admin in the config file"), mistakes("--config", file("threads: 1\n"),
                "--mqtt-upstream", "broker:1883"));
    }

    @Test
    void mqttUpstreamIsRefusedWithTheFilesPersistence() throws IOException {
        String config = file("mqtt: { listen: \":0\", persistence: sessions }\n");
        assertEquals(List.of("isthmus: --mqtt-upstream: the config file's mqtt.persistence is only used by the "
                + "embedded broker, which upstreams replace"), mistakes("--config", config, "--mqtt-upstream", "b:1883"));
    }

    @Test
    void mqttListenersMustNotClashWithHttpOrAdmin() {
        assertEquals(List.of("isthmus: MQTT listen address 0.0.0.0:8080 is also an HTTP listener"),
                mistakes("--listen", ":8080", "--mqtt-listen", "*:8080"));
        assertEquals(List.of("isthmus: MQTT listen address 127.0.0.1:9000 is also the admin listener"),
                mistakes("--admin", "127.0.0.1:9000", "--mqtt-listen", "127.0.0.1:9000"));
        assertEquals(List.of("isthmus: MQTT listen address 0.0.0.0:1883 is given twice"),
                mistakes("--mqtt-listen", "1883", "--mqtt-listen", ":1883"));
    }

    @Test
    void mqttListenerClashesWithTheFilesHttpListener() throws IOException {
        assertEquals(List.of("isthmus: MQTT listen address 0.0.0.0:9080 is also an HTTP listener"),
                mistakes("--config", file("http: { listen: \":9080\" }\n"), "--mqtt-listen", ":9080"));
        assertEquals(List.of(new ListenAddress("127.0.0.1", 0)), assertDoesNotThrow(() -> effective("--listen",
                "127.0.0.1:0", "--admin", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0")).mqtt().listeners());
    }

    @Test
    void badMqttFlagsAreAllReported() {
        assertEquals(List.of(
                "isthmus: --mqtt-listen: bad address 'localhost:mqtt': port 'mqtt' is not a number",
                "isthmus: --mqtt-upstream: bad upstream ':1883': an upstream needs a host, like 10.0.0.1:1883",
                "isthmus: --mqtt-upstream: bad upstream 'b:0': port 0 cannot be connected to",
                "isthmus: --mqtt-upstream: bad upstream 'c': no port; expected host:port, like 10.0.0.1:1883",
                "isthmus: --mqtt-max-packet-size: '1mb' is not a size; write bytes, or a whole number with k, m or g "
                        + "(binary: 16k = 16384 bytes)"),
                mistakes("--mqtt-listen", "localhost:mqtt", "--mqtt-upstream", ":1883,b:0", "--mqtt-upstream", "c",
                        "--mqtt-max-packet-size", "1mb"));
        assertEquals(List.of("isthmus: --mqtt-max-packet-size: must be 2 to 268435455 bytes, got 256m"),
                mistakes("--mqtt-max-packet-size", "256m"));
        assertEquals(List.of("isthmus: --mqtt-max-packet-size: must be 2 to 268435455 bytes, got 1"),
                mistakes("--mqtt-max-packet-size", "1"));
        assertEquals(List.of("isthmus: MQTT upstream b:1883 is given twice"),
                mistakes("--mqtt-upstream", "b:1883,b:1883"));
    }

    @Test
    void mqttMaxPacketSizeBounds() throws Exception {
        assertEquals(2, effective("--mqtt-max-packet-size", "2").mqtt().maxPacketBytes());
        assertEquals(268_435_455, effective("--mqtt-max-packet-size", "268435455").mqtt().maxPacketBytes());
        assertEquals(1 << 20, effective("--mqtt-max-packet-size", "1M").mqtt().maxPacketBytes());
    }

    @Test
    void mqttSettingsWithoutAnMqttListenerAreKeptForNothing() throws Exception {
        // Legal, like HTTP limits without an HTTP listener: a file of settings to be combined with flags.
        IsthmusConfig config = effective("--config", file("http: { listen: \":0\" }\nmqtt: { receive-maximum: 5 }\n"));
        assertEquals(List.of(), config.mqtt().listeners());
        assertEquals(5, config.mqtt().receiveMaximum());
        assertEquals(5, effective("--config", file("mqtt: { receive-maximum: 5 }\n"), "--mqtt-listen", ":0")
                .mqtt().receiveMaximum());
    }

    // ---- mistakes ----------------------------------------------------------------------------

    @Test
    void fileAndFlagMistakesAreReportedTogether() throws IOException {
        String config = file("""
                threads: two
                http:
                  listn: 8080
                """);
        assertEquals(List.of(
                config + ":1: threads: expected a whole number, got 'two'",
                config + ":3: unknown key 'listn' in http, expected one of: listen, limits, timeouts, "
                        + "splice-threshold, routes",
                "isthmus: --listen: bad address 'x:y': port 'y' is not a number",
                "isthmus: --threads: must be 0..4096 (0 = one per processor), got -1",
                "isthmus: --shutdown-grace: duration '5' has no unit; write one, like 500ms, 10s, 2m or 1h"),
                mistakes("--config", config, "--listen", "x:y", "--threads", "-1", "--shutdown-grace", "5"));
    }
}
