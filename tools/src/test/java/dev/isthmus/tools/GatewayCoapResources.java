package dev.isthmus.tools;

import java.util.List;

import dev.isthmus.protocol.coap.CoapResource;

/** The gateway's built-in CoAP resources ({@code /telemetry}, {@code /status}), for tests in other packages. */
public final class GatewayCoapResources {
    private GatewayCoapResources() {
    }

    public static List<CoapResource> all() {
        return new DeviceResources("test").resources().all();
    }
}
