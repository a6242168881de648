package dev.isthmus.tools;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoProcess;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The isthmus command as a user runs it: {@link Main} in its own JVM with the launcher's JVM
 * options, found on ephemeral ports through the lines it logs, driven by curl and the JDK
 * HttpClient, stopped with SIGTERM as a supervisor stops it.
 */
class CliEndToEndTest {
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final Pattern REQUESTS_2XX =
            Pattern.compile("(?m)^isthmus_http_requests_total\\{listener=\"http\",code=\"2xx\"} (\\d+)$");
    /** What the child has to finish in: a deadline against hangs, far above what any step takes. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path dir;

    @Test
    void withoutAnUpstreamTheBuiltInOriginAnswersAndTheAdminListenerCountsIt() throws Exception {
        try (ChildJvm isthmus = ChildJvm.isthmus("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")) {
            InetSocketAddress http = isthmus.listenerAddress("http 127.0.0.1:0");
            InetSocketAddress admin = isthmus.adminAddress();
            assertTrue(http.getPort() != 0 && admin.getPort() != 0 && http.getPort() != admin.getPort(),
                    isthmus.output());
            long before = requests2xx(admin);

            Curl devices = curl("http://" + hostPort(http) + "/devices");
            assertEquals(0, devices.exitCode(), devices + isthmus.output());
            assertTrue(devices.head().startsWith("HTTP/1.1 200 "), devices.toString());
            assertTrue(devices.head().toLowerCase().contains("content-type: application/json"), devices.toString());
            assertTrue(devices.body().startsWith("{\"devices\":[{\"id\":\"thermostat-01\""), devices.body());
            assertTrue(devices.body().contains("\"id\":\"tracker-05\""), devices.body());

            // Counted once the exchange ends, which may be a moment after curl has its answer.
            long after = before;
            for (long deadline = System.nanoTime() + DEADLINE.toNanos(); after == before
                    && System.nanoTime() - deadline < 0; Thread.sleep(20)) {
                after = requests2xx(admin);
            }
            assertEquals(before + 1, after, "isthmus_http_requests_total 2xx after one request");
            assertEquals("ok\n", get(URI.create("http://" + hostPort(admin) + "/healthz")).body());

            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }

    @Test
    void theEmbeddedBrokerServesMosquittoClientsOnItsMqttListener() throws Exception {
        try (ChildJvm isthmus = ChildJvm.isthmus("--mqtt-listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")) {
            InetSocketAddress mqtt = isthmus.listenerAddress("mqtt 127.0.0.1:0");
            String port = String.valueOf(mqtt.getPort());
            MosquittoClients.Result pub = MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port,
                    "-t", "devices/thermostat-01/state", "-r", "-q", "1", "-m", "21.5C");
            assertEquals(0, pub.exitCode(), pub.output() + isthmus.output());
            MosquittoClients.Result sub = MosquittoClients.subscribe(10, "-h", "127.0.0.1", "-p", port,
                    "-V", "mqttv5", "-t", "devices/+/state", "-C", "1", "-v");
            assertEquals(List.of("devices/thermostat-01/state 21.5C"), sub.lines(), sub.output() + isthmus.output());

            HttpResponse<String> metrics = get(URI.create("http://" + hostPort(isthmus.adminAddress()) + "/metrics"));
            assertTrue(metrics.body().contains("isthmus_mqtt_messages_received_total{listener=\"mqtt\"} 1"),
                    metrics.body());
            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }

    @Test
    void theEmbeddedBrokerKeepsDevicesToTheTopicRulesOfTheFile() throws Exception {
        Path config = Files.writeString(dir.resolve("rules.yaml"), """
                mqtt:
                  listen: "127.0.0.1:0"
                  rules:
                    publish: { allow: [ "devices/%c/#" ] }
                """);
        try (ChildJvm isthmus = ChildJvm.isthmus("--config", config.toString())) {
            String port = String.valueOf(isthmus.listenerAddress("mqtt 127.0.0.1:0").getPort());
            // A 3.1.1 client cannot be told: its refused message is acknowledged and dropped.
            assertEquals(0, MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port, "-i", "d1", "-r", "-q", "1",
                    "-t", "devices/d2/state", "-m", "forged").exitCode());
            assertEquals(0, MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port, "-i", "d1", "-r", "-q", "1",
                    "-t", "devices/d1/state", "-m", "mine").exitCode());
            MosquittoClients.Result sub = MosquittoClients.subscribe(10, "-h", "127.0.0.1", "-p", port,
                    "-t", "devices/+/state", "-v", "-W", "2");
            assertEquals(List.of("devices/d1/state mine"),
                    sub.lines().stream().filter(line -> line.startsWith("devices/")).toList(), sub.output());
            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }

    @Test
    void acknowledgedMessagesForAPersistentSessionSurviveAKill9() throws Exception {
        Path config = Files.writeString(dir.resolve("persistent.yaml"), """
                mqtt:
                  listen: "127.0.0.1:0"
                  persistence: sessions
                """);
        List<String> sent = new ArrayList<>();
        try (ChildJvm isthmus = ChildJvm.isthmus("--config", config.toString())) {
            String port = String.valueOf(isthmus.listenerAddress("mqtt 127.0.0.1:0").getPort());
            // A persistent session (clean session off) that subscribes and goes away.
            MosquittoClients.Result subscribed = MosquittoClients.subscribe(10, "-h", "127.0.0.1", "-p", port,
                    "-i", "keeper", "-c", "-q", "1", "-t", "crash/#", "-E");
            assertEquals(0, subscribed.exitCode(), subscribed.output());
            for (int i = 0; i < 10; i++) {
                // mosquitto_pub -q 1 exits once the PUBACK came: each of these was acknowledged.
                assertEquals(0, MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port, "-q", "1",
                        "-t", "crash/" + i, "-m", "m" + i).exitCode());
                sent.add("crash/" + i + " m" + i);
            }
            isthmus.process().destroyForcibly();
            isthmus.awaitExit(DEADLINE);
        }
        assertTrue(Files.exists(dir.resolve("sessions/sessions.log")), "the log lives where the config says");
        try (ChildJvm isthmus = ChildJvm.isthmus("--config", config.toString())) {
            String port = String.valueOf(isthmus.listenerAddress("mqtt 127.0.0.1:0").getPort());
            isthmus.await(Pattern.compile("1 sessions and 0 retained messages restored"),
                    ChildJvm.STARTUP);
            MosquittoClients.Result back = MosquittoClients.subscribe(10, "-h", "127.0.0.1", "-p", port,
                    "-i", "keeper", "-c", "-q", "1", "-t", "crash/#", "-v", "-C", "10");
            assertEquals(sent, back.lines(), back.output());
            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }

    @Test
    void mqttUpstreamTurnsTheListenerIntoAProxyToMosquitto() throws Exception {
        try (MosquittoProcess broker = MosquittoProcess.start();
             ChildJvm isthmus = ChildJvm.isthmus("--mqtt-listen", "127.0.0.1:0", "--mqtt-upstream",
                     broker.host() + ":" + broker.port(), "--admin", "127.0.0.1:0")) {
            InetSocketAddress mqtt = isthmus.listenerAddress("mqtt 127.0.0.1:0");
            String port = String.valueOf(mqtt.getPort());
            MosquittoClients.Result pub = MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port,
                    "-t", "devices/meter-02/state", "-r", "-q", "1", "-m", "42kWh");
            assertEquals(0, pub.exitCode(), pub.output() + isthmus.output());
            // The retained message lives in mosquitto: asked for there directly, and through the proxy.
            MosquittoClients.Result direct = MosquittoClients.subscribe(10, "-h", broker.host(), "-p",
                    String.valueOf(broker.port()), "-t", "devices/+/state", "-C", "1", "-v");
            assertEquals(List.of("devices/meter-02/state 42kWh"), direct.lines(), direct.output() + isthmus.output());
            MosquittoClients.Result proxied = MosquittoClients.subscribe(10, "-h", "127.0.0.1", "-p", port,
                    "-V", "mqttv5", "-t", "devices/+/state", "-C", "1", "-v");
            assertEquals(List.of("devices/meter-02/state 42kWh"), proxied.lines(), proxied.output() + isthmus.output());

            HttpResponse<String> metrics = get(URI.create("http://" + hostPort(isthmus.adminAddress()) + "/metrics"));
            assertTrue(metrics.body().contains("isthmus_mqtt_proxy_connections_proxied_total{listener=\"mqtt\"} 2"),
                    metrics.body());
            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }

    @Test
    void aBridgeInTheConfigFileCarriesMessagesToAndFromARemoteMosquitto() throws Exception {
        try (MosquittoProcess cloud = MosquittoProcess.start()) {
            String[] atCloud = {"-h", cloud.host(), "-p", String.valueOf(cloud.port())};
            MosquittoClients.Result register = MosquittoClients.subscribe(10, concat(atCloud, "-i", "cloud-reader", "-c",
                    "-q", "1", "-t", "edge-7/#", "-E"));
            assertEquals(0, register.exitCode(), register.output());
            Path config = Files.writeString(dir.resolve("bridge.yaml"), """
                    threads: 2
                    admin: { listen: "127.0.0.1:0" }
                    mqtt:
                      listen: "127.0.0.1:0"
                      bridges:
                        - name: cloud
                          address: "%s"
                          client-id: edge-7
                          reconnect-min: 100ms
                          reconnect-max: 1s
                          topics:
                            - "sensors/# out 1 \\"\\" edge-7/"
                            - { filter: cmd/#, direction: in, qos: 1, remote-prefix: fleet/edge-7/ }
                    """.formatted(cloud.host() + ":" + cloud.port()));
            try (ChildJvm isthmus = ChildJvm.isthmus("--config", config.toString())) {
                String port = String.valueOf(isthmus.listenerAddress("mqtt 127.0.0.1:0").getPort());
                isthmus.await(Pattern.compile("bridge cloud connected to " + Pattern.quote(cloud.host() + ":"
                        + cloud.port()) + " as edge-7"), DEADLINE);
                MosquittoClients.Result pub = MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port,
                        "-t", "sensors/boiler", "-q", "1", "-m", "71C");
                assertEquals(0, pub.exitCode(), pub.output());
                MosquittoClients.Result read = MosquittoClients.subscribe(10, concat(atCloud, "-i", "cloud-reader", "-c",
                        "-q", "1", "-t", "edge-7/#", "-C", "1", "-v"));
                assertEquals(List.of("edge-7/sensors/boiler 71C"), read.lines(), read.output() + isthmus.output());

                // In: the bridge has subscribed by the time a retained command is published, or gets it as retained.
                assertEquals(0, MosquittoClients.publish(10, concat(atCloud, "-t", "fleet/edge-7/cmd/valve", "-q", "1",
                        "-r", "-m", "close")).exitCode());
                MosquittoClients.Result command = MosquittoClients.subscribe(20, "-h", "127.0.0.1", "-p", port,
                        "-t", "cmd/#", "-C", "1", "-v", "-W", "15");
                assertEquals(List.of("cmd/valve close"), command.lines(), command.output() + isthmus.output());

                HttpResponse<String> metrics = get(URI.create("http://" + hostPort(isthmus.adminAddress()) + "/metrics"));
                assertTrue(metrics.body().contains("isthmus_mqtt_bridge_connected{bridge=\"cloud\"} 1"), metrics.body());
                assertTrue(metrics.body().contains("isthmus_mqtt_bridge_messages_out_total{bridge=\"cloud\"} 1"),
                        metrics.body());
                isthmus.terminate();
                assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
            }
        }
    }

    private static String[] concat(String[] first, String... more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void sigtermLetsInFlightRequestsFinishRefusesNewConnectionsAndExitsZero() throws Exception {
        int inFlight = 5;
        try (RecordingOrigin origin = new RecordingOrigin("slow-origin");
             ChildJvm isthmus = ChildJvm.isthmus("--listen", "127.0.0.1:0", "--upstream", origin.hostPort(),
                     "--shutdown-grace", "10s")) {
            InetSocketAddress http = isthmus.listenerAddress("http 127.0.0.1:0");
            URI slow = URI.create("http://" + hostPort(http) + "/slow");
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < inFlight; i++) {
                responses.add(client.sendAsync(HttpRequest.newBuilder(slow).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            assertTrue(origin.awaitSlowArrivals(inFlight, DEADLINE.toSeconds(), TimeUnit.SECONDS),
                    "the requests did not all reach the origin\n" + isthmus.output());

            isthmus.terminate();
            isthmus.await(Pattern.compile("Gateway: shutting down"), DEADLINE);
            assertConnectionsRefused(http, isthmus);
            assertTrue(isthmus.process().isAlive(), "exited with requests in flight\n" + isthmus.output());
            assertTrue(responses.stream().noneMatch(CompletableFuture::isDone), "a held request already finished");

            origin.releaseSlow();
            for (CompletableFuture<HttpResponse<String>> response : responses) {
                HttpResponse<String> answer = response.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode(), answer.body() + isthmus.output());
                assertEquals("slow done\n", answer.body());
            }
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
            String output = isthmus.output();
            assertTrue(output.contains("Gateway: SIGTERM received"), output);
            assertTrue(output.contains("Gateway: stopped"), output);
            assertFalse(output.contains("grace period ended"), "in-flight requests were cut off\n" + output);
        }
    }

    @Test
    void aConfigFileRoutesByHostAndPath() throws Exception {
        try (RecordingOrigin api = new RecordingOrigin("api"); RecordingOrigin devices = new RecordingOrigin("devices")) {
            Path config = Files.writeString(dir.resolve("isthmus.yaml"), """
                    threads: 1
                    http:
                      listen: [ "127.0.0.1:0" ]
                      routes:
                        - { host: api.example.com, path: /v1/, upstream: api }
                        - { host: "*.devices.example.com", upstream: devices }
                        - { path: /telemetry/, upstream: devices }
                        - { upstream: api }
                    upstreams:
                      api: { peers: [ "%s" ] }
                      devices: { peers: [ "%s" ] }
                    """.formatted(api.hostPort(), devices.hostPort()));
            try (ChildJvm isthmus = ChildJvm.isthmus("--config", config.toString())) {
                String base = "http://" + hostPort(isthmus.listenerAddress("http 127.0.0.1:0"));
                String[][] cases = {
                    // Host, path, origin expected
                    {"api.example.com", "/v1/readings?since=10", "api"},
                    {"thermostat-01.devices.example.com", "/v1/readings", "devices"},
                    {"THERMOSTAT-01.Devices.Example.Com:8080", "/state", "devices"},
                    {"gateway.example.com", "/telemetry/meter-02", "devices"},
                    {"gateway.example.com", "/v1/readings", "api"},
                };
                for (String[] request : cases) {
                    Curl answer = curl(base + request[1], "-H", "Host: " + request[0]);
                    String expected = request[2] + " GET " + request[1] + "\n";
                    assertTrue(answer.exitCode() == 0 && answer.body().startsWith(expected),
                            "Host " + request[0] + " path " + request[1] + " should reach " + request[2] + ": "
                                    + answer + isthmus.output());
                    assertTrue(answer.body().contains("\nhost: " + request[0] + "\n"),
                            "the origin did not get the client's Host: " + answer.body());
                }
                // A host whose own routes do not match the path falls through to the routes for any host.
                Curl fallThrough = curl(base + "/v2/readings", "-H", "Host: api.example.com");
                assertTrue(fallThrough.head().startsWith("HTTP/1.1 200 "), fallThrough.toString());
                assertEquals(3, api.received.size(), api.received.toString());
                assertEquals(3, devices.received.size(), devices.received.toString());
                isthmus.terminate();
                assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
            }
        }
    }

    @Test
    void checkAndHelpBehaveTheSameAsAProcess() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "http:\n  listen: [ \":0\" ]\n  timeouts: { connect: 3 }\n");
        try (ChildJvm check = ChildJvm.isthmus("check", "--config", bad.toString())) {
            assertEquals(2, check.awaitExit(DEADLINE), check.output());
            assertTrue(check.output().contains(bad + ":3: http.timeouts.connect: duration '3' has no unit"),
                    check.output());
        }
        try (ChildJvm help = ChildJvm.isthmus("--help")) {
            assertEquals(0, help.awaitExit(DEADLINE), help.output());
            Matcher commands = Pattern.compile("(?ms)^Commands:\\s*\\n\\s+run\\s.*^\\s+check\\s").matcher(help.output());
            assertTrue(commands.find(), "--help does not list run and check\n" + help.output());
        }
    }

    /**
     * Connecting must fail with "connection refused". Each loop closes its own listener a moment
     * after the log line, and the kernel spreads connects over the listeners still open, so this
     * waits for a run of refusals rather than the first one.
     */
    private static void assertConnectionsRefused(InetSocketAddress address, ChildJvm isthmus) throws Exception {
        int refusedInARow = 0;
        for (long deadline = System.nanoTime() + DEADLINE.toNanos(); System.nanoTime() - deadline < 0; ) {
            try (Socket socket = new Socket()) {
                socket.connect(address, 5_000);
                refusedInARow = 0;
            } catch (ConnectException refused) {
                if (++refusedInARow == 20) {
                    return;
                }
                continue;
            }
            Thread.sleep(10);
        }
        fail("connections to " + address + " are still accepted after SIGTERM\n" + isthmus.output());
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    private long requests2xx(InetSocketAddress admin) throws IOException, InterruptedException {
        HttpResponse<String> metrics = get(URI.create("http://" + hostPort(admin) + "/metrics"));
        assertEquals(200, metrics.statusCode(), metrics.body());
        Matcher count = REQUESTS_2XX.matcher(metrics.body());
        assertTrue(count.find(), "no 2xx count for listener http in\n" + metrics.body());
        return Long.parseLong(count.group(1));
    }

    /** What curl printed: the response head ({@code -D -}) and the body. */
    record Curl(int exitCode, String head, String body, String err) {
        @Override
        public String toString() {
            return "curl exit " + exitCode + "\n" + head + body + "\n" + err + "\n";
        }
    }

    /** Runs the real curl; there is no fallback, an interop test without its peer proves nothing. */
    private static Curl curl(String url, String... options) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(CURL), CURL + " is missing: install curl (.ci/run does) to run these tests");
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "-sS", "--max-time", "30", "-D", "-"));
        command.addAll(List.of(options));
        command.add(url);
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("curl " + url + " did not finish");
        }
        int split = out.indexOf("\r\n\r\n");
        String head = split < 0 ? out : out.substring(0, split + 4);
        String body = split < 0 ? "" : out.substring(split + 4);
        return new Curl(process.exitValue(), head, body, new String(err.join(), StandardCharsets.UTF_8));
    }
}
