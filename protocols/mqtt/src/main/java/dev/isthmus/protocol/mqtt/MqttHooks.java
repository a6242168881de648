package dev.isthmus.protocol.mqtt;

import dev.isthmus.core.server.Blocking;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.Subscription;

/**
 * The phases of one MQTT client connection, for embedding Isthmus as a library: the MQTT face
 * of the project's phase API (the HTTP face is {@code ProxyHttp}). Override only what you need;
 * every phase has a default that lets the client through.
 *
 * <p>The MQTT proxy ({@link MqttProxyService}) calls them in this order for one connection:
 * {@link #newContext} when the connection is accepted → {@link #connect} once its CONNECT has
 * arrived (allow, refuse with a reason code, or pick the upstream broker) → for every SUBSCRIBE
 * and PUBLISH of the client {@link #subscribe} (once per topic filter) and {@link #publish}, in
 * the proxy's inspection mode → {@link #disconnected}, always last for a client whose CONNECT
 * reached {@link #connect}. The interface is meant for the embedded broker's events too.
 *
 * <p>Phases run on the connection's event loop and must not block, except {@code connect} when
 * the overriding method is annotated {@link Blocking}: it then runs on a virtual thread (the
 * client's connection does not read meanwhile) and its decision comes back through the loop's
 * inbox. Views handed to a phase ({@link PublishView}) are valid only during the call.
 *
 * <p>A proxy whose hooks override {@code subscribe} or {@code publish} inspects every packet
 * of its clients; one that overrides neither (and has no topic rules or rate limit) forwards
 * the bytes after CONNECT untouched, inside the kernel where the transport can.
 *
 * @param <C> per-connection state of the implementation
 */
public interface MqttHooks<C> {
    /** State for one client connection, passed to every phase. May return null when none is needed. */
    default C newContext() {
        return null;
    }

    /**
     * The client's CONNECT arrived. Return {@link ConnectDecision#allow()} to let it through to
     * the broker the proxy picks, {@link ConnectDecision#route} to pick it here, or
     * {@link ConnectDecision#reject} to answer CONNACK with that reason code (a 3.1.1 client gets
     * the matching return code) and close. An exception refuses the client as server
     * unavailable (0x88, 3.1.1 return code 3).
     */
    default ConnectDecision connect(MqttClientInfo client, C ctx) throws Exception {
        return ConnectDecision.allow();
    }

    /**
     * One topic filter of a SUBSCRIBE that passed the configured topic rules. Return
     * {@link ReasonCode#SUCCESS} to let it through, or a failure code (0x80 and above, e.g.
     * {@link ReasonCode#NOT_AUTHORIZED}) that the client's SUBACK carries for this filter instead
     * (a 3.1.1 client sees 0x80). Runs on the loop.
     */
    default ReasonCode subscribe(MqttClientInfo client, Subscription subscription, C ctx) {
        return ReasonCode.SUCCESS;
    }

    /**
     * A PUBLISH that passed the topic rules and the rate limit, {@code topic} resolved from a v5
     * topic alias where one was used (null when the alias is unknown). Return
     * {@link ReasonCode#SUCCESS} to forward it, or a failure code that refuses it the way the
     * topic rules do (v5 PUBACK/PUBREC with the code; QoS 0 and 3.1.1 dropped and acknowledged).
     * Runs on the loop.
     */
    default ReasonCode publish(MqttClientInfo client, String topic, PublishView publish, C ctx) {
        return ReasonCode.SUCCESS;
    }

    /**
     * The connection ended ({@code reason} says why: "client closed", "upstream closed", "idle
     * timeout", "refused", ...). Called once, for clients that reached {@link #connect}.
     */
    default void disconnected(MqttClientInfo client, String reason, C ctx) {
    }
}
