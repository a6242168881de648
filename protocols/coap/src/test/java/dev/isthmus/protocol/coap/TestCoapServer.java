package dev.isthmus.protocol.coap;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.iouring.UringTransport;
import dev.isthmus.protocol.coap.codec.CoapCode;

/**
 * A CoAP server on 127.0.0.1 at an ephemeral UDP port with the resources the tests talk to, on
 * the transport the build asks for ({@code isthmus.test.transport}).
 */
final class TestCoapServer implements AutoCloseable {
    static final Transport TRANSPORT = UringTransport.select(System.getProperty("isthmus.test.transport", "nio"));
    static final String LISTENER = "coap";
    /** 64 KiB that differ from block to block, so a block out of place shows. */
    static final byte[] LARGE = new byte[64 * 1024];

    static {
        for (int i = 0; i < LARGE.length; i++) {
            LARGE[i] = (byte) ('a' + (i / 1024 + i) % 26);
        }
    }

    final Server server;
    final MetricRegistry metrics;
    /** Executions of /count: a duplicate must not add one. */
    final AtomicInteger counted = new AtomicInteger();
    final AtomicReference<byte[]> stored = new AtomicReference<>(new byte[0]);
    final AtomicInteger temperature = new AtomicInteger(20);
    final CoapResource temperatureResource;

    private TestCoapServer(int threads, CoapSettings settings, CoapHooks<?> hooks) throws IOException {
        metrics = new MetricRegistry(threads);
        temperatureResource = CoapResource.at("/sensors/temperature").observable()
                .attribute("rt", "temperature-c").attribute("if", "sensor").attribute("ct", "0")
                .handler((request, exchange) -> exchange.respond(CoapResponse.content(
                        String.valueOf(temperature.get())).maxAge(30)))
                .build();
        CoapResources resources = new CoapResources(List.of(
                CoapResource.at("/hello").attribute("rt", "greeting").attribute("ct", "0")
                        .handler((request, exchange) -> exchange.respond(CoapResponse.content("world"))).build(),
                CoapResource.at("/echo").handler((request, exchange) -> exchange.respond(
                        CoapResponse.of(request.method() == CoapCode.POST ? CoapCode.CREATED : CoapCode.CHANGED)
                                .contentFormat(request.contentFormat() < 0 ? 0 : request.contentFormat())
                                .payload(request.payload()))).build(),
                CoapResource.at("/count").handler((request, exchange) -> exchange.respond(CoapResponse.of(
                        CoapCode.CHANGED).payload(String.valueOf(counted.incrementAndGet())))).build(),
                CoapResource.at("/large").attribute("rt", "blob").attribute("sz", String.valueOf(LARGE.length))
                        .handler((request, exchange) -> exchange.respond(CoapResponse.of(CoapCode.CONTENT)
                                .contentFormat(CoapResponse.OCTET_STREAM).payload(LARGE))).build(),
                CoapResource.at("/store").handler(this::store).build(),
                CoapResource.at("/slow").handler((request, exchange) -> exchange.loop().timers().schedule(
                        Timer.calling(now -> exchange.respond(CoapResponse.content("late"))),
                        exchange.loop().now() + TimeUnit.MILLISECONDS.toNanos(800))).build(),
                temperatureResource));
        server = Server.builder().threads(threads).transport(TRANSPORT)
                .listenDatagram(LISTENER, new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0),
                        new CoapService(hooks, resources, settings, metrics, LISTENER))
                .build().start();
    }

    private void store(CoapRequest request, CoapExchange exchange) {
        switch (request.method()) {
            case CoapCode.PUT -> {
                stored.set(request.payload());
                exchange.respond(CoapResponse.of(CoapCode.CHANGED).payload(request.payload().length + " bytes"));
            }
            case CoapCode.GET -> exchange.respond(CoapResponse.of(CoapCode.CONTENT).payload(stored.get()));
            case CoapCode.DELETE -> {
                stored.set(new byte[0]);
                exchange.respond(CoapResponse.of(CoapCode.DELETED));
            }
            default -> exchange.respond(CoapResponse.error(CoapCode.METHOD_NOT_ALLOWED, ""));
        }
    }

    static TestCoapServer start() throws IOException {
        return start(2, CoapSettings.DEFAULT, null);
    }

    static TestCoapServer start(int threads, CoapSettings settings, CoapHooks<?> hooks) throws IOException {
        return new TestCoapServer(threads, settings, hooks);
    }

    int port() {
        return server.boundAddress(LISTENER).getPort();
    }

    InetSocketAddress address() {
        return server.boundAddress(LISTENER);
    }

    /** {@code coap://127.0.0.1:port} followed by {@code path}. */
    String uri(String path) {
        return "coap://127.0.0.1:" + port() + path;
    }

    /** A counter of the metrics text, summed over its label sets. */
    long metric(String name) {
        long sum = 0;
        for (String line : metrics.scrape().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.shutdown(Duration.ofSeconds(1));
    }
}
