package dev.isthmus.protocol.mqtt.bridge;

import dev.isthmus.protocol.mqtt.LocalBroker;
import dev.isthmus.protocol.mqtt.client.Publication;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;

/**
 * A local message on its way to the remote broker under its remote topic: the broker's message
 * itself (payload and properties are not copied) and the topic mapped for the other side.
 */
final class BridgedMessage implements Publication {
    final LocalBroker.LocalMessage local;
    private final byte[] remoteTopic;
    /** Set once the bridge no longer counts it as queued. */
    boolean done;

    BridgedMessage(LocalBroker.LocalMessage local, byte[] remoteTopic) {
        this.local = local;
        this.remoteTopic = remoteTopic;
    }

    @Override
    public int qos() {
        return local.qos();
    }

    @Override
    public boolean retain() {
        return local.retain();
    }

    @Override
    public void describe(PublishEncoder encoder, long nowNanos) {
        local.applyTo(encoder, nowNanos);
        encoder.topic(remoteTopic);
    }

    int payloadBytes() {
        return local.payload().length;
    }
}
