package dev.isthmus.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The coap section: every key, its defaults, and each mistake reported at its line. */
class CoapConfigTest {
    private static final Path FILE = Path.of("conf/gw.yaml");

    private static List<ConfigProblem> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, FILE)).problems();
    }

    @Test
    void everyKey() {
        IsthmusConfig config = ConfigLoader.parse("""
                upstreams:
                  backend: { peers: [ "127.0.0.1:9000" ] }
                coap:
                  listen: [ ":5683", "[::1]:0" ]
                  ack-timeout: 500ms
                  max-retransmit: 2
                  max-exchanges: 5000
                  block-size: 256
                  max-body-size: 64k
                  http:
                    - { path: /api, upstream: backend }
                    - { path: /firmware/, upstream: backend }
                  pubsub: /mqtt/topics
                """, FILE);
        assertEquals(new CoapConfig(List.of(new ListenAddress("0.0.0.0", 5683), new ListenAddress("::1", 0)),
                Duration.ofMillis(500), 2, 5000, 256, 64 << 10,
                List.of(new RouteConfig(null, "/api", "backend"), new RouteConfig(null, "/firmware/", "backend")),
                "/mqtt/topics"), config.coap());
        assertEquals(2, config.listenerCount());
        String summary = config.summary();
        assertTrue(summary.contains("\ncoap listen: 0.0.0.0:5683, [::1]:0 (udp)\n"), summary);
        assertTrue(summary.contains("\ncoap: ack-timeout 500ms, max-retransmit 2, max-exchanges 5000, block-size 256, "
                + "max-body-size 64k"),
                summary);
    }

    @Test
    void defaultsAndOneAddress() {
        CoapConfig coap = ConfigLoader.parse("coap: { listen: \"127.0.0.1:0\" }\n", FILE).coap();
        assertEquals(CoapConfig.DEFAULT.withListeners(List.of(new ListenAddress("127.0.0.1", 0))), coap);
        assertEquals(Duration.ofSeconds(2), coap.ackTimeout());
        assertEquals(4, coap.maxRetransmit());
        assertEquals(100_000, coap.maxExchanges());
        assertEquals(1024, coap.blockSize());
        assertEquals(1 << 20, coap.maxBodySize());
        assertEquals(List.of(), coap.httpRoutes());
        assertEquals("/ps", coap.pubsubPrefix());
        assertNull(ConfigLoader.parse("coap: { listen: \":0\", pubsub: off }\n", FILE).coap().pubsubPrefix());
        assertEquals(List.of(), ConfigLoader.parse("http: { listen: \":0\" }\n", FILE).coap().listeners(),
                "a file without a coap section has no CoAP listener");
    }

    @Test
    void mistakesAreReportedAtTheirLines() {
        assertEquals(List.of(
                new ConfigProblem(FILE, 4, "coap.listen: 0.0.0.0:5683 is given twice (also on line 3)"),
                new ConfigProblem(FILE, 5, "coap.max-retransmit: must be at most 20, got 21"),
                new ConfigProblem(FILE, 6, "coap.max-exchanges: must be at least 16, got 8"),
                new ConfigProblem(FILE, 7, "coap.block-size: must be 16, 32, 64, 128, 256, 512 or 1024, got 100"),
                new ConfigProblem(FILE, 9, "coap.http.upstream: no upstream group named 'nowhere', "
                        + "and none is defined under upstreams"),
                new ConfigProblem(FILE, 10, "coap.http: a route needs 'path', the path prefix it forwards"),
                new ConfigProblem(FILE, 10, "coap.http.upstream: no upstream group named 'nowhere', "
                        + "and none is defined under upstreams"),
                new ConfigProblem(FILE, 11, "coap.pubsub: must be a path like /ps (letters, digits, . _ ~ -),"
                        + " got 'ps', or off")),
                problems("""
                        coap:
                          listen:
                            - ":5683"
                            - "0.0.0.0:5683"
                          max-retransmit: 21
                          max-exchanges: 8
                          block-size: 100
                          http:
                            - { path: /api, upstream: nowhere }
                            - { upstream: nowhere }
                          pubsub: ps
                        """));
    }

    @Test
    void theModelChecksItself() {
        assertThrows(IllegalArgumentException.class, () -> new CoapConfig(List.of(), Duration.ZERO, 4, 100_000, 1024,
                1 << 20, List.of(), null));
        assertThrows(IllegalArgumentException.class, () -> new CoapConfig(List.of(), Duration.ofSeconds(2), 4, 15, 1024,
                1 << 20, List.of(), null));
        assertThrows(IllegalArgumentException.class, () -> new CoapConfig(List.of(), Duration.ofSeconds(2), 4, 100_000, 1024,
                512, List.of(), null));
        assertThrows(IllegalArgumentException.class, () -> new CoapConfig(List.of(), Duration.ofSeconds(2), 4, 100_000, 1024,
                1 << 20, List.of(new RouteConfig(null, "/ps", "a")), "/ps"));
        assertThrows(IllegalArgumentException.class, () -> new CoapConfig(List.of(), Duration.ofSeconds(2), 4, 100_000, 1024,
                1 << 20, List.of(new RouteConfig("example.com", "/x", "a")), null));
    }
}
