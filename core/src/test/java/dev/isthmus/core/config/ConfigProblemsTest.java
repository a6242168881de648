package dev.isthmus.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each mistake is reported at the line of the offending node, with a message that says how to fix it. */
class ConfigProblemsTest {
    private static final Path FILE = Path.of("conf/bad.yaml");

    private static List<ConfigProblem> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, FILE)).problems();
    }

    private static void assertOnlyProblem(String yaml, int line, String message) {
        assertEquals(List.of(new ConfigProblem(FILE, line, message)), problems(yaml));
    }

    // ---- keys --------------------------------------------------------------------------------

    @Test
    void unknownKeyNamesTheExpectedOnes() {
        assertOnlyProblem("""
                http:
                  listn: 8080
                """, 2, "unknown key 'listn' in http, expected one of: listen, limits, timeouts, splice-threshold, "
                + "routes");
    }

    @Test
    void unknownTopLevelKey() {
        assertOnlyProblem("""
                threads: 1
                upstream: {}
                """, 2, "unknown key 'upstream' at the top level, expected one of: "
                + "threads, io, shutdown-grace, admin, buffers, http, upstreams, mqtt, coap");
    }

    @Test
    void unknownKeyDeepInAGroup() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers: [ "a:80" ]
                    health:
                      active:
                        type: http
                        intervall: 5s
                """, 7, "unknown key 'intervall' in upstreams.api.health.active, expected one of: "
                + "type, path, expect-status, interval, timeout, rise, fall");
    }

    @Test
    void unknownKeyInARoute() {
        assertOnlyProblem("""
                http:
                  routes:
                    - upstream: api
                      prefix: /v1/
                upstreams: { api: { peers: [ "a:80" ] } }
                """, 4, "unknown key 'prefix' in http.routes, expected one of: host, path, upstream");
    }

    @Test
    void duplicateKeyNamesTheFirstLine() {
        assertOnlyProblem("""
                threads: 1
                shutdown-grace: 5s
                threads: 2
                """, 3, "duplicate key 'threads' at the top level (first on line 1)");
    }

    @Test
    void duplicateGroupName() {
        assertOnlyProblem("""
                upstreams:
                  api: { peers: [ "a:80" ] }
                  api: { peers: [ "b:80" ] }
                """, 3, "duplicate key 'api' in upstreams (first on line 2)");
    }

    // ---- types -------------------------------------------------------------------------------

    @Test
    void sectionThatIsNotAMapping() {
        assertOnlyProblem("""
                http: [ ":8080" ]
                """, 1, "http: expected a mapping of key: value, got a list");
    }

    @Test
    void documentThatIsNotAMapping() {
        assertOnlyProblem("- threads: 1\n", 1, "the file: expected a mapping of key: value, got a list");
    }

    @Test
    void numberThatIsNotANumber() {
        assertOnlyProblem("""
                http:
                  limits:
                    max-headers: lots
                """, 3, "http.limits.max-headers: expected a whole number, got 'lots'");
    }

    @Test
    void numberGivenAsAList() {
        assertOnlyProblem("threads: [ 1, 2 ]\n", 1, "threads: expected a whole number, got a list");
    }

    @Test
    void numberGivenNothing() {
        assertOnlyProblem("threads:\n", 1, "threads: expected a whole number, got nothing");
    }

    @Test
    void numberOutOfRange() {
        assertOnlyProblem("threads: -1\n", 1, "threads: must be at least 0, got -1");
    }

    @Test
    void peersThatAreNotAList() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers: 10.0.0.1:80
                """, 3, "upstreams.api.peers: expected a list, got '10.0.0.1:80'");
    }

    @Test
    void routeThatIsNotAMapping() {
        assertOnlyProblem("""
                http:
                  routes:
                    - api
                upstreams: { api: { peers: [ "a:80" ] } }
                """, 3, "http.routes: expected a route like { host: example.com, path: /, upstream: NAME }, got 'api'");
    }

    // ---- durations and sizes -----------------------------------------------------------------

    @Test
    void durationWithoutUnit() {
        assertOnlyProblem("""
                http:
                  timeouts:
                    header-read: 10s
                    connect: 10
                """, 4, "http.timeouts.connect: duration '10' has no unit; write one, like 500ms, 10s, 2m or 1h");
    }

    @Test
    void durationWithUnknownUnit() {
        assertOnlyProblem("shutdown-grace: 10sec\n", 1,
                "shutdown-grace: '10sec' is not a duration; write a whole number and a unit, like 500ms, 10s, 2m or 1h");
    }

    @Test
    void zeroTimeout() {
        assertOnlyProblem("http: { timeouts: { response: 0s } }\n", 1, "http.timeouts.response: must be longer than 0");
    }

    @Test
    void zeroShutdownGraceIsAllowed() {
        assertEquals(java.time.Duration.ZERO, ConfigLoader.parse("shutdown-grace: 0s\n", FILE).shutdownGrace());
    }

    @Test
    void badSize() {
        assertOnlyProblem("""
                http:
                  limits: { max-body-size: 64mb }
                """, 2, "http.limits.max-body-size: '64mb' is not a size; write bytes, or a whole number with k, m or g "
                + "(binary: 16k = 16384 bytes)");
    }

    @Test
    void unknownIoMode() {
        assertOnlyProblem("threads: 1\nio: epoll\n", 2, "io: unknown I/O mode 'epoll', expected one of nio, uring, auto");
        assertOnlyProblem("io: [ nio ]\n", 1, "io: expected nio, uring or auto, got a list");
        assertOnlyProblem("io:\n", 1, "io: expected nio, uring or auto, got nothing");
    }

    @Test
    void badSpliceThreshold() {
        assertOnlyProblem("""
                http:
                  splice-threshold: 1mb
                """, 2, "http.splice-threshold: '1mb' is not a size; write bytes, or a whole number with k, m or g "
                + "(binary: 16k = 16384 bytes), or off");
        assertOnlyProblem("http: { splice-threshold: -1 }\n", 1, "http.splice-threshold: '-1' is not a size; write "
                + "bytes, or a whole number with k, m or g (binary: 16k = 16384 bytes), or off");
        assertOnlyProblem("http: { splice-threshold: no }\n", 1, "http.splice-threshold: 'no' is not a size; write "
                + "bytes, or a whole number with k, m or g (binary: 16k = 16384 bytes), or off");
        assertOnlyProblem("http: { splice-threshold: {} }\n", 1,
                "http.splice-threshold: expected a size like 256k, or off, got a mapping");
    }

    @Test
    void chunkSizeThatIsNotAPowerOfTwo() {
        assertOnlyProblem("buffers:\n  chunk-size: 12k\n", 2,
                "buffers.chunk-size: must be a power of two (4k, 8k, 16k, ... 1m), got 12k");
    }

    @Test
    void chunkSizeTooSmall() {
        assertOnlyProblem("buffers:\n  chunk-size: 1k\n", 2, "buffers.chunk-size: must be at least 4k, got 1k");
    }

    @Test
    void poolSmallerThanAChunk() {
        assertOnlyProblem("buffers: { chunk-size: 64k, max-pool-per-loop: 16k }\n", 1,
                "buffers.max-pool-per-loop: must hold at least one chunk (64k), got 16k");
    }

    @Test
    void headerLimitLargerThanChunkIsReportedAtTheLimit() {
        assertOnlyProblem("""
                buffers:
                  chunk-size: 8k
                http:
                  limits:
                    max-header-size: 32k
                """, 5, "http.limits.max-header-size (32k) is larger than buffers.chunk-size (8k): "
                + "a request head must fit in one buffer chunk");
    }

    @Test
    void defaultHeaderLimitLargerThanChunkIsReportedAtTheChunk() {
        assertOnlyProblem("""
                threads: 1
                buffers:
                  chunk-size: 8k
                """, 3, "http.limits.max-header-size (16k) is larger than buffers.chunk-size (8k): "
                + "a request head must fit in one buffer chunk");
    }

    // ---- addresses ---------------------------------------------------------------------------

    @Test
    void listenPortThatIsNotANumber() {
        assertOnlyProblem("""
                http:
                  listen:
                    - ":8080"
                    - "localhost:http"
                """, 4, "http.listen: bad address 'localhost:http': port 'http' is not a number");
    }

    @Test
    void listenWithoutPort() {
        assertOnlyProblem("http: { listen: [ localhost ] }\n", 1,
                "http.listen: bad address 'localhost': no port; expected host:port, :port, port or [v6]:port");
    }

    @Test
    void listenPortOutOfRange() {
        assertOnlyProblem("http: { listen: 70000 }\n", 1, "http.listen: bad address '70000': port 70000 is above 65535");
    }

    @Test
    void unbracketedIpv6() {
        assertOnlyProblem("admin:\n  listen: \"::1:9901\"\n", 2,
                "admin.listen: bad address '::1:9901': put IPv6 addresses in brackets, like [::1]:8080");
    }

    @Test
    void sameListenerTwice() {
        List<ConfigProblem> problems = problems("""
                admin: { listen: "127.0.0.1:9000" }
                http:
                  listen:
                    - ":8080"
                    - "127.0.0.1:9000"
                    - "0.0.0.0:8080"
                """);
        assertEquals(List.of(
                new ConfigProblem(FILE, 5, "http.listen: 127.0.0.1:9000 is also the admin listener (line 1)"),
                new ConfigProblem(FILE, 6, "http.listen: 0.0.0.0:8080 is given twice (also on line 4)")), problems);
    }

    @Test
    void peerWithPortZero() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers:
                      - "a:0"
                """, 4, "upstreams.api.peers: bad peer 'a:0': port 0 cannot be connected to");
    }

    @Test
    void peerWithoutHost() {
        assertOnlyProblem("upstreams:\n  api:\n    peers: [ \":80\" ]\n", 3,
                "upstreams.api.peers: bad peer ':80': a peer needs a host, like 10.0.0.1:8080");
    }

    // ---- upstream groups ---------------------------------------------------------------------

    @Test
    void unknownAlgorithm() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    lb: fastest
                    peers: [ "a:80" ]
                """, 3, "upstreams.api.lb: unknown load-balancing algorithm 'fastest', expected one of "
                + "round-robin, weighted-round-robin, least-conn, ip-hash, consistent-hash");
    }

    @Test
    void unknownHashKey() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    lb: consistent-hash
                    hash-key: cookie
                    peers: [ "a:80" ]
                """, 4, "upstreams.api.hash-key: unknown hash key 'cookie', expected client-ip, path, uri or header:NAME");
    }

    @Test
    void hashKeyWithoutConsistentHashing() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    hash-key: path
                    peers: [ "a:80" ]
                """, 3, "upstreams.api.hash-key: only lb: consistent-hash uses a hash key, and lb is weighted-round-robin");
    }

    @Test
    void ipHashWithAnotherKey() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    lb: ip-hash
                    hash-key: header:X-Device-Id
                    peers: [ "a:80" ]
                """, 4, "upstreams.api.hash-key: ip-hash always hashes the client address; "
                + "use lb: consistent-hash to hash on header:x-device-id");
    }

    @Test
    void groupWithoutPeersKey() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    lb: round-robin
                """, 2, "upstreams.api: no peers; add peers: [ host:port, ... ]");
    }

    @Test
    void groupThatIsNotAMapping() {
        assertOnlyProblem("""
                upstreams:
                  api: 10.0.0.1:80
                """, 2, "upstreams.api: expected a mapping of key: value, got '10.0.0.1:80'");
    }

    @Test
    void groupWithNothing() {
        assertOnlyProblem("upstreams:\n  api:\n", 2, "upstreams.api: no peers; add peers: [ host:port, ... ]");
    }

    @Test
    void groupWithEmptyPeers() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    lb: round-robin
                    peers: []
                """, 4, "upstreams.api: no peers; add peers: [ host:port, ... ]");
    }

    @Test
    void weightBelowOne() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers:
                      - 10.0.0.1:80
                      - { address: 10.0.0.2:80, weight: 0 }
                """, 5, "upstreams.api.peers.weight: must be at least 1, got 0");
    }

    @Test
    void weightBelowOneInTheShortForm() {
        assertOnlyProblem("upstreams: { api: { peers: [ \"a:80@0\" ] } }\n", 1,
                "upstreams.api.peers: bad peer 'a:80@0': weight must be 1..1000");
    }

    @Test
    void weightGivenTwice() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers:
                      - address: a:80@2
                        weight: 3
                """, 5, "upstreams.api.peers: the weight is given twice, in the address and as weight");
    }

    @Test
    void peerMappingWithoutAddress() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers:
                      - { weight: 2 }
                """, 4, "upstreams.api.peers: a peer needs an address, like { address: 10.0.0.1:8080, weight: 2 }");
    }

    @Test
    void riseAndFallBelowOne() {
        List<ConfigProblem> problems = problems("""
                upstreams:
                  api:
                    peers: [ "a:80" ]
                    health:
                      active:
                        rise: 0
                        fall: 0
                """);
        assertEquals(List.of(
                new ConfigProblem(FILE, 6, "upstreams.api.health.active.rise: must be at least 1, got 0"),
                new ConfigProblem(FILE, 7, "upstreams.api.health.active.fall: must be at least 1, got 0")), problems);
    }

    @Test
    void unknownCheckType() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers: [ "a:80" ]
                    health: { active: { type: icmp } }
                """, 4, "upstreams.api.health.active.type: expected tcp or http, got 'icmp'");
    }

    @Test
    void httpSettingsOnATcpCheck() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers: [ "a:80" ]
                    health:
                      active:
                        path: /healthz
                """, 6, "upstreams.api.health.active.path: only used by type: http, and type is tcp");
    }

    @Test
    void expectStatusOutOfRange() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers: [ "a:80" ]
                    health:
                      active: { type: http, expect-status: 20 }
                """, 5, "upstreams.api.health.active.expect-status: must be at least 100, got 20");
    }

    @Test
    void negativeMaxFails() {
        assertOnlyProblem("""
                upstreams:
                  api:
                    peers: [ "a:80" ]
                    health:
                      passive: { max-fails: -1 }
                """, 5, "upstreams.api.health.passive.max-fails: must be at least 0, got -1");
    }

    // ---- routes ------------------------------------------------------------------------------

    @Test
    void routeToAnUndefinedGroup() {
        assertOnlyProblem("""
                http:
                  routes:
                    - host: api.example.com
                      upstream: apx
                upstreams:
                  api: { peers: [ "a:80" ] }
                  web: { peers: [ "w:80" ] }
                """, 4, "http.routes.upstream: no upstream group named 'apx'; defined: api, web");
    }

    @Test
    void routeToAGroupWithItsOwnMistakeIsNotAlsoUndefined() {
        assertOnlyProblem("""
                http:
                  routes: [ { upstream: api } ]
                upstreams:
                  api: { peers: [] }
                """, 4, "upstreams.api: no peers; add peers: [ host:port, ... ]");
    }

    @Test
    void routePathWithoutSlash() {
        assertOnlyProblem("""
                http:
                  routes:
                    - path: v1/
                      upstream: api
                upstreams: { api: { peers: [ "a:80" ] } }
                """, 3, "http.routes.path: route path 'v1/' must start with '/'");
    }

    @Test
    void routeHostWithPort() {
        assertOnlyProblem("""
                http:
                  routes:
                    - { host: "api.example.com:8080", upstream: api }
                upstreams: { api: { peers: [ "a:80" ] } }
                """, 3, "http.routes.host: route host 'api.example.com:8080' must be a host name (no port), "
                + "or *.suffix for every name under suffix");
    }

    @Test
    void routeWithoutUpstream() {
        assertOnlyProblem("""
                http:
                  routes:
                    - { upstream: api }
                    - { path: /v2/ }
                upstreams: { api: { peers: [ "a:80" ] } }
                """, 4, "http.routes: a route needs 'upstream', the name of an upstream group");
    }

    @Test
    void duplicateRoute() {
        assertOnlyProblem("""
                http:
                  routes:
                    - { host: api.example.com, path: /v1/, upstream: api }
                    - { upstream: api }
                    - { host: API.example.com, path: /v1/, upstream: web }
                upstreams:
                  api: { peers: [ "a:80" ] }
                  web: { peers: [ "w:80" ] }
                """, 5, "http.routes: duplicate route for host api.example.com and path /v1/ (first on line 3)");
    }

    @Test
    void routesWithoutUpstreams() {
        assertOnlyProblem("""
                http:
                  listen: 8080
                  routes:
                    - { upstream: api }
                    - { path: /x/, upstream: web }
                """, 4, "http.routes: routes need upstream groups, but no group is defined under upstreams");
    }

    // ---- mqtt --------------------------------------------------------------------------------

    @Test
    void unknownKeyInMqtt() {
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  max-packet: 1m
                """, 3, "unknown key 'max-packet' in mqtt, expected one of: listen, upstreams, max-packet-size, "
                + "receive-maximum, max-queued-messages, connect-timeout, max-keep-alive, persistence, allow-anonymous, "
                + "balance, upstream-connect-timeout, idle-timeout, proxy-protocol, health, rules, rate-limit, splice, slow-subscriber-timeout, sys-interval, bridges");
    }

    @Test
    void badMqttProxySettingsNameTheirLines() {
        List<ConfigProblem> problems = problems("""
                mqtt:
                  listen: 1883
                  upstreams: [ a:1883, b:1883 ]
                  balance: sticky
                  upstream-connect-timeout: 0s
                  idle-timeout: soon
                  proxy-protocol: v1
                  health:
                    active: { type: http, path: /healthz }
                    passive: { max-fails: -1 }
                  rules:
                    publish:
                      allow: [ "devices/%c/#", "a/#/b" ]
                      denny: [ x ]
                    subscribe: [ "dev+ices/#" ]
                  rate-limit: { rate: fast, burst: 0 }
                """);
        assertEquals(List.of(
                new ConfigProblem(FILE, 4, "mqtt.balance: unknown load-balancing algorithm 'sticky', expected one of "
                        + "round-robin, weighted-round-robin, least-conn, ip-hash, consistent-hash"),
                new ConfigProblem(FILE, 5, "mqtt.upstream-connect-timeout: must be longer than 0"),
                new ConfigProblem(FILE, 6, "mqtt.idle-timeout: 'soon' is not a duration; write a whole number and a "
                        + "unit, like 500ms, 10s, 2m or 1h"),
                new ConfigProblem(FILE, 7, "mqtt.proxy-protocol: expected v2 or off, got 'v1'"),
                new ConfigProblem(FILE, 9, "mqtt.health.active.type: brokers are probed with TCP connects, expected "
                        + "tcp, got 'http'"),
                new ConfigProblem(FILE, 10, "mqtt.health.passive.max-fails: must be at least 0, got -1"),
                new ConfigProblem(FILE, 13, "mqtt.rules.publish.allow: 'a/#/b': # must be the last level"),
                new ConfigProblem(FILE, 14, "unknown key 'denny' in mqtt.rules.publish, expected one of: allow, deny"),
                new ConfigProblem(FILE, 15, "mqtt.rules.subscribe: 'dev+ices/#': a wildcard must fill its whole "
                        + "level, like devices/+/state or devices/#"),
                new ConfigProblem(FILE, 16, "mqtt.rate-limit.rate: expected publishes a second, like 10 or 0.5, "
                        + "got 'fast'")), problems);
        assertOnlyProblem("mqtt:\n  rate-limit: { burst: 5 }\n", 2,
                "mqtt.rate-limit: needs a rate, like { rate: 10, burst: 20 }");
        assertOnlyProblem("mqtt:\n  rate-limit: { rate: 10, burst: 0 }\n", 2,
                "mqtt.rate-limit.burst: must be at least 1, got 0");
    }

    @Test
    void mqttThatIsNotAMapping() {
        assertOnlyProblem("mqtt: [ \":1883\" ]\n", 1, "mqtt: expected a mapping of key: value, got a list");
        assertOnlyProblem("mqtt: on\n", 1, "mqtt: expected a mapping of key: value, got 'on'");
    }

    @Test
    void duplicateKeyInMqtt() {
        assertOnlyProblem("""
                mqtt:
                  receive-maximum: 10
                  listen: 1883
                  receive-maximum: 20
                """, 4, "duplicate key 'receive-maximum' in mqtt (first on line 2)");
    }

    @Test
    void badMqttPacketSizes() {
        assertOnlyProblem("mqtt:\n  max-packet-size: 1mb\n", 2, "mqtt.max-packet-size: '1mb' is not a size; write bytes, "
                + "or a whole number with k, m or g (binary: 16k = 16384 bytes)");
        assertOnlyProblem("mqtt:\n  max-packet-size: 256m\n", 2,
                "mqtt.max-packet-size: must be at most 268435455, got 256m");
        assertOnlyProblem("mqtt:\n  max-packet-size: 1\n", 2, "mqtt.max-packet-size: must be at least 2, got 1");
        assertOnlyProblem("mqtt:\n  max-packet-size: [ 1m ]\n", 2,
                "mqtt.max-packet-size: expected a size like 16k, got a list");
    }

    @Test
    void mqttCountsOutOfRange() {
        List<ConfigProblem> problems = problems("""
                mqtt:
                  receive-maximum: 0
                  max-queued-messages: -1
                """);
        assertEquals(List.of(
                new ConfigProblem(FILE, 2, "mqtt.receive-maximum: must be at least 1, got 0"),
                new ConfigProblem(FILE, 3, "mqtt.max-queued-messages: must be at least 0, got -1")), problems);
        assertOnlyProblem("mqtt: { receive-maximum: 65536 }\n", 1, "mqtt.receive-maximum: must be at most 65535, got 65536");
        assertOnlyProblem("mqtt: { max-queued-messages: 10000000 }\n", 1,
                "mqtt.max-queued-messages: must be at most 1000000, got 10000000");
        assertOnlyProblem("mqtt: { receive-maximum: many }\n", 1, "mqtt.receive-maximum: expected a whole number, got 'many'");
    }

    @Test
    void badMqttDurations() {
        assertOnlyProblem("mqtt:\n  connect-timeout: 0s\n", 2, "mqtt.connect-timeout: must be longer than 0");
        assertOnlyProblem("mqtt:\n  slow-subscriber-timeout: 0s\n", 2,
                "mqtt.slow-subscriber-timeout: must be longer than 0");
        assertOnlyProblem("mqtt:\n  listen: :1883\n  sys-interval: often\n", 3,
                "mqtt.sys-interval: 'often' is not a duration; write a whole number and a unit, like 500ms, 10s, 2m or 1h");
        assertOnlyProblem("mqtt:\n  connect-timeout: 10\n", 2,
                "mqtt.connect-timeout: duration '10' has no unit; write one, like 500ms, 10s, 2m or 1h");
        assertOnlyProblem("mqtt:\n  max-keep-alive: 1500ms\n", 2,
                "mqtt.max-keep-alive: must be whole seconds, as MQTT counts keep alive in seconds, got 1500ms");
        assertOnlyProblem("mqtt:\n  max-keep-alive: 65536s\n", 2,
                "mqtt.max-keep-alive: must be at most 65535s, the longest keep alive MQTT can express, got 65536s");
        assertOnlyProblem("mqtt:\n  max-keep-alive: 1d\n", 2, "mqtt.max-keep-alive: '1d' is not a duration; write a "
                + "whole number and a unit, like 500ms, 10s, 2m or 1h");
    }

    @Test
    void badAllowAnonymous() {
        assertOnlyProblem("mqtt:\n  allow-anonymous: yes\n", 2, "mqtt.allow-anonymous: expected true or false, got 'yes'");
        assertOnlyProblem("mqtt:\n  allow-anonymous:\n", 2, "mqtt.allow-anonymous: expected true or false, got nothing");
        assertOnlyProblem("mqtt:\n  allow-anonymous: [ true ]\n", 2,
                "mqtt.allow-anonymous: expected true or false, got a list");
    }

    @Test
    void badPersistence(@TempDir Path dir) throws Exception {
        assertOnlyProblem("mqtt:\n  persistence:\n", 2, "mqtt.persistence: expected a directory, got nothing");
        assertOnlyProblem("mqtt:\n  persistence: ''\n", 2, "mqtt.persistence: expected a directory, got ''");
        assertOnlyProblem("mqtt:\n  persistence: { dir: x }\n", 2, "mqtt.persistence: expected a directory, got a mapping");
        assertOnlyProblem("mqtt:\n  persistence: \"a\\0b\"\n", 2,
                "mqtt.persistence: 'a\0b' is not a path: Nul character not allowed");
        Path file = dir.resolve("gw.yaml");
        Files.writeString(dir.resolve("sessions"), "not a directory");
        assertEquals(List.of(new ConfigProblem(file, 3, "mqtt.persistence: " + dir.resolve("sessions")
                        + " is a file, not a directory")),
                assertThrows(ConfigException.class,
                        () -> ConfigLoader.parse("mqtt:\n  listen: 1883\n  persistence: sessions\n", file)).problems());
    }

    @Test
    void persistenceWithUpstreams() {
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  upstreams: [ "broker:1883" ]
                  persistence: /var/lib/isthmus
                """, 4, "mqtt.persistence: only the embedded broker stores sessions, and mqtt.upstreams makes this an "
                + "MQTT proxy");
    }

    @Test
    void mqttUpstreamsWithoutListen() {
        assertOnlyProblem("""
                http: { listen: 8080 }
                mqtt:
                  upstreams:
                    - broker-a:1883
                    - broker-b:1883
                """, 4, "mqtt.upstreams without mqtt.listen: the MQTT proxy needs a listener, like listen: \":1883\"");
        assertOnlyProblem("mqtt: { listen: [], upstreams: broker:1883 }\n", 1,
                "mqtt.upstreams without mqtt.listen: the MQTT proxy needs a listener, like listen: \":1883\"");
    }

    @Test
    void badMqttUpstreams() {
        List<ConfigProblem> problems = problems("""
                mqtt:
                  listen: 1883
                  upstreams:
                    - ":1883"
                    - "broker:0"
                    - broker
                    - "[::1]:1883"
                    - "[::1]:1883"
                    - { host: broker }
                """);
        assertEquals(List.of(
                new ConfigProblem(FILE, 4, "mqtt.upstreams: bad upstream ':1883': an upstream needs a host, like "
                        + "10.0.0.1:1883"),
                new ConfigProblem(FILE, 5, "mqtt.upstreams: bad upstream 'broker:0': port 0 cannot be connected to"),
                new ConfigProblem(FILE, 6, "mqtt.upstreams: bad upstream 'broker': no port; expected host:port, like "
                        + "10.0.0.1:1883"),
                new ConfigProblem(FILE, 8, "mqtt.upstreams: [::1]:1883 is given twice (also on line 7)"),
                new ConfigProblem(FILE, 9, "mqtt.upstreams: expected a broker's host:port, got a mapping")), problems);
        assertOnlyProblem("mqtt: { listen: 1883, upstreams: { a: b } }\n", 1,
                "mqtt.upstreams: expected a list, got a mapping");
    }

    @Test
    void badMqttListen() {
        assertOnlyProblem("mqtt:\n  listen: [ \"localhost:mqtt\" ]\n", 2,
                "mqtt.listen: bad address 'localhost:mqtt': port 'mqtt' is not a number");
        assertOnlyProblem("mqtt: { listen: { port: 1883 } }\n", 1, "mqtt.listen: expected a list, got a mapping");
    }

    @Test
    void mqttListenerTwiceOrSharedWithHttpOrAdmin() {
        List<ConfigProblem> problems = problems("""
                admin: { listen: "127.0.0.1:9901" }
                http:
                  listen: [ ":8080", "127.0.0.1:0" ]
                mqtt:
                  listen:
                    - ":1883"
                    - "0.0.0.0:8080"
                    - "127.0.0.1:9901"
                    - "*:1883"
                    - "127.0.0.1:0"
                    - "127.0.0.1:0"
                """);
        assertEquals(List.of(
                new ConfigProblem(FILE, 7, "mqtt.listen: 0.0.0.0:8080 is also an HTTP listener (line 3)"),
                new ConfigProblem(FILE, 8, "mqtt.listen: 127.0.0.1:9901 is also the admin listener (line 1)"),
                new ConfigProblem(FILE, 9, "mqtt.listen: 0.0.0.0:1883 is given twice (also on line 6)")), problems);
        assertOnlyProblem("mqtt: { listen: [ 1883, 1883 ] }\n", 1, "mqtt.listen: 0.0.0.0:1883 is given twice");
    }

    @Test
    void mqttListenerSharedWithTheDefaultAdminAddress() {
        assertOnlyProblem("admin:\nmqtt: { listen: \"127.0.0.1:9901\" }\n", 2,
                "mqtt.listen: 127.0.0.1:9901 is also the admin listener (line 1)");
    }

    // ---- syntax ------------------------------------------------------------------------------

    @Test
    void syntaxErrorAtTheParsersLine() {
        assertOnlyProblem("""
                threads: 1
                http:
                  listen: :8080
                   routes: []
                """, 4, "YAML syntax error: mapping values are not allowed here");
    }

    @Test
    void unclosedFlowSequence() {
        List<ConfigProblem> problems = problems("""
                http:
                  listen: [ ":8080", ":8081"
                threads: 2
                """);
        assertEquals(1, problems.size());
        assertEquals(3, problems.getFirst().line());
        assertTrue(problems.getFirst().message().startsWith("YAML syntax error: "), problems.getFirst().message());
        assertTrue(problems.getFirst().message().contains("started on line 2"), problems.getFirst().message());
    }

    @Test
    void tabIndentation() {
        List<ConfigProblem> problems = problems("http:\n\tlisten: 8080\n");
        assertEquals(2, problems.getFirst().line());
        assertTrue(problems.getFirst().message().contains("TAB"), problems.getFirst().message());
    }

    @Test
    void unquotedWildcardGetsAHint() {
        List<ConfigProblem> problems = problems("""
                http:
                  routes:
                    - { host: *.devices.example.com, upstream: devices }
                """);
        assertEquals(3, problems.getFirst().line());
        assertTrue(problems.getFirst().message().endsWith(
                "; quote values that start with *, like \"*.example.com\" or \"*:8080\""), problems.getFirst().message());
    }

    @Test
    void tildeIsNoValue() {
        assertOnlyProblem("threads: ~\n", 1, "threads: expected a whole number, got nothing");
    }

    @Test
    void twoDocuments() {
        List<ConfigProblem> problems = problems("threads: 1\n---\nthreads: 2\n");
        assertEquals(2, problems.getFirst().line());
        assertTrue(problems.getFirst().message().contains("single document"), problems.getFirst().message());
    }

    // ---- many at once ------------------------------------------------------------------------

    @Test
    void everyProblemIsReportedInLineOrder() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                threads: many
                http:
                  listn: 8080
                  timeouts: { connect: 3 }
                  routes:
                    - { path: /v1/, upstream: nowhere }
                upstreams:
                  api:
                    lb: fastest
                    peers: [ "a:80", { address: "b:80", weight: 0 } ]
                  empty: {}
                """, FILE));
        assertEquals(List.of(
                new ConfigProblem(FILE, 1, "threads: expected a whole number, got 'many'"),
                new ConfigProblem(FILE, 3, "unknown key 'listn' in http, expected one of: listen, limits, timeouts, "
                        + "splice-threshold, routes"),
                new ConfigProblem(FILE, 4, "http.timeouts.connect: duration '3' has no unit; write one, "
                        + "like 500ms, 10s, 2m or 1h"),
                new ConfigProblem(FILE, 6, "http.routes.upstream: no upstream group named 'nowhere'; defined: api, empty"),
                new ConfigProblem(FILE, 9, "upstreams.api.lb: unknown load-balancing algorithm 'fastest', expected one of "
                        + "round-robin, weighted-round-robin, least-conn, ip-hash, consistent-hash"),
                new ConfigProblem(FILE, 10, "upstreams.api.peers.weight: must be at least 1, got 0"),
                new ConfigProblem(FILE, 11, "upstreams.empty: no peers; add peers: [ host:port, ... ]")), e.problems());
        assertEquals(String.join("\n", e.problems().stream().map(ConfigProblem::toString).toList()), e.getMessage());
        assertTrue(e.getMessage().startsWith("conf/bad.yaml:1: threads: "), e.getMessage());
    }
}
