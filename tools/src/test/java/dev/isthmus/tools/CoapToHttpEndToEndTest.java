package dev.isthmus.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
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
import org.junit.jupiter.api.io.TempDir;

import dev.isthmus.core.config.CoapConfig;
import dev.isthmus.core.config.ConfigLoader;
import dev.isthmus.core.config.RouteConfig;
import dev.isthmus.core.testing.NginxProcess;

/**
 * {@code isthmus run --config FILE} with a CoAP listener and {@code coap.http} routes to an
 * nginx, and no HTTP listener at all: libcoap's coap-client reaches nginx through the gateway,
 * a route shadows the built-in resource at its path, and the other built-in ones still answer.
 * The README's example is a configuration the loader accepts.
 */
class CoapToHttpEndToEndTest {
    private static final Path COAP_CLIENT = Path.of("/usr/bin/coap-client-notls");
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void coapRequestsUnderARouteAreAnsweredByTheHttpUpstream() throws Exception {
        try (NginxProcess nginx = NginxProcess.prepare()) {
            int port = NginxProcess.freePort();
            nginx.start("""
                    server {
                        listen 127.0.0.1:%1$d;
                        location = /ready { return 200 "ready"; }
                        location /api/ { default_type application/json; return 200 '{"path":"$uri","room":"$arg_room"}'; }
                        location = /status { default_type text/plain; return 200 "status from nginx"; }
                    }
                    """.formatted(port), port);
            Path config = Files.writeString(dir.resolve("coap-http.yaml"), """
                    threads: 1
                    upstreams:
                      backend: { peers: [ "127.0.0.1:%d" ] }
                    coap:
                      listen: "127.0.0.1:0"
                      http:
                        - { path: /api, upstream: backend }
                        - { path: /status, upstream: backend }
                    """.formatted(port));
            try (ChildJvm isthmus = ChildJvm.isthmus("run", "--config", config.toString())) {
                InetSocketAddress coap = isthmus.listenerAddress("coap 127.0.0.1:0");
                String base = "coap://127.0.0.1:" + coap.getPort();

                CoapClient api = coapClient("-m", "get", base + "/api/rooms/kitchen?room=k1");
                assertEquals(0, api.exitCode(), api + isthmus.output());
                assertEquals("{\"path\":\"/api/rooms/kitchen\",\"room\":\"k1\"}", api.out(), api + isthmus.output());

                CoapClient status = coapClient("-m", "get", base + "/status");
                assertEquals("status from nginx", status.out(), status + isthmus.output());

                // A built-in resource no route shadows still answers.
                CoapClient telemetry = coapClient("-m", "put", "-e", "21.5", base + "/telemetry");
                assertEquals(0, telemetry.exitCode(), telemetry + isthmus.output());
                assertEquals("21.5", coapClient("-m", "get", base + "/telemetry").out(), isthmus.output());

                isthmus.terminate();
                assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
            }
        }
    }

    @Test
    void theReadmeExampleIsAValidConfiguration() throws Exception {
        Path readme = Path.of(System.getProperty("basedir", ".")).resolve("../README.md").normalize();
        String text = Files.readString(readme);
        int start = text.indexOf("\n### CoAP to HTTP\n");
        assertTrue(start >= 0, readme + " has no section 'CoAP to HTTP'");
        Matcher yaml = Pattern.compile("(?ms)^```yaml\\n(.*?)^```$").matcher(text);
        assertTrue(yaml.find(start), "no yaml block in 'CoAP to HTTP'");
        CoapConfig coap = ConfigLoader.parse(yaml.group(1), Path.of("README.md")).coap();
        assertEquals(List.of(new RouteConfig(null, "/api", "backend")), coap.httpRoutes());
        assertEquals(5683, coap.listeners().getFirst().port());
    }

    record CoapClient(int exitCode, String out, String err) {
    }

    private static CoapClient coapClient(String... args) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(COAP_CLIENT), COAP_CLIENT + " is missing: apt-get install libcoap3-bin");
        List<String> command = new ArrayList<>(List.of(COAP_CLIENT.toString(), "-B", "30"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("coap-client-notls " + String.join(" ", args) + " did not finish");
        }
        return new CoapClient(process.exitValue(), out, new String(err.join(), StandardCharsets.UTF_8));
    }
}
