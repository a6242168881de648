package dev.isthmus.protocol.mqtt;

import java.util.Objects;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.protocol.mqtt.codec.PacketType;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * What {@link MqttHooks#connect} decided for a client: let it through to the broker the proxy
 * picks, to a broker of the hook's choosing, or refuse it with a CONNACK reason code.
 */
public final class ConnectDecision {
    private static final ConnectDecision ALLOW = new ConnectDecision(null, null);

    private final ReasonCode refusal;
    private final Peer peer;

    private ConnectDecision(ReasonCode refusal, Peer peer) {
        this.refusal = refusal;
        this.peer = peer;
    }

    /** Through to the broker the proxy's balancing picks (consistent hash of the client id by default). */
    public static ConnectDecision allow() {
        return ALLOW;
    }

    /**
     * Through to {@code peer}: one of {@link MqttClientInfo#upstreams()} (when it cannot be
     * reached the proxy fails over along its balancing as usual), or any other broker (no
     * failover then).
     */
    public static ConnectDecision route(Peer peer) {
        return new ConnectDecision(null, Objects.requireNonNull(peer, "peer"));
    }

    /**
     * Refused: the client gets a CONNACK with {@code reason} (a failure that CONNACK may carry,
     * such as {@link ReasonCode#NOT_AUTHORIZED}, {@link ReasonCode#BAD_USER_NAME_OR_PASSWORD},
     * {@link ReasonCode#BANNED}); a 3.1.1 client gets the closest 3.1.1 return code, or the
     * connection is closed without a CONNACK where 3.1.1 has none.
     */
    public static ConnectDecision reject(ReasonCode reason) {
        Objects.requireNonNull(reason, "reason");
        if (!reason.isError() || !reason.allowedIn(PacketType.CONNACK)) {
            throw new IllegalArgumentException(reason + " is not a CONNACK failure code");
        }
        return new ConnectDecision(reason, null);
    }

    public boolean isRejected() {
        return refusal != null;
    }

    /** The refusal's reason code, or null. */
    public ReasonCode reason() {
        return refusal;
    }

    /** The broker the hook chose, or null. */
    public Peer peer() {
        return peer;
    }

    @Override
    public String toString() {
        return refusal != null ? "reject(" + refusal + ")" : peer != null ? "route(" + peer + ")" : "allow";
    }
}
