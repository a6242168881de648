package dev.isthmus.protocol.mqtt.broker;

/**
 * The options of one subscription (MQTT 5.0 §3.8.3.1, plus the Subscription Identifier of
 * §3.8.2.1.2), stored with the subscription in a {@link TopicTrie} and handed back with every
 * match. Immutable, so one instance can be shared by every subscription that uses the same
 * options; {@link #of(int)} returns shared instances for the common plain cases.
 *
 * <p>MQTT 3.1.1 subscriptions use only {@link #maxQos()}: the other fields keep their defaults
 * (no-local off, retain-as-published off, {@link #SEND_RETAINED}, no identifier).
 *
 * @param maxQos                 the highest QoS the subscriber accepts, 0..2; a message is
 *                               delivered at the lower of this and its own QoS
 * @param noLocal                do not send the subscriber the messages its own connection
 *                               published (not allowed on a shared subscription)
 * @param retainAsPublished      forward the RETAIN flag as published instead of clearing it
 * @param retainHandling         {@link #SEND_RETAINED}, {@link #SEND_RETAINED_IF_NEW} or
 *                               {@link #DO_NOT_SEND_RETAINED}
 * @param subscriptionIdentifier 1..{@link #MAX_SUBSCRIPTION_IDENTIFIER}, or 0 for none
 */
public record SubscriptionOptions(int maxQos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                                  int subscriptionIdentifier) {
    /** Retain handling 0: send the retained messages at the time of the subscribe. */
    public static final int SEND_RETAINED = 0;
    /** Retain handling 1: send them only if the subscription did not exist before. */
    public static final int SEND_RETAINED_IF_NEW = 1;
    /** Retain handling 2: never send retained messages at subscribe time. */
    public static final int DO_NOT_SEND_RETAINED = 2;
    /** Largest Subscription Identifier: the largest Variable Byte Integer. */
    public static final int MAX_SUBSCRIPTION_IDENTIFIER = 268_435_455;

    /** Bits of the wire options byte that must be zero. */
    private static final int RESERVED_BITS = 0xC0;

    private static final SubscriptionOptions[] PLAIN = {
            new SubscriptionOptions(0, false, false, SEND_RETAINED, 0),
            new SubscriptionOptions(1, false, false, SEND_RETAINED, 0),
            new SubscriptionOptions(2, false, false, SEND_RETAINED, 0),
    };

    public SubscriptionOptions {
        if (maxQos < 0 || maxQos > 2) {
            throw new IllegalArgumentException("maxQos must be 0..2, was " + maxQos);
        }
        if (retainHandling < SEND_RETAINED || retainHandling > DO_NOT_SEND_RETAINED) {
            throw new IllegalArgumentException("retainHandling must be 0..2, was " + retainHandling);
        }
        if (subscriptionIdentifier < 0 || subscriptionIdentifier > MAX_SUBSCRIPTION_IDENTIFIER) {
            throw new IllegalArgumentException("subscriptionIdentifier must be 0.." + MAX_SUBSCRIPTION_IDENTIFIER
                    + ", was " + subscriptionIdentifier);
        }
    }

    /** Options with only a maximum QoS, as MQTT 3.1.1 subscribes: a shared instance. */
    public static SubscriptionOptions of(int maxQos) {
        if (maxQos < 0 || maxQos > 2) {
            throw new IllegalArgumentException("maxQos must be 0..2, was " + maxQos);
        }
        return PLAIN[maxQos];
    }

    /**
     * Options from the Subscription Options byte of a SUBSCRIBE payload and the packet's
     * Subscription Identifier (0 if it had none).
     *
     * @throws IllegalArgumentException for reserved bits set, QoS 3 or retain handling 3: all
     *                                  Malformed Packets, which the codec should have refused
     */
    public static SubscriptionOptions fromWire(int optionsByte, int subscriptionIdentifier) {
        if ((optionsByte & ~0xFF) != 0 || (optionsByte & RESERVED_BITS) != 0) {
            throw new IllegalArgumentException("reserved subscription option bits set: 0x" + Integer.toHexString(optionsByte));
        }
        int maxQos = optionsByte & 0x03;
        boolean noLocal = (optionsByte & 0x04) != 0;
        boolean retainAsPublished = (optionsByte & 0x08) != 0;
        int retainHandling = (optionsByte >>> 4) & 0x03;
        if (!noLocal && !retainAsPublished && retainHandling == SEND_RETAINED && subscriptionIdentifier == 0 && maxQos < 3) {
            return PLAIN[maxQos];
        }
        return new SubscriptionOptions(maxQos, noLocal, retainAsPublished, retainHandling, subscriptionIdentifier);
    }

    /** The Subscription Options byte as a SUBSCRIBE carries it (the identifier is not part of it). */
    public int toWire() {
        return maxQos | (noLocal ? 0x04 : 0) | (retainAsPublished ? 0x08 : 0) | retainHandling << 4;
    }
}
