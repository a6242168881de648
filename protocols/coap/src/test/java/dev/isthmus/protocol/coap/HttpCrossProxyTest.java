package dev.isthmus.protocol.coap;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.NginxProcess;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.protocol.coap.http.HttpCrossProxy;
import dev.isthmus.protocol.http1.client.HttpClientSettings;
import dev.isthmus.protocol.http1.codec.HeadLimits;

/**
 * CoAP to HTTP through the endpoint: libcoap's coap-client and Californium's CoapClient ask,
 * a real nginx answers (JSON with caching fields, conditional requests, WebDAV PUT and DELETE,
 * a 64 KiB file, errors, a redirect), a JDK HttpServer answers slowly, one route's peer is down
 * and another's never answers.
 */
class HttpCrossProxyTest {
    private static final String LOOPBACK = NginxProcess.LOOPBACK;
    private static final int THREADS = 2;

    private static NginxProcess nginx;
    private static HttpServer slowOrigin;
    private static ServerSocket silent;
    private static Server server;
    private static MetricRegistry metrics;
    private static final List<UpstreamGroup> groups = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxProcess.prepare();
        Path www = nginx.directory().resolve("www");
        Path api = Files.createDirectories(www.resolve("api"));
        Path dav = Files.createDirectories(api.resolve("dav"));
        Files.write(api.resolve("large.bin"), TestCoapServer.LARGE);
        for (Path p : List.of(www, api, api.resolve("large.bin"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        Files.setPosixFilePermissions(dav, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port = NginxProcess.freePort();
        nginx.start("""
                server {
                    listen %2$s:%3$d;
                    root %1$s;
                    location = /ready { return 200 "ready"; }
                    location = /api/sensors {
                        default_type application/json;
                        add_header Cache-Control "max-age=30";
                        add_header ETag '"v1"';
                        return 200 '{"t":21.5,"unit":"$arg_unit","host":"$http_host"}';
                    }
                    location = /api/tagged {
                        add_header ETag '"v2"' always;
                        add_header Cache-Control "max-age=5" always;
                        if ($http_if_none_match = '"v2"') { return 304; }
                        default_type application/json;
                        return 200 '{"v":2}';
                    }
                    location = /api/items {
                        if ($request_method = POST) {
                            add_header Location /api/items/7 always;
                            return 201 '{"id":7,"got":"$content_type"}';
                        }
                        return 405;
                    }
                    location = /api/nocache { add_header Cache-Control no-store; return 200 "fresh every time"; }
                    location = /api/busy { add_header Retry-After 120 always; return 503; }
                    location = /api/redirect { return 302 /elsewhere; }
                    location /api/dav/ { dav_methods PUT DELETE; create_full_put_path on; default_type text/plain; }
                    location = /api/large.bin { default_type application/octet-stream; }
                }
                """.formatted(www, LOOPBACK, port), port);

        slowOrigin = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 16);
        slowOrigin.createContext("/slow", exchange -> {
            try {
                // Well past the piggyback window: the answer goes as a separate response.
                Thread.sleep(1200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "late but here".getBytes(UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        slowOrigin.start();
        // Connects complete into its backlog; nothing is ever read or answered.
        silent = new ServerSocket(0, 8, InetAddress.getByName(LOOPBACK));
        InetSocketAddress down;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            down = (InetSocketAddress) closed.getLocalSocketAddress();
        }

        metrics = new MetricRegistry(THREADS);
        HttpCrossProxy cross = new HttpCrossProxy(new HttpClientSettings(Duration.ofSeconds(2), Duration.ofSeconds(3),
                1 << 20, HeadLimits.DEFAULT), THREADS, metrics);
        CoapResources resources = new CoapResources(List.of(
                cross.resource("/api", group("api", port)),
                cross.resource("/slow", group("slow", slowOrigin.getAddress().getPort())),
                cross.resource("/down", group("down", down.getPort())),
                cross.resource("/hang", group("hang", silent.getLocalPort()))));
        server = Server.builder().threads(THREADS).transport(TestCoapServer.TRANSPORT)
                .listenDatagram("coap", new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0),
                        new CoapService(resources, CoapSettings.DEFAULT, metrics, "coap"))
                .service(cross)
                .build().start();
    }

    private static UpstreamGroup group(String name, int port) {
        UpstreamGroup group = new UpstreamGroup(name, List.of(new Peer(0, LOOPBACK, port, 1)),
                BalanceAlgorithm.ROUND_ROBIN, HashKey.CLIENT_IP, null, PassiveCheck.OFF, 0, THREADS,
                new HealthListener() { });
        groups.add(group);
        return group.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
        groups.forEach(UpstreamGroup::close);
        if (slowOrigin != null) {
            slowOrigin.stop(0);
        }
        if (silent != null) {
            silent.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    private static String uri(String path) {
        return "coap://" + LOOPBACK + ":" + server.boundAddress("coap").getPort() + path;
    }

    private static org.eclipse.californium.core.CoapResponse californium(String path,
            java.util.function.Function<CoapClient, Callable<org.eclipse.californium.core.CoapResponse>> call)
            throws Exception {
        CoapClient client = Californium.client(uri(path));
        try {
            org.eclipse.californium.core.CoapResponse response = call.apply(client).call();
            assertNotNull(response, "no response to " + path);
            return response;
        } finally {
            client.shutdown();
        }
    }

    private static String libcoapCode(LibcoapClient.Result result) {
        String all = result.out() + "\n" + result.err();
        for (String code : List.of("4.04", "5.02", "5.04", "4.05", "4.15")) {
            if (all.contains(code)) {
                return code;
            }
        }
        return all;
    }

    @Test
    void libcoapGetsJsonWithItsQuery() throws Exception {
        LibcoapClient.Result result = LibcoapClient.run(20, "-m", "get", "-A", "50", uri("/api/sensors?unit=c"));
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("{\"t\":21.5,\"unit\":\"c\",\"host\":\"127.0.0.1:" + nginxPort() + "\"}", result.out());
    }

    private static int nginxPort() {
        return groups.getFirst().peers().getFirst().port();
    }

    @Test
    void contentFormatMaxAgeAndEtagComeFromTheHttpFields() throws Exception {
        org.eclipse.californium.core.CoapResponse sensors = californium("/api/sensors?unit=k", client -> client::get);
        assertEquals(CoAP.ResponseCode.CONTENT, sensors.getCode());
        assertEquals(MediaTypeRegistry.APPLICATION_JSON, sensors.getOptions().getContentFormat());
        assertEquals(30L, sensors.getOptions().getMaxAge());
        assertEquals(List.of("v1"), sensors.getOptions().getETags().stream().map(tag -> new String(tag, UTF_8)).toList());

        org.eclipse.californium.core.CoapResponse noStore = californium("/api/nocache", client -> client::get);
        assertEquals("fresh every time", noStore.getResponseText());
        assertEquals(0L, noStore.getOptions().getMaxAge());
        assertFalse(noStore.getOptions().hasContentFormat() && noStore.getOptions().getContentFormat() != 0,
                noStore.getOptions().toString());
    }

    @Test
    void anEtagTheClientHoldsIsValidated() throws Exception {
        org.eclipse.californium.core.CoapResponse fresh = californium("/api/tagged", client -> client::get);
        assertEquals(CoAP.ResponseCode.CONTENT, fresh.getCode());
        byte[] tag = fresh.getOptions().getETags().getFirst();
        org.eclipse.californium.core.CoapResponse valid = californium("/api/tagged", client -> () -> {
            Request get = Request.newGet();
            get.getOptions().addETag(tag);
            return client.advanced(get);
        });
        assertEquals(CoAP.ResponseCode.VALID, valid.getCode());
        assertEquals(0, valid.getPayloadSize());
        assertArrayEquals(tag, valid.getOptions().getETags().getFirst());
        assertEquals(5L, valid.getOptions().getMaxAge());
    }

    @Test
    void methodsMapToTheirCodesThroughWebDav() throws Exception {
        assertEquals(CoAP.ResponseCode.CREATED, californium("/api/dav/notes/a.txt",
                client -> () -> client.put("first", MediaTypeRegistry.TEXT_PLAIN)).getCode());
        assertEquals(CoAP.ResponseCode.CHANGED, californium("/api/dav/notes/a.txt",
                client -> () -> client.put("second", MediaTypeRegistry.TEXT_PLAIN)).getCode());
        org.eclipse.californium.core.CoapResponse read = californium("/api/dav/notes/a.txt", client -> client::get);
        assertEquals(CoAP.ResponseCode.CONTENT, read.getCode());
        assertEquals("second", read.getResponseText());
        assertEquals(CoAP.ResponseCode.DELETED, californium("/api/dav/notes/a.txt", client -> client::delete).getCode());
        assertEquals(CoAP.ResponseCode.NOT_FOUND, californium("/api/dav/notes/a.txt", client -> client::get).getCode());

        org.eclipse.californium.core.CoapResponse created = californium("/api/items",
                client -> () -> client.post("{\"name\":\"valve\"}", MediaTypeRegistry.APPLICATION_JSON));
        assertEquals(CoAP.ResponseCode.CREATED, created.getCode());
        assertEquals("{\"id\":7,\"got\":\"application/json\"}", created.getResponseText());
        assertEquals("api/items/7", created.getOptions().getLocationPathString());
        assertEquals(CoAP.ResponseCode.METHOD_NOT_ALLOWED, californium("/api/items", client -> client::get).getCode());
    }

    @Test
    void whatHttpCannotCarryIsRefusedByTheGateway() throws Exception {
        assertEquals(CoAP.ResponseCode.UNSUPPORTED_CONTENT_FORMAT,
                californium("/api/items", client -> () -> client.post("x", 9999)).getCode());
        assertEquals(CoAP.ResponseCode.METHOD_NOT_ALLOWED,
                californium("/api/items", client -> () -> client.advanced(new Request(CoAP.Code.FETCH))).getCode());
        assertEquals(CoAP.ResponseCode.NOT_ACCEPTABLE,
                californium("/api/sensors", client -> () -> client.get(9999)).getCode());
        org.eclipse.californium.core.CoapResponse redirect = californium("/api/redirect", client -> client::get);
        assertEquals(CoAP.ResponseCode.BAD_GATEWAY, redirect.getCode());
        assertTrue(redirect.getResponseText().contains("302"), redirect.getResponseText());
        org.eclipse.californium.core.CoapResponse busy = californium("/api/busy", client -> client::get);
        assertEquals(CoAP.ResponseCode.SERVICE_UNAVAILABLE, busy.getCode());
        assertEquals(120L, busy.getOptions().getMaxAge());
        assertEquals("4.04", libcoapCode(LibcoapClient.run(20, "-m", "get", uri("/api/missing"))));
    }

    @Test
    void aLargeBodyComesInBlocks() throws Exception {
        Path received = dir.resolve("large.bin");
        LibcoapClient.Result result = LibcoapClient.run(30, "-m", "get", "-o", received.toString(), uri("/api/large.bin"));
        assertEquals(0, result.exitCode(), result.toString());
        assertArrayEquals(TestCoapServer.LARGE, Files.readAllBytes(received));
        org.eclipse.californium.core.CoapResponse large = californium("/api/large.bin", client -> client::get);
        assertArrayEquals(TestCoapServer.LARGE, large.getPayload());
        assertEquals(MediaTypeRegistry.APPLICATION_OCTET_STREAM, large.getOptions().getContentFormat());
    }

    @Test
    void aSlowOriginIsAnsweredSeparatelyAndObserveIsNotRegistered() throws Exception {
        LibcoapClient.Result result = LibcoapClient.run(30, "-m", "get", uri("/slow/reading"));
        assertEquals("late but here", result.out(), result.toString());
        org.eclipse.californium.core.CoapResponse observed = californium("/api/sensors", client -> () -> {
            Request get = Request.newGet();
            get.setObserve();
            return client.advanced(get);
        });
        assertEquals(CoAP.ResponseCode.CONTENT, observed.getCode());
        assertFalse(observed.getOptions().hasObserve(), observed.getOptions().toString());
    }

    @Test
    void aPeerThatIsDownIsABadGatewayAndOneThatHangsATimeout() throws Exception {
        LibcoapClient.Result down = LibcoapClient.run(30, "-m", "get", uri("/down/anything"));
        assertEquals("5.02", libcoapCode(down), down.toString());
        LibcoapClient.Result hang = LibcoapClient.run(30, "-m", "get", uri("/hang/anything"));
        assertEquals("5.04", libcoapCode(hang), hang.toString());
        String scraped = metrics.scrape();
        assertTrue(scraped.contains("isthmus_coap_http_requests_total{route=\"/down\",outcome=\"connect_failed\"} 1"),
                scraped);
        assertTrue(scraped.contains("isthmus_coap_http_requests_total{route=\"/hang\",outcome=\"timeout\"} 1"), scraped);
    }
}
