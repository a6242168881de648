package dev.isthmus.tools;

import dev.isthmus.core.config.HttpLimits;
import dev.isthmus.core.config.IoMode;
import dev.isthmus.core.config.IsthmusConfig;
import dev.isthmus.core.config.MqttConfig;
import dev.isthmus.core.config.UpstreamGroupConfig;
import dev.isthmus.core.config.ValueSyntax;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.protocol.http1.HttpProxySettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as a user meets it: exit statuses and what lands on stdout and stderr. */
class MainTest {
    @TempDir
    Path dir;

    /** Exit status and captured streams of one invocation. */
    record Result(int status, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\\R"));
        }
    }

    private static Result execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    private Path file(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml);
        return file;
    }

    // ---- check -------------------------------------------------------------------------------

    @Test
    void checkAcceptsAValidFile() throws IOException {
        Path file = file("good.yaml", """
                admin: {}
                http:
                  listen: [ ":8080", ":8081" ]
                  routes:
                    - { host: api.example.com, upstream: api }
                    - { upstream: web }
                upstreams:
                  api: { peers: [ "a:80" ] }
                  web: { peers: [ "w:80" ] }
                """);
        Result result = execute("check", "--config", file.toString());
        assertEquals(new Result(0, file + ": OK (3 listeners, 2 upstream groups, 2 routes)" + System.lineSeparator(), ""),
                result);
    }

    @Test
    void checkCountsTheImpliedRoute() throws IOException {
        Path file = file("implied.yaml", "http: { listen: \":0\" }\nupstreams: { api: { peers: [ \"a:80\" ] } }\n");
        assertEquals(file + ": OK (1 listeners, 1 upstream groups, 1 routes)", execute("check", "--config",
                file.toString()).out().strip());
    }

    @Test
    void checkReportsEveryProblemOnItsOwnLine() throws IOException {
        Path file = file("bad.yaml", """
                http:
                  listen: ":8080"
                  timeouts:
                    connect: 3
                upstreams:
                  api:
                    lb: fastest
                    peers: [ "a:80" ]
                """);
        Result result = execute("check", "--config", file.toString());
        assertEquals(2, result.status());
        assertEquals("", result.out());
        assertEquals(List.of(
                file + ":4: http.timeouts.connect: duration '3' has no unit; write one, like 500ms, 10s, 2m or 1h",
                file + ":7: upstreams.api.lb: unknown load-balancing algorithm 'fastest', expected one of round-robin, "
                        + "weighted-round-robin, least-conn, ip-hash, consistent-hash"), result.errLines());
    }

    @Test
    void checkReportsSyntaxErrors() throws IOException {
        Path file = file("syntax.yaml", "http:\n  listen: :8080\n   routes: []\n");
        Result result = execute("check", "--config", file.toString());
        assertEquals(2, result.status());
        assertEquals(List.of(file + ":3: YAML syntax error: mapping values are not allowed here"), result.errLines());
    }

    @Test
    void checkRefusesAFileWithoutListeners() throws IOException {
        Path file = file("quiet.yaml", "threads: 1\n");
        Result result = execute("check", "--config", file.toString());
        assertEquals(2, result.status());
        assertEquals(List.of(file + ": no listeners; add http.listen, mqtt.listen or an admin section"), result.errLines());
    }

    @Test
    void checkAcceptsAnMqttSection() throws IOException {
        Path broker = file("broker.yaml", """
                admin: {}
                http: { listen: ":8080" }
                mqtt:
                  listen: [ ":1883", "127.0.0.1:1884" ]
                  max-packet-size: 256k
                  persistence: data/mqtt
                """);
        assertEquals(new Result(0, broker + ": OK (4 listeners, 0 upstream groups, 0 routes, MQTT broker)"
                + System.lineSeparator(), ""), execute("check", "--config", broker.toString()));
        Path proxy = file("proxy.yaml", "mqtt:\n  listen: 1883\n  upstreams: [ \"a:1883\", \"b:1883\" ]\n");
        assertEquals(new Result(0, proxy + ": OK (1 listeners, 0 upstream groups, 0 routes, MQTT proxy to 2 brokers)"
                + System.lineSeparator(), ""), execute("check", "--config", proxy.toString()));
    }

    @Test
    void checkReportsMqttProblemsWithTheirLines() throws IOException {
        Path file = file("mqtt.yaml", """
                http:
                  listen: ":8080"
                mqtt:
                  listen: [ ":1883", ":8080" ]
                  upstreams: [ "broker" ]
                  max-packet-size: 512m
                  receive-maximum: 0
                  connect-timeout: 10
                  max-keep-alive: 1500ms
                  allow-anonymous: maybe
                  retain: true
                """);
        Result result = execute("check", "--config", file.toString());
        assertEquals(2, result.status());
        assertEquals("", result.out());
        assertEquals(List.of(
                file + ":4: mqtt.listen: 0.0.0.0:8080 is also an HTTP listener (line 2)",
                file + ":5: mqtt.upstreams: bad upstream 'broker': no port; expected host:port, like 10.0.0.1:1883",
                file + ":6: mqtt.max-packet-size: must be at most 268435455, got 512m",
                file + ":7: mqtt.receive-maximum: must be at least 1, got 0",
                file + ":8: mqtt.connect-timeout: duration '10' has no unit; write one, like 500ms, 10s, 2m or 1h",
                file + ":9: mqtt.max-keep-alive: must be whole seconds, as MQTT counts keep alive in seconds, got 1500ms",
                file + ":10: mqtt.allow-anonymous: expected true or false, got 'maybe'",
                file + ":11: unknown key 'retain' in mqtt, expected one of: listen, upstreams, max-packet-size, "
                        + "receive-maximum, max-queued-messages, connect-timeout, max-keep-alive, persistence, "
                        + "allow-anonymous, balance, upstream-connect-timeout, idle-timeout, proxy-protocol, health, "
                        + "rules, rate-limit, splice, slow-subscriber-timeout, sys-interval, bridges"), result.errLines());
    }

    @Test
    void checkAcceptsBridgesAndNamesTheirMistakesWithLines() throws IOException {
        Path good = file("bridge.yaml", """
                mqtt:
                  listen: ":1883"
                  bridges:
                    - name: cloud
                      address: cloud.example.com
                      topics: [ "sensors/# out 1 \\"\\" edge-7/", "cmd/# in 1" ]
                """);
        assertEquals(new Result(0, good + ": OK (1 listeners, 0 upstream groups, 0 routes, MQTT broker with 1 bridge)"
                + System.lineSeparator(), ""), execute("check", "--config", good.toString()));
        Path bad = file("bad-bridge.yaml", """
                mqtt:
                  listen: ":1883"
                  upstreams: [ "broker:1883" ]
                  bridges:
                    - name: cloud
                      address: cloud.example.com
                      keep-alive: 1s
                      topics: [ "sensors/# up 1" ]
                """);
        Result result = execute("check", "--config", bad.toString());
        assertEquals(2, result.status());
        assertEquals(List.of(
                bad + ":5: mqtt.bridges: a bridge connects the embedded broker to another, and mqtt.upstreams makes "
                        + "this an MQTT proxy; use one or the other",
                bad + ":7: mqtt.bridges.cloud.keep-alive: must be at least 5s, got 1s",
                bad + ":8: mqtt.bridges.cloud.topics: expected out, in or both, got 'up'"), result.errLines());
    }

    @Test
    void checkReportsMqttUpstreamsWithoutListen() throws IOException {
        Path file = file("nolisten.yaml", "http: { listen: \":8080\" }\nmqtt:\n  upstreams: broker:1883\n");
        Result result = execute("check", "--config", file.toString());
        assertEquals(2, result.status());
        assertEquals(List.of(file + ":3: mqtt.upstreams without mqtt.listen: the MQTT proxy needs a listener, "
                + "like listen: \":1883\""), result.errLines());
    }

    @Test
    void runReportsMqttFlagMistakesOnTheirOwnLines() {
        Result result = execute("--listen", ":0", "--mqtt-upstream", "broker:1883", "--mqtt-max-packet-size", "0");
        assertEquals(2, result.status());
        assertEquals(List.of("isthmus: --mqtt-max-packet-size: must be 2 to 268435455 bytes, got 0"),
                result.errLines());
        result = execute("run", "--listen", ":0", "--mqtt-upstream", "broker:1883");
        assertEquals(2, result.status());
        assertEquals(List.of("isthmus: --mqtt-upstream: no MQTT listener to proxy from; give --mqtt-listen, "
                + "or mqtt.listen in the config file"), result.errLines());
    }

    @Test
    void checkReportsAMissingFile() {
        Path missing = dir.resolve("missing.yaml");
        Result result = execute("check", "--config", missing.toString());
        assertEquals(2, result.status());
        assertEquals(List.of(missing + ": no such file"), result.errLines());
    }

    @Test
    void checkNeedsConfig() {
        Result result = execute("check");
        assertEquals(2, result.status());
        assertEquals(List.of("isthmus: Missing required option: '--config=FILE' (see 'isthmus check --help')"),
                result.errLines());
    }

    // ---- run ---------------------------------------------------------------------------------

    @Test
    void runReportsEveryFlagMistakeOnItsOwnLine() {
        for (String[] prefix : new String[][] {{}, {"run"}}) {
            List<String> args = new java.util.ArrayList<>(List.of(prefix));
            args.addAll(List.of("--listen", "nowhere", "--max-body-size", "64mb", "--lb", "random"));
            Result result = execute(args.toArray(String[]::new));
            assertEquals(2, result.status());
            assertEquals(List.of(
                    "isthmus: --listen: bad address 'nowhere': no port; expected host:port, :port, port or [v6]:port",
                    "isthmus: --lb: unknown load-balancing algorithm 'random', expected one of round-robin, "
                            + "weighted-round-robin, least-conn, ip-hash, consistent-hash",
                    "isthmus: --max-body-size: '64mb' is not a size; write bytes, or a whole number with k, m or g "
                            + "(binary: 16k = 16384 bytes)"), result.errLines());
        }
    }

    @Test
    void runReportsBadIoAndSpliceThresholdOnTheirOwnLines() {
        Result result = execute("--listen", ":0", "--io", "io_uring", "--splice-threshold", "big");
        assertEquals(2, result.status());
        assertEquals("", result.out());
        assertEquals(List.of(
                "isthmus: --io: unknown I/O mode 'io_uring', expected one of nio, uring, auto",
                "isthmus: --splice-threshold: 'big' is not a size; write bytes, or a whole number with k, m or g "
                        + "(binary: 16k = 16384 bytes), or off"), result.errLines());
    }

    @Test
    void checkReportsBadIoAndSpliceThresholdWithTheirLines() throws IOException {
        Path file = file("io.yaml", "io: uring-please\nhttp:\n  listen: \":0\"\n  splice-threshold: 1.5m\n");
        Result result = execute("check", "--config", file.toString());
        assertEquals(2, result.status());
        assertEquals(List.of(
                file + ":1: io: unknown I/O mode 'uring-please', expected one of nio, uring, auto",
                file + ":4: http.splice-threshold: '1.5m' is not a size; write bytes, or a whole number with k, m or g "
                        + "(binary: 16k = 16384 bytes), or off"), result.errLines());
    }

    @Test
    void runReportsFileProblemsWithTheirLines() throws IOException {
        Path file = file("run.yaml", "http:\n  listen: \":0\"\n  routes: [ { upstream: api } ]\n");
        Result result = execute("run", "--config", file.toString());
        assertEquals(2, result.status());
        assertEquals(List.of(file + ":3: http.routes: routes need upstream groups, but no group is defined under upstreams"),
                result.errLines());
    }

    @Test
    void unknownOptionIsOneLineWithASuggestion() {
        Result result = execute("--listn", ":0");
        assertEquals(2, result.status());
        assertEquals(1, result.errLines().size(), result.err());
        assertTrue(result.err().startsWith("isthmus: Unknown option"), result.err());
        assertTrue(result.err().contains("did you mean --listen?"), result.err());
    }

    @Test
    void badOptionValueIsOneLine() {
        Result result = execute("run", "--threads", "many");
        assertEquals(2, result.status());
        assertEquals(List.of("isthmus: Invalid value for option '--threads': 'many' is not an int "
                + "(see 'isthmus run --help')"), result.errLines());
    }

    // ---- help and version --------------------------------------------------------------------

    @Test
    void helpDocumentsEveryOptionWithItsDefault() {
        CommandLine commandLine = Main.commandLine();
        for (CommandLine command : List.of(commandLine, commandLine.getSubcommands().get("run"),
                commandLine.getSubcommands().get("check"))) {
            String name = command.getCommandSpec().qualifiedName();
            List<String> args = new java.util.ArrayList<>(List.of(name.split(" ")).subList(1, name.split(" ").length));
            args.add("--help");
            Result result = execute(args.toArray(String[]::new));
            assertEquals(0, result.status(), name);
            for (OptionSpec option : command.getCommandSpec().options()) {
                assertTrue(result.out().contains(option.longestName()), name + " --help misses " + option.longestName());
                if (!option.usageHelp() && !option.versionHelp()) {
                    assertTrue(String.join(" ", option.description()).contains("Default: "),
                            name + " " + option.longestName() + " states no default");
                }
            }
        }
    }

    @Test
    void runHelpNamesEveryOption() {
        String help = execute("run", "--help").out();
        for (String option : List.of("--config", "--listen", "--admin", "--upstream", "--lb", "--hash-key", "--threads",
                "--io", "--shutdown-grace", "--max-body-size", "--splice-threshold", "--mqtt-listen", "--mqtt-upstream",
                "--mqtt-max-packet-size", "--help", "--version")) {
            assertTrue(help.contains(option), option);
        }
    }

    @Test
    void helpDefaultsAgreeWithTheModel() {
        String help = execute("run", "--help").out().replaceAll("\\s+", " ");
        IsthmusConfig defaults = IsthmusConfig.builtInDefault();
        for (String expected : List.of(
                "Default: " + defaults.httpListeners().getFirst(),
                "Default: " + ValueSyntax.formatDuration(defaults.shutdownGrace()),
                "Default: " + ValueSyntax.formatSize(HttpLimits.DEFAULT.maxBodyBytes()),
                "Default: " + UpstreamGroupConfig.DEFAULT_LB.configName(),
                "Default: " + defaults.threads(),
                "Default: " + defaults.io().configName(),
                "Default: " + ValueSyntax.formatSize(HttpProxySettings.DEFAULT_SPLICE_THRESHOLD),
                "Default: " + defaults.mqtt().listeners().getFirst(),
                "Default: " + ValueSyntax.formatSize(MqttConfig.DEFAULT_MAX_PACKET_BYTES),
                "2 to " + MqttConfig.MAX_PACKET_BYTES + " bytes")) {
            assertTrue(help.contains(expected), expected + " not in " + help);
        }
        // The admin address may be wrapped after its colon.
        assertTrue(help.contains("Default: 127.0.0.1:") && help.contains(String.valueOf(defaults.admin().port())), help);
        for (BalanceAlgorithm algorithm : BalanceAlgorithm.values()) {
            assertTrue(help.contains(algorithm.configName()), algorithm.configName());
        }
        for (IoMode mode : IoMode.values()) {
            assertTrue(help.contains(mode.configName()), mode.configName());
        }
    }

    @Test
    void versionPrintsTheProjectVersion() {
        Result result = execute("--version");
        assertEquals(0, result.status());
        assertTrue(result.out().matches("isthmus \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R"), result.out());
    }
}
