package dev.isthmus.tools;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.isthmus.protocol.coap.CoapExchange;
import dev.isthmus.protocol.coap.CoapRequest;
import dev.isthmus.protocol.coap.CoapResource;
import dev.isthmus.protocol.coap.CoapResources;
import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.codec.CoapCode;

/**
 * The CoAP resources of the built-in configuration, for a first try with {@code coap-client}:
 * <ul>
 *   <li>{@code /telemetry}: a sink devices POST or PUT readings to (any content format, kept as
 *       sent); GET returns the latest reading with its content format, and observing it
 *       notifies every new one;</li>
 *   <li>{@code /status}: the gateway's own state as JSON (version, uptime, readings taken);</li>
 *   <li>{@code /.well-known/core}: both, in the CoRE Link Format.</li>
 * </ul>
 */
final class DeviceResources {
    private final String version;
    private final long startedAt = System.nanoTime();
    private final AtomicLong readings = new AtomicLong();
    private final AtomicReference<CoapResponse> latest = new AtomicReference<>(
            CoapResponse.of(CoapCode.CONTENT).contentFormat(CoapResponse.TEXT_PLAIN));
    private final CoapResource telemetry;
    private final CoapResource status;

    DeviceResources(String version) {
        this.version = version;
        this.telemetry = CoapResource.at("/telemetry").observable()
                .attribute("rt", "isthmus.telemetry").attribute("if", "core.s")
                .attribute("title", "Telemetry sink: POST or PUT readings, GET or observe the latest")
                .handler(this::telemetry).build();
        this.status = CoapResource.at("/status").attribute("rt", "isthmus.status").attribute("if", "core.rp")
                .attribute("ct", String.valueOf(CoapResponse.JSON)).attribute("title", "Gateway status")
                .handler(this::status).build();
    }

    CoapResources resources() {
        return new CoapResources(List.of(telemetry, status));
    }

    private void telemetry(CoapRequest request, CoapExchange exchange) {
        switch (request.method()) {
            case CoapCode.POST, CoapCode.PUT -> {
                readings.incrementAndGet();
                latest.set(CoapResponse.of(CoapCode.CONTENT)
                        .contentFormat(request.contentFormat() < 0 ? CoapResponse.TEXT_PLAIN : request.contentFormat())
                        .payload(request.payload()));
                exchange.respond(CoapResponse.of(CoapCode.CHANGED));
                telemetry.changed();
            }
            case CoapCode.GET -> {
                CoapResponse last = latest.get();
                exchange.respond(CoapResponse.of(CoapCode.CONTENT).contentFormat(last.contentFormat())
                        .payload(last.payload()));
            }
            default -> exchange.respond(CoapResponse.error(CoapCode.METHOD_NOT_ALLOWED, "GET, POST or PUT"));
        }
    }

    private void status(CoapRequest request, CoapExchange exchange) {
        if (request.method() != CoapCode.GET) {
            exchange.respond(CoapResponse.error(CoapCode.METHOD_NOT_ALLOWED, "GET only"));
            return;
        }
        long uptime = Duration.ofNanos(System.nanoTime() - startedAt).toSeconds();
        String json = "{\"version\":\"" + version.replace("\"", "") + "\",\"uptime_s\":" + uptime
                + ",\"readings\":" + readings.get() + "}";
        exchange.respond(CoapResponse.of(CoapCode.CONTENT).contentFormat(CoapResponse.JSON).maxAge(5)
                .payload(json.getBytes(StandardCharsets.UTF_8)));
    }
}
