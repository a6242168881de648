package dev.isthmus.core.config;

import org.junit.jupiter.api.Test;

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
                + "threads, io, shutdown-grace, admin, buffers, http, upstreams");
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
