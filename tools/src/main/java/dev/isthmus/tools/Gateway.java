package dev.isthmus.tools;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.isthmus.core.config.CoapConfig;
import dev.isthmus.core.config.HostPort;
import dev.isthmus.core.config.IsthmusConfig;
import dev.isthmus.core.config.ListenAddress;
import dev.isthmus.core.config.MqttConfig;
import dev.isthmus.core.config.MqttProxyConfig;
import dev.isthmus.core.config.PeerConfig;
import dev.isthmus.core.config.RouteConfig;
import dev.isthmus.core.config.UpstreamGroupConfig;
import dev.isthmus.core.config.ValueSyntax;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.observe.AdminServer;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.PoolSettings;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.health.HealthListener;
import dev.isthmus.core.upstream.health.PassiveCheck;
import dev.isthmus.iouring.UringTransport;
import dev.isthmus.protocol.http1.HttpProxyService;
import dev.isthmus.protocol.http1.HttpProxySettings;
import dev.isthmus.protocol.http1.client.HttpClientSettings;
import dev.isthmus.protocol.http1.codec.HeadLimits;
import dev.isthmus.protocol.http1.route.Route;
import dev.isthmus.protocol.http1.route.Router;
import dev.isthmus.protocol.http1.route.RoutingProxy;
import dev.isthmus.protocol.coap.CoapResource;
import dev.isthmus.protocol.coap.CoapResources;
import dev.isthmus.protocol.coap.CoapService;
import dev.isthmus.protocol.coap.CoapSettings;
import dev.isthmus.protocol.coap.http.HttpCrossProxy;
import dev.isthmus.protocol.coap.mqtt.MqttPubSub;
import dev.isthmus.protocol.mqtt.MqttBrokerService;
import dev.isthmus.protocol.mqtt.MqttProxyService;
import dev.isthmus.protocol.mqtt.MqttProxySettings;
import dev.isthmus.protocol.mqtt.MqttSettings;
import dev.isthmus.protocol.mqtt.TopicRuleHooks;
import dev.isthmus.protocol.mqtt.TopicRules;
import dev.isthmus.protocol.mqtt.bridge.MqttBridgeService;
import dev.isthmus.protocol.mqtt.store.SessionLog;

