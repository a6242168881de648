package dev.isthmus.protocol.mqtt.bridge;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.isthmus.core.config.MqttBridgeConfig;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.protocol.mqtt.LocalBroker;

/**
 * The configured bridges as a service of the server, attached without a listener
 * ({@link dev.isthmus.core.server.Server.Builder#service}) after the embedded broker: bridge
 * {@code i} runs on loop {@code i mod loops}, so several bridges spread over the loops. A
 * graceful shutdown lets each bridge send what it has queued while the remote broker is there,
 * within the server's grace period, then disconnect.
 *
 * <p>A bridge without a configured client id uses mosquitto's default, {@code name.hostname},
 * so every edge device that shares a configuration file still has an identifier of its own.
 */
public final class MqttBridgeService implements ProtocolService {
    private final List<MqttBridgeConfig> bridges;
    private final LocalBroker broker;
    private final int loops;
    private final List<BridgeMetrics> metrics = new ArrayList<>();
    private final String hostName;

    /**
     * @param broker  the embedded broker, attached to the same server before this service
     * @param metrics its shard count must equal the server's thread count
     */
    public MqttBridgeService(List<MqttBridgeConfig> bridges, LocalBroker broker, MetricRegistry metrics) {
        this.bridges = List.copyOf(bridges);
        this.broker = Objects.requireNonNull(broker, "broker");
        this.loops = metrics.shards();
        for (MqttBridgeConfig bridge : this.bridges) {
            this.metrics.add(new BridgeMetrics(metrics, bridge.name()));
        }
        this.hostName = hostName();
    }

    /** The client identifier a bridge uses at its remote broker. */
    public static String clientId(MqttBridgeConfig bridge, String hostName) {
        return bridge.clientId() != null ? bridge.clientId() : bridge.name() + "." + hostName;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    @Override
    public LoopService attach(EventLoop loop) {
        List<MqttBridge> here = new ArrayList<>();
        for (int i = 0; i < bridges.size(); i++) {
            if (i % loops == loop.index()) {
                MqttBridgeConfig config = bridges.get(i);
                MqttBridge bridge = new MqttBridge(loop, config, clientId(config, hostName), broker, metrics.get(i));
                bridge.start();
                here.add(bridge);
            }
        }
        return new LoopService() {
            @Override
            public ConnectionHandler accepted(Connection connection) {
                return null; // no listener
            }

            @Override
            public void drain() {
                here.forEach(MqttBridge::drain);
            }

            @Override
            public void close() {
                here.forEach(MqttBridge::close);
            }
        };
    }

    @Override
    public String toString() {
        return "MQTT bridges (" + bridges.size() + ")";
    }
}
