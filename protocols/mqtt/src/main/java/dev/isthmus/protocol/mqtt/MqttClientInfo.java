package dev.isthmus.protocol.mqtt;

import java.net.InetSocketAddress;
import java.util.List;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.protocol.mqtt.codec.ConnectPacket;
import dev.isthmus.protocol.mqtt.codec.MqttProperties;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.Will;

/**
 * Who a client is, as its CONNECT says, and where it connects from: what {@link MqttHooks}
 * phases are told. Immutable; safe to keep and to read from a blocking phase's thread.
 */
public final class MqttClientInfo {
    private final ConnectPacket connect;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress localAddress;
    private final int loopIndex;
    private final List<Peer> upstreams;

    MqttClientInfo(ConnectPacket connect, InetSocketAddress clientAddress, InetSocketAddress localAddress,
                   int loopIndex, List<Peer> upstreams) {
        this.connect = connect;
        this.clientAddress = clientAddress;
        this.localAddress = localAddress;
        this.loopIndex = loopIndex;
        this.upstreams = upstreams;
    }

    /** The client identifier; empty when the client left it to the server. */
    public String clientId() {
        return connect.clientId();
    }

    /** The user name, or null. */
    public String userName() {
        return connect.userName();
    }

    /** A copy of the password, or null. */
    public byte[] password() {
        return connect.password();
    }

    public MqttVersion version() {
        return connect.version();
    }

    /** Keep alive in seconds, as the client asked (0: none). */
    public int keepAlive() {
        return connect.keepAlive();
    }

    /** 3.1.1's Clean Session, 5.0's Clean Start. */
    public boolean cleanStart() {
        return connect.cleanStart();
    }

    /** The CONNECT's v5 properties (session expiry, authentication method, user properties...); empty in 3.1.1. */
    public MqttProperties properties() {
        return connect.properties();
    }

    /** The will, or null. */
    public Will will() {
        return connect.will();
    }

    /** The whole decoded CONNECT. */
    public ConnectPacket connectPacket() {
        return connect;
    }

    /** Where the client connects from. */
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** The proxy's address the client connected to. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The event loop serving this connection, 0-based. */
    public int loopIndex() {
        return loopIndex;
    }

    /** The proxy's upstream brokers, in configuration order, for {@link ConnectDecision#route}. */
    public List<Peer> upstreams() {
        return upstreams;
    }

    @Override
    public String toString() {
        return "client " + (clientId().isEmpty() ? "(no id)" : clientId()) + " from " + clientAddress;
    }
}
