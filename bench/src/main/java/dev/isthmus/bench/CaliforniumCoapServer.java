package dev.isthmus.bench;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;

/**
 * The Eclipse Californium server perf-lab/coap.sh measures the Isthmus CoAP endpoint against:
 * {@code /hello} (GET, a short text) and {@code /obs}, observable, which stores what is PUT (or
 * POSTed) to it and notifies its observers. Run:
 * {@code java -cp bench/target/benchmarks.jar dev.isthmus.bench.CaliforniumCoapServer PORT [HOST]}.
 *
 * <p>Settings, for a 2-core machine and to match what the Isthmus endpoint does: the protocol
 * stage on 2 threads (one per core), one UDP receiver and one sender thread (one socket: more
 * receivers would only contend); deduplication on, as peers-mark-and-sweep (the last 64 message
 * IDs of each peer are remembered): Californium's default mark-and-sweep keeps every exchange,
 * about 2 KB of heap each, for EXCHANGE_LIFETIME (247 s), which at 15,000 requests a second is
 * gigabytes, so its heap, not its CoAP, would be measured; notifications NON, with every 20th
 * CON (as the Isthmus endpoint sends them). The rest are Californium's defaults. It logs only
 * warnings.
 */
public final class CaliforniumCoapServer {
    static final String HELLO = "hello, world";

    private CaliforniumCoapServer() {
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: CaliforniumCoapServer PORT [HOST]");
            System.exit(2);
        }
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int port = Integer.parseInt(args[0]);
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        CoapServer server = start(new InetSocketAddress(host, port));
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
        InetSocketAddress bound = server.getEndpoints().getFirst().getAddress();
        System.out.println("californium " + version() + " listening on UDP " + bound.getHostString() + ":"
                + bound.getPort());
        System.out.flush();
    }

    /** The Californium release this is built with (the build writes it into a resource). */
    static String version() {
        try (java.io.InputStream in = CaliforniumCoapServer.class.getResourceAsStream("/californium.properties")) {
            java.util.Properties properties = new java.util.Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "(version unknown)");
        } catch (java.io.IOException e) {
            return "(version unknown)";
        }
    }

    /** The settings described in the class comment. */
    static Configuration configuration() {
        CoapConfig.register();
        UdpConfig.register();
        Configuration config = Configuration.createStandardWithoutFile();
        config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, 2);
        config.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        config.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        config.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_PEERS_MARK_AND_SWEEP);
        config.set(CoapConfig.NOTIFICATION_CHECK_INTERVAL_COUNT, 20);
        return config;
    }

    static CoapServer start(InetSocketAddress address) {
        Configuration config = configuration();
        CoapServer server = new CoapServer(config);
        server.addEndpoint(new CoapEndpoint.Builder().setConfiguration(config).setInetSocketAddress(address).build());
        server.add(new Hello(), new Observable());
        server.start();
        return server;
    }

    /** GET: a short text. */
    static final class Hello extends CoapResource {
        Hello() {
            super("hello");
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            exchange.respond(CoAP.ResponseCode.CONTENT, HELLO, MediaTypeRegistry.TEXT_PLAIN);
        }
    }

    /** GET (and observe) the last representation PUT or POSTed. */
    static final class Observable extends CoapResource {
        private record Representation(byte[] payload, int contentFormat) {
        }

        private final AtomicReference<Representation> latest =
                new AtomicReference<>(new Representation(new byte[0], MediaTypeRegistry.TEXT_PLAIN));

        Observable() {
            super("obs");
            setObservable(true);
            setObserveType(CoAP.Type.NON);
            getAttributes().setObservable();
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            Representation current = latest.get();
            exchange.respond(CoAP.ResponseCode.CONTENT, current.payload(), current.contentFormat());
        }

        @Override
        public void handlePUT(CoapExchange exchange) {
            store(exchange);
        }

        @Override
        public void handlePOST(CoapExchange exchange) {
            store(exchange);
        }

        private void store(CoapExchange exchange) {
            int format = exchange.getRequestOptions().getContentFormat();
            latest.set(new Representation(exchange.getRequestPayload(),
                    format < 0 ? MediaTypeRegistry.TEXT_PLAIN : format));
            exchange.respond(CoAP.ResponseCode.CHANGED);
            changed();
        }
    }
}
