package dev.isthmus.protocol.mqtt.client;

import java.util.List;

import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * What an {@link MqttClient} tells its owner, always on the client's loop thread. Every method
 * but {@link #message} does nothing by default.
 */
public interface MqttClientListener {
    /**
     * The broker accepted a connection (the first or a reconnect); what was in flight has been
     * sent again and the subscriptions renewed where the session was not kept.
     */
    default void connected(boolean sessionPresent) {
    }

    /** An established connection was lost; the client reconnects after a delay unless it is stopping. */
    default void disconnected(String why) {
    }

    /** A connection attempt failed (no connection, refused by the broker, no CONNACK); the next follows after a delay. */
    default void connectFailed(String why) {
    }

    /**
     * A PUBLISH arrived. {@code message} is valid only during the call. A QoS 1 or 2 message is
     * acknowledged to the broker once the owner calls {@link MqttClient#acknowledge} with
     * {@code ackToken}, during the call or later on the same loop, so the owner decides when the
     * message counts as delivered; a resent QoS 2 message already passed on is not passed on
     * again. For QoS 0 the token is 0 and needs no acknowledgement.
     */
    void message(PublishView message, long ackToken);

    /**
     * A QoS 1 or 2 publication is done: acknowledged ({@code reason} below 0x80), refused by a
     * 5.0 broker's reason code, written at QoS 0 because the broker's Maximum QoS is 0
     * ({@link ReasonCode#SUCCESS} at once), or dropped because it is larger than the broker's
     * Maximum Packet Size ({@link ReasonCode#PACKET_TOO_LARGE}, also for QoS 0). The client
     * holds it no longer. The last two are told from within {@link MqttClient#publish}: an
     * owner that publishes again from here must not recurse without bound.
     */
    default void published(Publication publication, ReasonCode reason) {
    }

    /** A QoS 1 or 2 publication was sent again on a new connection (DUP set). */
    default void resent(Publication publication) {
    }

    /** {@link MqttClient#publish} refused a publication earlier and there is room now. */
    default void ready() {
    }

    /** The broker answered a SUBSCRIBE: one reason code per filter, in order. */
    default void subscribed(List<String> filters, List<ReasonCode> reasons) {
    }

    /** The broker answered an UNSUBSCRIBE. */
    default void unsubscribed(List<String> filters) {
    }
}
