package dev.isthmus.protocol.mqtt.codec;

import java.util.Objects;

/**
 * One topic filter of a SUBSCRIBE with its subscription options (MQTT 5.0 §3.8.3.1). In 3.1.1
 * only {@code maxQos} exists and the other options are false/0.
 *
 * @param topicFilter       a valid topic filter, possibly {@code $share/{group}/{filter}}
 * @param maxQos            0, 1 or 2
 * @param noLocal           do not send this client's own publications back to it (never on a shared subscription)
 * @param retainAsPublished keep the RETAIN flag of forwarded messages
 * @param retainHandling    0 send retained messages on subscribe, 1 only if the subscription is new, 2 never
 */
public record Subscription(String topicFilter, int maxQos, boolean noLocal, boolean retainAsPublished,
                           int retainHandling) {
    public Subscription {
        Objects.requireNonNull(topicFilter, "topicFilter");
        if (maxQos < 0 || maxQos > 2 || retainHandling < 0 || retainHandling > 2) {
            throw new IllegalArgumentException("QoS " + maxQos + ", retain handling " + retainHandling);
        }
    }

    /** A 3.1.1-style subscription: a filter and a maximum QoS, default options. */
    public static Subscription of(String topicFilter, int maxQos) {
        return new Subscription(topicFilter, maxQos, false, false, 0);
    }

    /** Whether this is a shared subscription ({@code $share/...}). */
    public boolean isShared() {
        return topicFilter.startsWith("$share/");
    }

    /** The subscription options byte of 5.0. */
    int optionsByte() {
        return maxQos | (noLocal ? 0x04 : 0) | (retainAsPublished ? 0x08 : 0) | (retainHandling << 4);
    }
}
