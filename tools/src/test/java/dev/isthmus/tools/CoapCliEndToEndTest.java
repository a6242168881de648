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
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.protocol.mqtt.LiveSubscriber;

/** {@code isthmus run} with CoAP listening, driven by libcoap's coap-client like a newcomer would. */
class CoapCliEndToEndTest {
    private static final Path COAP_CLIENT = Path.of("/usr/bin/coap-client-notls");
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void theDeviceResourcesAndMqttTopicsAnswerCoapClients() throws Exception {
        try (ChildJvm isthmus = ChildJvm.isthmus("--coap-listen", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0")) {
            InetSocketAddress coap = isthmus.listenerAddress("coap 127.0.0.1:0");
            InetSocketAddress mqtt = isthmus.listenerAddress("mqtt 127.0.0.1:0");
            String base = "coap://127.0.0.1:" + coap.getPort();

            String discovery = coapClient("-m", "get", base + "/.well-known/core");
            assertTrue(discovery.contains("</telemetry>") && discovery.contains("</status>")
                    && discovery.contains("</ps>"), discovery + isthmus.output());
            assertTrue(coapClient("-m", "get", base + "/status").contains("\"readings\":0"), isthmus.output());

            assertEquals("", coapClient("-m", "put", "-e", "temp=21.5", base + "/telemetry"));
            assertEquals("temp=21.5", coapClient("-m", "get", base + "/telemetry"));
            assertTrue(coapClient("-m", "get", base + "/status").contains("\"readings\":1"), isthmus.output());

            String port = String.valueOf(mqtt.getPort());
            try (LiveSubscriber sub = new LiveSubscriber("-h", "127.0.0.1", "-p", port, "-t", "plant/#", "-v")) {
                coapClient("-m", "post", "-e", "running", base + "/ps/plant/pump-3");
                assertEquals(List.of("plant/pump-3 running"), sub.messages(1));
            }
            MosquittoClients.Result retained = MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port,
                    "-t", "plant/valve-1", "-m", "open", "-r");
            assertEquals(0, retained.exitCode(), retained.output());
            assertEquals("open", coapClient("-m", "get", base + "/ps/plant/valve-1"));

            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }

    /** What coap-client-notls printed (the response payload); fails unless it exits 0. */
    private static String coapClient(String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(COAP_CLIENT)) {
            throw new AssertionError(COAP_CLIENT + " is missing: apt-get install libcoap3-bin");
        }
        List<String> command = new ArrayList<>(List.of(COAP_CLIENT.toString(), "-B", "10"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("coap-client " + String.join(" ", args) + " did not end");
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        assertEquals(0, process.exitValue(), "coap-client " + String.join(" ", args) + ": " + text);
        return text;
    }
}
