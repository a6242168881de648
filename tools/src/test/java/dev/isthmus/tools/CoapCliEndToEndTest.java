package dev.isthmus.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.protocol.mqtt.LiveSubscriber;

/** {@code isthmus run} with CoAP listening, driven by libcoap's coap-client like a newcomer would. */
class CoapCliEndToEndTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void theDeviceResourcesAndMqttTopicsAnswerCoapClients() throws Exception {
        try (ChildJvm isthmus = ChildJvm.isthmus("--coap-listen", "127.0.0.1:0", "--mqtt-listen", "127.0.0.1:0")) {
            InetSocketAddress coap = isthmus.listenerAddress("coap 127.0.0.1:0");
            InetSocketAddress mqtt = isthmus.listenerAddress("mqtt 127.0.0.1:0");
            String base = "coap://127.0.0.1:" + coap.getPort();

            String discovery = CoapClientProcess.run("-m", "get", base + "/.well-known/core");
            assertTrue(discovery.contains("</telemetry>") && discovery.contains("</status>")
                    && discovery.contains("</ps>"), discovery + isthmus.output());
            assertTrue(CoapClientProcess.run("-m", "get", base + "/status").contains("\"readings\":0"), isthmus.output());

            assertEquals("", CoapClientProcess.run("-m", "put", "-e", "temp=21.5", base + "/telemetry"));
            assertEquals("temp=21.5", CoapClientProcess.run("-m", "get", base + "/telemetry"));
            assertTrue(CoapClientProcess.run("-m", "get", base + "/status").contains("\"readings\":1"), isthmus.output());

            String port = String.valueOf(mqtt.getPort());
            try (LiveSubscriber sub = new LiveSubscriber("-h", "127.0.0.1", "-p", port, "-t", "plant/#", "-v")) {
                CoapClientProcess.run("-m", "post", "-e", "running", base + "/ps/plant/pump-3");
                assertEquals(List.of("plant/pump-3 running"), sub.messages(1));
            }
            // QoS 1: once mosquitto_pub has its PUBACK, the broker holds the retained message.
            MosquittoClients.Result retained = MosquittoClients.publish(10, "-h", "127.0.0.1", "-p", port,
                    "-t", "plant/valve-1", "-m", "open", "-r", "-q", "1");
            assertEquals(0, retained.exitCode(), retained.output());
            assertEquals("open", CoapClientProcess.run("-m", "get", base + "/ps/plant/valve-1"));

            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }
}
