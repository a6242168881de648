package dev.isthmus.protocol.mqtt.bridge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import dev.isthmus.core.config.BridgeTopicConfig;
import dev.isthmus.core.config.HostPort;
import dev.isthmus.core.config.MqttBridgeConfig;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Server;
import dev.isthmus.core.testing.Conditions;
import dev.isthmus.core.testing.MosquittoProcess;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.iouring.UringTransport;
import dev.isthmus.protocol.mqtt.MqttBrokerService;
import dev.isthmus.protocol.mqtt.MqttSettings;

/**
 * The embedded broker with bridges, on 127.0.0.1 at an ephemeral port, two loops (so bridged
 * messages cross threads), on the transport the build asks for ({@code isthmus.test.transport}).
 * Also what the bridge tests share: bridge settings that reconnect quickly, mosquitto client
 * arguments, metric readings, and a mosquitto whose log can be waited on.
 */
final class EdgeBroker implements AutoCloseable {
    static final Transport TRANSPORT = UringTransport.select(System.getProperty("isthmus.test.transport", "nio"));
    static final Duration PATIENCE = Duration.ofSeconds(30);

    final Server server;
    final MetricRegistry metrics;

    private EdgeBroker(Server server, MetricRegistry metrics) {
        this.server = server;
        this.metrics = metrics;
    }

    static EdgeBroker start(MqttBridgeConfig... bridges) throws IOException {
        MetricRegistry metrics = new MetricRegistry(2);
        MqttBrokerService broker = new MqttBrokerService(MqttSettings.DEFAULT, metrics, "mqtt");
        Server server = Server.builder().threads(2).transport(TRANSPORT)
                .listen("mqtt", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), broker)
                .service(new MqttBridgeService(List.of(bridges), broker.localBroker(), metrics))
                .build().start();
        return new EdgeBroker(server, metrics);
    }

    int port() {
        return server.boundAddress("mqtt").getPort();
    }

    /** mosquitto_pub/mosquitto_sub arguments for this broker, MQTT 5. */
    String[] clientArgs(String... more) {
        return args("127.0.0.1", port(), "5", more);
    }

    static String[] args(MosquittoProcess broker, String version, String... more) {
        return args(broker.host(), broker.port(), version, more);
    }

    private static String[] args(String host, int port, String version, String... more) {
        List<String> args = new ArrayList<>(List.of("-h", host, "-p", String.valueOf(port), "-V",
                version.equals("5") ? "mqttv5" : "mqttv311"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** A bridge to {@code remote} that reconnects within half a second, client id {@code edge-NAME}. */
    static MqttBridgeConfig bridge(String name, MosquittoProcess remote, String version, String... topics) {
        return bridge(name, remote, version, MqttBridgeConfig.DEFAULT_MAX_QUEUED_MESSAGES, topics);
    }

    static MqttBridgeConfig bridge(String name, MosquittoProcess remote, String version, int maxQueued,
                                   String... topics) {
        MqttBridgeConfig.Version v = MqttBridgeConfig.Version.fromName(version);
        return new MqttBridgeConfig(name, new HostPort(remote.host(), remote.port()), "edge-" + name, v, false,
                MqttBridgeConfig.defaultSessionExpiry(false), Duration.ofSeconds(5), null, null, true,
                Duration.ofMillis(50), Duration.ofMillis(500), maxQueued, MqttBridgeConfig.DEFAULT_MAX_QUEUED_BYTES,
                Stream.of(topics).map(BridgeTopicConfig::parse).toList());
    }

    /** The value of metric {@code name} for bridge {@code bridge}, from the Prometheus text. */
    long metric(String name, String bridge) {
        String prefix = name + "{bridge=\"" + bridge + "\"} ";
        return metrics.scrape().lines().filter(line -> line.startsWith(prefix))
                .mapToLong(line -> Long.parseLong(line.substring(prefix.length()).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no metric " + prefix));
    }

    void awaitConnected(String bridge) throws InterruptedException {
        await(() -> metric("isthmus_mqtt_bridge_connected", bridge) == 1, "bridge " + bridge + " connected");
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Conditions.await(condition, PATIENCE, what);
    }

    @Override
    public void close() {
        server.shutdown(Duration.ofSeconds(2));
    }

    /**
     * A mosquitto to bridge to, logging everything to a file it flushes line by line (its
     * standard output is buffered), in a directory it may write to after dropping root: its
     * log tells when the bridge has subscribed, and it can keep a persistence file there.
     */
    static final class Remote implements AutoCloseable {
        final MosquittoProcess mosquitto;
        final Path directory;

        private Remote(MosquittoProcess mosquitto, Path directory) {
            this.mosquitto = mosquitto;
            this.directory = directory;
        }

        static Remote start(String extraConfig) throws IOException, InterruptedException {
            Path directory = Files.createTempDirectory("isthmus-remote-");
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
            // {dir} in the extra configuration stands for that directory.
            String config = "log_dest file " + directory.resolve("remote.log") + "\nlog_type all\n"
                    + extraConfig.replace("{dir}", directory.toString());
            return new Remote(MosquittoProcess.start(config), directory);
        }

        String log() {
            try {
                return Files.readString(directory.resolve("remote.log"));
            } catch (IOException e) {
                return "";
            }
        }

        /** Waits until the bridge with this client id has subscribed {@code times} times in all. */
        void awaitSubscribed(String clientId, int times) throws InterruptedException {
            String line = "Received SUBSCRIBE from " + clientId + "\n";
            await(() -> log().split(line, -1).length - 1 >= times, clientId + " subscribed " + times + " times");
        }

        @Override
        public void close() throws IOException, InterruptedException {
            mosquitto.close();
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
