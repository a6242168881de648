package dev.isthmus.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.config.BridgeTopicConfig.Direction;
import dev.isthmus.core.config.MqttBridgeConfig.Version;

/** {@code mqtt.bridges}: what a file maps to, mosquitto's defaults, and each mistake at its line. */
class MqttBridgeConfigTest {
    private static final Path FILE = Path.of("conf/bridge.yaml");

    private static List<ConfigProblem> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, FILE)).problems();
    }

    private static void assertOnlyProblem(String yaml, int line, String message) {
        assertEquals(List.of(new ConfigProblem(FILE, line, message)), problems(yaml));
    }

    @Test
    void everyKeyMapsToTheModel() {
        MqttConfig mqtt = ConfigLoader.parse("""
                mqtt:
                  listen: ":1883"
                  bridges:
                    - name: cloud
                      address: cloud.example.com:8883
                      client-id: edge-17
                      protocol-version: 5
                      clean-start: true
                      session-expiry: 1h
                      keep-alive: 30s
                      user-name: edge
                      password: secret
                      reconnect-min: 100ms
                      reconnect-max: 2s
                      max-queued-messages: 500
                      max-queued-bytes: 1m
                      topics:
                        - "sensors/# out 1 \\"\\" edge-17/"
                        - { filter: cmd/#, direction: in, qos: 2, remote-prefix: edge-17/ }
                        - { filter: "", direction: both, local-prefix: status, remote-prefix: edge-17/status }
                """, FILE).mqtt();
        assertEquals(List.of(new MqttBridgeConfig("cloud", new HostPort("cloud.example.com", 8883), "edge-17",
                Version.V5, true, 3600, Duration.ofSeconds(30), "edge", "secret", true, Duration.ofMillis(100),
                Duration.ofSeconds(2), 500, 1 << 20, List.of(
                        new BridgeTopicConfig("sensors/#", Direction.OUT, 1, "", "edge-17/"),
                        new BridgeTopicConfig("cmd/#", Direction.IN, 2, "", "edge-17/"),
                        new BridgeTopicConfig("", Direction.BOTH, 0, "status", "edge-17/status")))), mqtt.bridges());
        assertEquals("edge-17/sensors/#", mqtt.bridges().getFirst().topics().getFirst().remoteFilter());
        assertEquals("status", mqtt.bridges().getFirst().topics().get(2).localFilter());
    }

    @Test
    void mosquittosDefaults() {
        MqttBridgeConfig bridge = ConfigLoader.parse("""
                mqtt:
                  listen: 1883
                  bridges: [ { name: cloud, address: cloud.example.com, topics: "#" } ]
                """, FILE).mqtt().bridges().getFirst();
        assertEquals(new HostPort("cloud.example.com", 1883), bridge.address());
        assertEquals(null, bridge.clientId());
        assertEquals(Version.V3_1_1, bridge.version());
        assertEquals(false, bridge.cleanStart());
        assertEquals(MqttBridgeConfig.NEVER_EXPIRES, bridge.sessionExpiry());
        assertEquals(Duration.ofSeconds(60), bridge.keepAlive());
        assertTrue(bridge.tryPrivate());
        assertEquals(Duration.ofSeconds(5), bridge.reconnectMin());
        assertEquals(Duration.ofSeconds(30), bridge.reconnectMax());
        assertEquals(List.of(new BridgeTopicConfig("#", Direction.OUT, 0, "", "")), bridge.topics());
        assertEquals(0, ConfigLoader.parse("""
                mqtt:
                  listen: 1883
                  bridges: [ { name: c, address: "c:1883", clean-start: true, protocol-version: 5, topics: "#" } ]
                """, FILE).mqtt().bridges().getFirst().sessionExpiry());
    }

    @Test
    void theOneLineTopicForm() {
        assertEquals(new BridgeTopicConfig("a/#", Direction.BOTH, 2, "l/", "r/"), BridgeTopicConfig.parse("a/# both 2 l/ r/"));
        assertEquals(new BridgeTopicConfig("", Direction.IN, 1, "here", "there"),
                BridgeTopicConfig.parse("\"\" in 1 here there"));
        assertEquals(new BridgeTopicConfig("x", Direction.IN, 0, "", ""), BridgeTopicConfig.parse("  x   in "));
        assertEquals("\"\" in 1 here there", BridgeTopicConfig.parse("\"\" in 1 here there").toString());
    }

    @Test
    void bridgesAreRefusedWithUpstreamsAndWithoutAListener() {
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  upstreams: [ "broker:1883" ]
                  bridges:
                    - { name: cloud, address: "cloud:1883", topics: "#" }
                """, 5, "mqtt.bridges: a bridge connects the embedded broker to another, and mqtt.upstreams makes this "
                + "an MQTT proxy; use one or the other");
        assertOnlyProblem("""
                http: { listen: 8080 }
                mqtt:
                  bridges: [ { name: cloud, address: "cloud:1883", topics: "#" } ]
                """, 3, "mqtt.bridges without mqtt.listen: a bridge connects the embedded broker, which runs with an "
                + "MQTT listener, like listen: \":1883\"");
    }

    @Test
    void eachMistakeAtItsLine() {
        List<ConfigProblem> problems = problems("""
                mqtt:
                  listen: 1883
                  bridges:
                    - name: cloud
                      address: "cloud:0"
                      protocol-version: 4
                      keep-alive: 2s
                      reconnect-min: 10s
                      reconnect-max: 1s
                      max-queued-messages: 0
                      colour: blue
                      topics:
                        - "a/# sideways 1"
                        - "a/#+ out"
                        - { filter: "x/#", qos: 3 }
                        - { direction: in }
                        - "# out 1 only-local"
                        - { filter: "#", local-prefix: "a/+/" }
                        - { filter: "", local-prefix: here }
                    - { address: "c:1883", topics: "#" }
                    - "cloud:1883"
                """);
        assertEquals(List.of(
                new ConfigProblem(FILE, 5, "mqtt.bridges.cloud.address: bad address 'cloud:0': port 0 cannot be "
                        + "connected to"),
                new ConfigProblem(FILE, 6, "mqtt.bridges.cloud.protocol-version: expected 3.1.1 or 5, got '4'"),
                new ConfigProblem(FILE, 7, "mqtt.bridges.cloud.keep-alive: must be at least 5s, got 2s"),
                new ConfigProblem(FILE, 9, "mqtt.bridges.cloud.reconnect-max (1s) is below "
                        + "mqtt.bridges.cloud.reconnect-min (10s)"),
                new ConfigProblem(FILE, 10, "mqtt.bridges.cloud.max-queued-messages: must be at least 1, got 0"),
                new ConfigProblem(FILE, 11, "unknown key 'colour' in mqtt.bridges, expected one of: name, address, "
                        + "client-id, protocol-version, clean-start, session-expiry, keep-alive, user-name, password, "
                        + "try-private, reconnect-min, reconnect-max, max-queued-messages, max-queued-bytes, topics"),
                new ConfigProblem(FILE, 13, "mqtt.bridges.cloud.topics: expected out, in or both, got 'sideways'"),
                new ConfigProblem(FILE, 14, "mqtt.bridges.cloud.topics: 'a/#+' is not a topic filter: '+' and '#' "
                        + "stand alone between slashes, '#' only at the end"),
                new ConfigProblem(FILE, 15, "mqtt.bridges.cloud.topics.qos: must be at most 2, got 3"),
                new ConfigProblem(FILE, 16, "mqtt.bridges.cloud.topics: a topic needs a filter, like filter: sensors/#"),
                new ConfigProblem(FILE, 17, "mqtt.bridges.cloud.topics: expected 'pattern [out|in|both [qos "
                        + "[local-prefix remote-prefix]]]', got '# out 1 only-local'"),
                new ConfigProblem(FILE, 18, "mqtt.bridges.cloud.topics: the local prefix 'a/+/' must be plain topic "
                        + "levels, without wildcards"),
                new ConfigProblem(FILE, 19, "mqtt.bridges.cloud.topics: an empty pattern maps one topic, the local "
                        + "prefix to the remote prefix: give both"),
                new ConfigProblem(FILE, 20, "mqtt.bridges: a bridge needs a name, like name: cloud"),
                new ConfigProblem(FILE, 21, "mqtt.bridges: expected a bridge like { name: cloud, address: "
                        + "cloud.example.com:1883, topics: [ \"sensors/# out 1\" ] }, got 'cloud:1883'")), problems);
    }

    @Test
    void versionSpecificKeysAreRefusedWhereTheyDoNothing() {
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  bridges:
                    - name: cloud
                      address: "cloud:1883"
                      session-expiry: 1h
                      topics: "#"
                """, 6, "mqtt.bridges.cloud.session-expiry: only MQTT 5 has a session expiry; with 3.1.1, "
                + "clean-start: false keeps the session for ever");
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  bridges:
                    - { name: cloud, address: "cloud:1883", protocol-version: 5, try-private: false, topics: "#" }
                """, 4, "mqtt.bridges.cloud.try-private: only MQTT 3.1.1 marks a bridge in its CONNECT; with 5 the "
                + "bridge keeps messages from looping through no-local");
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  bridges:
                    - { name: cloud, address: "cloud:1883", password: secret, topics: "#" }
                """, 4, "mqtt.bridges.cloud.password: MQTT 3.1.1 sends a password only with a user-name");
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  bridges:
                    - { name: cloud, address: "cloud:1883", protocol-version: 5, session-expiry: 1500ms, topics: "#" }
                """, 4, "mqtt.bridges.cloud.session-expiry: must be whole seconds up to 4294967295s, or never; got 1500ms");
    }

    @Test
    void namesAreUniqueAndTopicsRequired() {
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  bridges:
                    - { name: cloud, address: "a:1883", topics: "#" }
                    - { name: cloud, address: "b:1883", topics: "#" }
                """, 5, "mqtt.bridges: two bridges are named cloud (the first on line 4)");
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  bridges:
                    - { name: cloud, address: "a:1883", topics: [] }
                """, 4, "mqtt.bridges.cloud: no topics; add topics: [ \"sensors/# out 1\" ] or { filter: sensors/#, "
                + "direction: out, qos: 1 }");
        assertOnlyProblem("""
                mqtt:
                  listen: 1883
                  bridges:
                    - { name: cloud, topics: "#" }
                """, 4, "mqtt.bridges.cloud: a bridge needs the remote broker's address, like address: "
                + "cloud.example.com:1883");
    }
}