/**
 * A running gateway built from an {@link IsthmusConfig}: the event-loop server with its HTTP
 * listeners, the upstream groups with their health checks, the embedded MQTT broker and its
 * bridges, the admin listener, and (when no upstream is configured) the built-in origin behind
 * the proxy. The event loops, the built-in
 * origin's included, run on the transport the {@code io} setting picks ({@link UringTransport#select}).
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    static final String BUILT_IN_GROUP = "built-in-origin";

    private final IsthmusConfig config;
    private final MetricRegistry metrics;
    private final List<UpstreamGroup> groups = new ArrayList<>();
    private final List<String> httpListenerNames = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private Transport transport;
    private Server origin;
    private Server server;
    private AdminServer admin;

    private Gateway(IsthmusConfig config) {
        this.config = config;
        int threads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
        this.metrics = new MetricRegistry(threads);
    }

    /**
     * Runs until the process is told to stop, then shuts down gracefully; returns the exit status.
     *
     * <p>SIGTERM and SIGINT are handled on an ordinary thread ({@link StopSignals}): the gateway
     * drains for up to the shutdown grace with logging intact, and the status is 0, as a stop
     * that was asked for is not a failure. A shutdown hook covers every other way the JVM may
     * end (SIGHUP, or where signals cannot be handled; the status is then the JVM's, 128 + signal).
     */
    public static int run(IsthmusConfig config) {
        Gateway gateway;
        try {
            gateway = start(config);
        } catch (IOException | RuntimeException e) {
            System.err.println("isthmus: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("isthmus-shutdown").unstarted(gateway::close));
        boolean handled = StopSignals.install(signal -> {
            LOG.log(System.Logger.Level.INFO, signal + " received");
            gateway.close();
        }, "TERM", "INT");
        if (!handled) {
            LOG.log(System.Logger.Level.WARNING, "cannot handle stop signals (sun.misc.Signal unavailable); "
                    + "SIGTERM still shuts down gracefully, through a shutdown hook, but exits with 143");
        }
        try {
            gateway.stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Starts everything the configuration names. */
    public static Gateway start(IsthmusConfig config) throws IOException {
        Gateway gateway = new Gateway(config);
        try {
            gateway.open();
        } catch (IOException | RuntimeException e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    private void open() throws IOException {
        int threads = metrics.shards();
        LoopSettings loopSettings = LoopSettings.DEFAULT.withChunkBytes(config.buffers().chunkBytes())
                .withMaxPoolBytes(config.buffers().maxPoolBytesPerLoop());
        HttpProxySettings settings = proxySettings(config);
        // Picked before anything starts, so io: uring where io_uring is unavailable fails with nothing to undo.
        transport = UringTransport.select(config.io().configName());
        Server.Builder builder = Server.builder().threads(threads).transport(transport).loopSettings(loopSettings);

        Map<String, UpstreamGroup> byName = upstreamGroups(threads);
        if (!config.httpListeners().isEmpty()) {
            List<RouteConfig> routeConfigs = config.effectiveRoutes();
            if (config.usesBuiltInOrigin()) {
                InetSocketAddress originAddress = startBuiltInOrigin(settings);
                UpstreamGroup group = new UpstreamGroup(BUILT_IN_GROUP,
                        List.of(new Peer(0, originAddress.getHostString(), originAddress.getPort(), 1)),
                        BalanceAlgorithm.ROUND_ROBIN, HashKey.CLIENT_IP, null, PassiveCheck.OFF, 0, threads,
                        new HealthListener() { });
                groups.add(group);
                byName.put(BUILT_IN_GROUP, group);
                routeConfigs = List.of(RouteConfig.catchAll(BUILT_IN_GROUP));
            }
            List<Route> routes = new ArrayList<>();
            for (RouteConfig route : routeConfigs) {
                routes.add(new Route(route.host(), route.pathPrefix(), byName.get(route.upstream())));
            }
            HttpProxyService<Void> service = new HttpProxyService<>(new RoutingProxy(new Router(routes), threads),
                    settings, metrics, "http");
            for (ListenAddress listen : config.httpListeners()) {
                String name = "http " + listen;
                httpListenerNames.add(name);
                builder.listen(name, new InetSocketAddress(listen.host(), listen.port()), service);
            }
        }
        MqttConfig mqtt = config.mqtt();
        MqttBrokerService embeddedBroker = null;
        if (!mqtt.listeners().isEmpty()) {
            ProtocolService service;
            if (mqtt.usesEmbeddedBroker()) {
                SessionLog sessions = null;
                if (mqtt.persistence() != null) {
                    sessions = SessionLog.open(mqtt.persistence());
                    LOG.log(System.Logger.Level.INFO, "MQTT sessions on disk in " + mqtt.persistence() + ": "
                            + sessions.state().sessions().size() + " sessions and "
                            + sessions.state().retained().size() + " retained messages restored");
                }
                MqttBrokerService broker = new MqttBrokerService(brokerHooks(mqtt), mqttSettings(mqtt), metrics,
                        "mqtt", new ProjectVersion().getVersion()[0], sessions);
                service = broker;
                embeddedBroker = broker;
                if (!mqtt.bridges().isEmpty()) {
                    builder.service(new MqttBridgeService(mqtt.bridges(), broker.localBroker(), metrics));
                }
            } else {
                UpstreamGroup brokers = mqttUpstreamGroup(mqtt, threads);
                groups.add(brokers);
                service = MqttProxyService.of(mqttProxySettings(mqtt), brokers, metrics, "mqtt");
                brokers.start();
            }
            for (ListenAddress listen : mqtt.listeners()) {
                builder.listen("mqtt " + listen, new InetSocketAddress(listen.host(), listen.port()), service);
            }
        }
        CoapConfig coap = config.coap();
        if (!coap.listeners().isEmpty()) {
            List<CoapResource> builtIn = new ArrayList<>(
                    new DeviceResources(new ProjectVersion().getVersion()[0]).resources().all());
            CoapResource pubsub = pubsubResource(coap, mqtt, embeddedBroker);
            if (pubsub != null) {
                builtIn.add(pubsub);
            }
            CoapService service = new CoapService(coapResources(coap, new CoapResources(builtIn), byName, settings,
                    threads, builder), coapSettings(coap), metrics, "coap");
            for (ListenAddress listen : coap.listeners()) {
                builder.listenDatagram("coap " + listen, new InetSocketAddress(listen.host(), listen.port()), service);
            }
        }
        // Each group once, whether HTTP routes, CoAP routes or both use it.
        byName.values().forEach(UpstreamGroup::start);
        server = builder.build().start();
        if (config.admin() != null) {
            admin = new AdminServer(new InetSocketAddress(config.admin().host(), config.admin().port()), metrics).start();
            LOG.log(System.Logger.Level.INFO, "admin listening on " + admin.address().getHostString() + ":"
                    + admin.address().getPort() + " (/metrics, /healthz)");
        }
    }

    /**
     * The upstream groups of the configuration, built once for the HTTP routes and the CoAP ones
     * alike; none when neither is served. The caller adds the built-in origin's, if any.
     */
    private Map<String, UpstreamGroup> upstreamGroups(int threads) {
        Map<String, UpstreamGroup> byName = new LinkedHashMap<>();
        CoapConfig coap = config.coap();
        if (config.httpListeners().isEmpty() && (coap.listeners().isEmpty() || coap.httpRoutes().isEmpty())) {
            return byName;
        }
        for (UpstreamGroupConfig groupConfig : config.upstreams().values()) {
            UpstreamGroup group = group(groupConfig, threads);
            groups.add(group);
            byName.put(groupConfig.name(), group);
        }
        return byName;
    }

    /**
     * The CoAP resources: one forwarding subtree per {@code coap.http} route, then the built-in
     * ones, except where a route is at the same path (the configuration wins). HTTP responses are
     * held to the CoAP body limit, and the origins get the HTTP proxy's timeouts; the forwarding
     * is a service of the server too, so a shutdown drains its connections.
     */
    private CoapResources coapResources(CoapConfig coap, CoapResources builtIn, Map<String, UpstreamGroup> byName,
                                        HttpProxySettings http, int threads, Server.Builder builder) {
        List<CoapResource> resources = new ArrayList<>();
        if (!coap.httpRoutes().isEmpty()) {
            HttpCrossProxy cross = new HttpCrossProxy(new HttpClientSettings(http.connect(), http.response(),
                    coap.maxBodySize(), http.headLimits()), threads, metrics);
            builder.service(cross);
            for (RouteConfig route : coap.httpRoutes()) {
                resources.add(cross.resource(route.pathPrefix(), byName.get(route.upstream())));
            }
        }
        for (CoapResource resource : builtIn.all()) {
            if (resources.stream().noneMatch(routed -> routed.path().equals(resource.path()))) {
                resources.add(resource);
            }
        }
        return new CoapResources(resources);
    }

    /** CoAP to MQTT: the embedded broker's topics, or the upstream brokers'; null when off or there is no broker. */
    private CoapResource pubsubResource(CoapConfig coap, MqttConfig mqtt, MqttBrokerService embeddedBroker) {
        if (coap.pubsubPrefix() == null) {
            return null;
        }
        if (embeddedBroker != null) {
            return new MqttPubSub(coap.pubsubPrefix(), embeddedBroker.localBroker(), metrics).resource();
        }
        if (!mqtt.upstreams().isEmpty()) {
            List<InetSocketAddress> brokers = new ArrayList<>();
            for (HostPort upstream : mqtt.upstreams()) {
                brokers.add(InetSocketAddress.createUnresolved(upstream.host(), upstream.port()));
            }
            return MqttPubSub.upstream(coap.pubsubPrefix(), brokers, metrics).resource();
        }
        LOG.log(System.Logger.Level.INFO, "CoAP pub/sub at " + coap.pubsubPrefix() + " is off: there is no MQTT "
                + "broker (give mqtt.listen for the embedded one, or mqtt.upstreams)");
        return null;
    }

    private static CoapSettings coapSettings(CoapConfig coap) {
        CoapSettings d = CoapSettings.DEFAULT;
        // A handler that has not answered by a quarter of the ACK timeout gets its ACK first.
        Duration window = d.piggybackWindow().compareTo(coap.ackTimeout().dividedBy(4)) < 0 ? d.piggybackWindow()
                : coap.ackTimeout().dividedBy(4);
        return new CoapSettings(coap.ackTimeout(), d.ackRandomFactor(), coap.maxRetransmit(), coap.maxExchanges(),
                coap.blockSize(), coap.maxBodySize(), window);
    }

    private InetSocketAddress startBuiltInOrigin(HttpProxySettings settings) throws IOException {
        origin = Server.builder().threads(1).transport(transport)
                .listen("built-in origin", new InetSocketAddress("127.0.0.1", 0),
                        new HttpProxyService<>(new BuiltInOrigin(), settings, new MetricRegistry(1), "origin"))
                .build().start();
        return origin.boundAddress("built-in origin");
    }

    static HttpProxySettings proxySettings(IsthmusConfig config) {
        HeadLimits head = new HeadLimits(config.limits().maxHeaderBytes(), config.limits().maxUriBytes(),
                config.limits().maxHeaders(), HeadLimits.DEFAULT.maxTrailerBytes());
        return HttpProxySettings.DEFAULT.withHeadLimits(head).withMaxBodyBytes(config.limits().maxBodyBytes())
                .withTimeouts(config.timeouts().headerRead(), config.timeouts().clientIdle(), config.timeouts().bodyRead(),
                        config.timeouts().connect(), config.timeouts().response())
                .withSpliceThreshold(config.spliceThreshold());
    }

    /** The broker's share of the proxy's settings: topic rules and the publish rate limit, as hooks; null without them. */
    private static TopicRuleHooks brokerHooks(MqttConfig mqtt) {
        MqttProxyConfig rules = mqtt.proxy();
        TopicRules publish = TopicRules.of(rules.publishAllow(), rules.publishDeny());
        TopicRules subscribe = TopicRules.of(rules.subscribeAllow(), rules.subscribeDeny());
        if (publish.isEmpty() && subscribe.isEmpty() && rules.publishRate() == 0) {
            return null;
        }
        return new TopicRuleHooks(publish, subscribe, rules.publishRate(), rules.publishBurst());
    }

    static MqttSettings mqttSettings(MqttConfig mqtt) {
        return new MqttSettings(mqtt.maxPacketBytes(), mqtt.receiveMaximum(), mqtt.maxQueuedMessages(),
                mqtt.connectTimeout(), (int) mqtt.maxKeepAlive().toSeconds(), mqtt.allowAnonymous(),
                mqtt.slowSubscriberTimeout(), mqtt.sysInterval());
    }

    /** The MQTT proxy's brokers: every one may take a client whose broker cannot be reached. */
    static UpstreamGroup mqttUpstreamGroup(MqttConfig mqtt, int threads) {
        List<Peer> peers = new ArrayList<>();
        for (HostPort upstream : mqtt.upstreams()) {
            peers.add(new Peer(peers.size(), upstream.host(), upstream.port(), 1));
        }
        MqttProxyConfig proxy = mqtt.proxy();
        return new UpstreamGroup("mqtt", peers, proxy.balance(), HashKey.CLIENT_IP, proxy.activeCheck(),
                proxy.passive(), peers.size() - 1, threads, new HealthListener() { });
    }

    static MqttProxySettings mqttProxySettings(MqttConfig mqtt) {
        MqttProxyConfig proxy = mqtt.proxy();
        return new MqttProxySettings(mqtt.maxPacketBytes(), mqtt.connectTimeout(), proxy.upstreamConnectTimeout(),
                proxy.idleTimeout(), proxy.proxyProtocol(),
                TopicRules.of(proxy.publishAllow(), proxy.publishDeny()),
                TopicRules.of(proxy.subscribeAllow(), proxy.subscribeDeny()), proxy.publishRate(), proxy.publishBurst(),
                proxy.splice());
    }

    private UpstreamGroup group(UpstreamGroupConfig config, int threads) {
        PoolSettings pool = config.pool();
        List<Peer> peers = new ArrayList<>();
        for (PeerConfig peer : config.peers()) {
            peers.add(new Peer(peers.size(), peer.host(), peer.port(), peer.weight(), pool));
        }
        return new UpstreamGroup(config.name(), peers, config.lb(), config.hashKey(), config.activeCheck(),
                config.passive(), config.retries(), threads, new HealthListener() { });
    }

    /** The admin listener's address, or null when there is none. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    public MetricRegistry metrics() {
        return metrics;
    }

    public Server server() {
        return server;
    }

    /**
     * Graceful shutdown: stop accepting, finish in-flight exchanges within the grace period,
     * close. Safe to call more than once and from several threads: later calls wait for the first.
     */
    @Override
    public void close() {
        if (closing.getAndSet(true)) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        Duration grace = config.shutdownGrace();
        if (server != null) {
            LOG.log(System.Logger.Level.INFO, "shutting down: accepting no new connections, in-flight requests have "
                    + ValueSyntax.formatDuration(grace) + " to finish");
            server.shutdown(grace);
        }
        if (origin != null) {
            origin.shutdown(Duration.ZERO);
        }
        if (admin != null) {
            admin.close();
        }
        groups.forEach(UpstreamGroup::close);
        if (server != null) {
            LOG.log(System.Logger.Level.INFO, "stopped");
        }
        stopped.countDown();
    }
}
