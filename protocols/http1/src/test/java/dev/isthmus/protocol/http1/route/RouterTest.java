package dev.isthmus.protocol.http1.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;

class RouterTest {
    private static UpstreamGroup group(String name) {
        return new UpstreamGroup(name, List.of(new Peer(0, "127.0.0.1", 1, 1)), BalanceAlgorithm.ROUND_ROBIN,
                HashKey.CLIENT_IP, null, PassiveCheck.OFF, 0, 1, new HealthListener() { });
    }

    private final UpstreamGroup api = group("api");
    private final UpstreamGroup apiV1 = group("api-v1");
    private final UpstreamGroup devices = group("devices");
    private final UpstreamGroup telemetry = group("telemetry");
    private final UpstreamGroup fallback = group("fallback");

    private final Router router = new Router(List.of(
            new Route("api.example.com", "/", api),
            new Route("api.example.com", "/v1/", apiV1),
            new Route("*.devices.example.com", "/", devices),
            new Route("*.example.com", "/telemetry/", telemetry),
            new Route(null, "/", fallback)));

    private UpstreamGroup to(String host, String path) {
        Route route = router.match(host, path);
        return route == null ? null : route.group();
    }

    @Test
    void exactHostThenLongestPathPrefix() {
        assertEquals(apiV1, to("api.example.com", "/v1/readings"));
        assertEquals(api, to("api.example.com", "/v2/readings"));
        assertEquals(apiV1, to("API.Example.COM:8443", "/v1/"));
        assertEquals(api, to("api.example.com.", "/v1"));
    }

    @Test
    void longestWildcardSuffixMatchesSubdomainsOnly() {
        assertEquals(devices, to("meter-02.devices.example.com", "/state"));
        assertEquals(devices, to("a.b.devices.example.com", "/state"));
        assertEquals(fallback, to("devices.example.com", "/state"));
        assertEquals(telemetry, to("gateway.example.com", "/telemetry/x"));
    }

    @Test
    void hostRoutesThatMissThePathFallThroughToLessSpecificHosts() {
        // The more specific host wins even when a less specific one has a longer path prefix.
        assertEquals(devices, to("meter-02.devices.example.com", "/telemetry/x"));
        assertEquals(telemetry, to("gateway.example.com", "/telemetry/1"));
        assertEquals(fallback, to("gateway.example.com", "/other"));
        assertEquals(fallback, to(null, "/x"));
        assertEquals(fallback, to("[::1]:8080", "/x"));
    }

    @Test
    void noCatchAllMeansNoRoute() {
        Router hostOnly = new Router(List.of(new Route("api.example.com", "/v1/", api)));
        assertNull(hostOnly.match("api.example.com", "/v2/"));
        assertNull(hostOnly.match("other.example.com", "/v1/"));
        assertNull(hostOnly.match(null, "/v1/"));
    }
}
