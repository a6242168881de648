package dev.isthmus.protocol.mqtt.codec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

import org.agrona.MutableDirectBuffer;

/**
 * An immutable set of MQTT 5.0 properties (§2.2.2.2) for the packets decoded into records
 * (CONNECT and its will, CONNACK, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH).
 *
 * <p>Every property of the spec has an accessor; absent means null for strings and binary data,
 * -1 for integers, an empty list for user properties and subscription identifiers. Binary values
 * are copied in and out, so an instance never changes. {@link #EMPTY} is what 3.1.1 packets carry.
 * Build one with {@link #builder()}; the builder checks types and ranges, not which packet the
 * properties go into (the encoder writes what it is given; the decoder checks what it reads).
 */
public final class MqttProperties {
    /** No properties. */
    public static final MqttProperties EMPTY = new MqttProperties(new Object[PropertyId.MAX_ID + 1]);

    /**
     * Values by property identifier: Long for integers, String, byte[], and for the repeatable
     * ones an unmodifiable List of UserProperty or Integer.
     */
    private final Object[] values;

    private MqttProperties(Object[] values) {
        this.values = values;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts with these properties. */
    public Builder toBuilder() {
        Builder b = new Builder();
        System.arraycopy(values, 0, b.values, 0, values.length);
        b.userProperties.addAll(userProperties());
        b.subscriptionIdentifiers.addAll(subscriptionIdentifiers());
        return b;
    }

    /** Whether no property is present. */
    public boolean isEmpty() {
        for (Object v : values) {
            if (v != null) {
                return false;
            }
        }
        return true;
    }

    /** Whether this property is present. */
    public boolean has(PropertyId id) {
        return values[id.id()] != null;
    }

    /** An integer property (byte, two-byte, four-byte or variable byte integer), or -1 if absent; the first one of subscription identifiers. */
    public long integer(PropertyId id) {
        Object v = values[id.id()];
        if (v instanceof List<?> list) {
            return ((Integer) list.get(0)).longValue();
        }
        return v == null ? -1 : (Long) v;
    }

    /** A UTF-8 string property, or null. */
    public String string(PropertyId id) {
        Object v = values[id.id()];
        return v instanceof String s ? s : null;
    }

    /** A binary property (a copy), or null. */
    public byte[] binary(PropertyId id) {
        Object v = values[id.id()];
        return v instanceof byte[] b ? b.clone() : null;
    }

    /** Length of a binary property without copying it, or -1. */
    int binaryLength(PropertyId id) {
        Object v = values[id.id()];
        return v instanceof byte[] b ? b.length : -1;
    }

    /** The stored array of a binary property, not copied: for the encoder. */
    byte[] binaryUnsafe(PropertyId id) {
        return (byte[]) values[id.id()];
    }

    public int payloadFormatIndicator() {
        return (int) integer(PropertyId.PAYLOAD_FORMAT_INDICATOR);
    }

    public long messageExpiryInterval() {
        return integer(PropertyId.MESSAGE_EXPIRY_INTERVAL);
    }

    public String contentType() {
        return string(PropertyId.CONTENT_TYPE);
    }

    public String responseTopic() {
        return string(PropertyId.RESPONSE_TOPIC);
    }

    public byte[] correlationData() {
        return binary(PropertyId.CORRELATION_DATA);
    }

    /** Subscription identifiers in order: at most one in SUBSCRIBE, several in PUBLISH. */
    @SuppressWarnings("unchecked")
    public List<Integer> subscriptionIdentifiers() {
        Object v = values[PropertyId.SUBSCRIPTION_IDENTIFIER.id()];
        return v == null ? List.of() : (List<Integer>) v;
    }

    /** The (first) subscription identifier, or 0 if absent (0 is not a valid identifier). */
    public int subscriptionIdentifier() {
        List<Integer> ids = subscriptionIdentifiers();
        return ids.isEmpty() ? 0 : ids.get(0);
    }

    public long sessionExpiryInterval() {
        return integer(PropertyId.SESSION_EXPIRY_INTERVAL);
    }

    public String assignedClientIdentifier() {
        return string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER);
    }

    public int serverKeepAlive() {
        return (int) integer(PropertyId.SERVER_KEEP_ALIVE);
    }

    public String authenticationMethod() {
        return string(PropertyId.AUTHENTICATION_METHOD);
    }

    public byte[] authenticationData() {
        return binary(PropertyId.AUTHENTICATION_DATA);
    }

    public int requestProblemInformation() {
        return (int) integer(PropertyId.REQUEST_PROBLEM_INFORMATION);
    }

    public long willDelayInterval() {
        return integer(PropertyId.WILL_DELAY_INTERVAL);
    }

    public int requestResponseInformation() {
        return (int) integer(PropertyId.REQUEST_RESPONSE_INFORMATION);
    }

    public String responseInformation() {
        return string(PropertyId.RESPONSE_INFORMATION);
    }

    public String serverReference() {
        return string(PropertyId.SERVER_REFERENCE);
    }

    public String reasonString() {
        return string(PropertyId.REASON_STRING);
    }

    public int receiveMaximum() {
        return (int) integer(PropertyId.RECEIVE_MAXIMUM);
    }

    public int topicAliasMaximum() {
        return (int) integer(PropertyId.TOPIC_ALIAS_MAXIMUM);
    }

    public int topicAlias() {
        return (int) integer(PropertyId.TOPIC_ALIAS);
    }

    public int maximumQos() {
        return (int) integer(PropertyId.MAXIMUM_QOS);
    }

    public int retainAvailable() {
        return (int) integer(PropertyId.RETAIN_AVAILABLE);
    }

    @SuppressWarnings("unchecked")
    public List<UserProperty> userProperties() {
        Object v = values[PropertyId.USER_PROPERTY.id()];
        return v == null ? List.of() : (List<UserProperty>) v;
    }

    public long maximumPacketSize() {
        return integer(PropertyId.MAXIMUM_PACKET_SIZE);
    }

    public int wildcardSubscriptionAvailable() {
        return (int) integer(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE);
    }

    public int subscriptionIdentifierAvailable() {
        return (int) integer(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE);
    }

    public int sharedSubscriptionAvailable() {
        return (int) integer(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE);
    }

    /** Bytes these properties take on the wire, without the property length prefix. */
    int encodedLength() {
        int n = 0;
        for (PropertyId id : PropertyId.values()) {
            Object v = values[id.id()];
            if (v == null) {
                continue;
            }
            switch (id.type()) {
                case BYTE -> n += 2;
                case TWO_BYTE_INTEGER -> n += 3;
                case FOUR_BYTE_INTEGER -> n += 5;
                case VARIABLE_BYTE_INTEGER -> {
                    for (Integer i : subscriptionIdentifiers()) {
                        n += 1 + MqttWire.vbiLength(i);
                    }
                }
                case UTF8_STRING -> n += 1 + MqttWire.stringFieldLength((String) v);
                case BINARY_DATA -> n += 1 + MqttWire.binaryFieldLength((byte[]) v);
                case UTF8_STRING_PAIR -> {
                    for (UserProperty p : userProperties()) {
                        n += 1 + MqttWire.stringFieldLength(p.name()) + MqttWire.stringFieldLength(p.value());
                    }
                }
            }
        }
        return n;
    }

    /** Writes the properties (without the length prefix) in identifier order; returns the bytes written. */
    int encode(MutableDirectBuffer buf, int index) {
        int p = index;
        for (PropertyId id : PropertyId.values()) {
            Object v = values[id.id()];
            if (v == null) {
                continue;
            }
            switch (id.type()) {
                case BYTE -> {
                    buf.putByte(p++, (byte) id.id());
                    buf.putByte(p++, (byte) (long) (Long) v);
                }
                case TWO_BYTE_INTEGER -> {
                    buf.putByte(p++, (byte) id.id());
                    MqttWire.putU16(buf, p, (int) (long) (Long) v);
                    p += 2;
                }
                case FOUR_BYTE_INTEGER -> {
                    buf.putByte(p++, (byte) id.id());
                    MqttWire.putU32(buf, p, (Long) v);
                    p += 4;
                }
                case VARIABLE_BYTE_INTEGER -> {
                    for (Integer i : subscriptionIdentifiers()) {
                        buf.putByte(p++, (byte) id.id());
                        p += MqttWire.putVbi(buf, p, i);
                    }
                }
                case UTF8_STRING -> {
                    buf.putByte(p++, (byte) id.id());
                    p += MqttWire.putStringField(buf, p, (String) v);
                }
                case BINARY_DATA -> {
                    buf.putByte(p++, (byte) id.id());
                    p += MqttWire.putBinaryField(buf, p, (byte[]) v);
                }
                case UTF8_STRING_PAIR -> {
                    for (UserProperty u : userProperties()) {
                        buf.putByte(p++, (byte) id.id());
                        p += MqttWire.putStringField(buf, p, u.name());
                        p += MqttWire.putStringField(buf, p, u.value());
                    }
                }
            }
        }
        return p - index;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttProperties other && Arrays.deepEquals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(values);
    }

    @Override
    public String toString() {
        StringJoiner out = new StringJoiner(", ", "{", "}");
        for (PropertyId id : PropertyId.values()) {
            Object v = values[id.id()];
            if (v != null) {
                out.add(id + "=" + (v instanceof byte[] b ? Arrays.toString(b) : v));
            }
        }
        return out.toString();
    }

    /**
     * Collects properties for an {@link MqttProperties}. Setting a property again replaces it,
     * except user properties and subscription identifiers, which are appended.
     */
    public static final class Builder {
        private final Object[] values = new Object[PropertyId.MAX_ID + 1];
        private final List<UserProperty> userProperties = new ArrayList<>();
        private final List<Integer> subscriptionIdentifiers = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets an integer property, checking it fits its type (a byte, two bytes, four bytes, or
         * 1..268,435,455 for a subscription identifier).
         */
        public Builder integer(PropertyId id, long value) {
            long max = switch (id.type()) {
                case BYTE -> 0xFF;
                case TWO_BYTE_INTEGER -> 0xFFFF;
                case FOUR_BYTE_INTEGER -> 0xFFFF_FFFFL;
                case VARIABLE_BYTE_INTEGER -> MqttWire.MAX_VARIABLE_BYTE_INTEGER;
                default -> throw new IllegalArgumentException(id + " is not an integer property");
            };
            if (value < 0 || value > max) {
                throw new IllegalArgumentException(id + " out of range: " + value);
            }
            if (id == PropertyId.SUBSCRIPTION_IDENTIFIER) {
                if (value == 0) {
                    throw new IllegalArgumentException("subscription identifier 0");
                }
                subscriptionIdentifiers.add((int) value);
            } else {
                values[id.id()] = value;
            }
            return this;
        }

        /** Sets a UTF-8 string property (null removes it). */
        public Builder string(PropertyId id, String value) {
            if (id.type() != PropertyId.Type.UTF8_STRING) {
                throw new IllegalArgumentException(id + " is not a string property");
            }
            if (value != null) {
                MqttWire.stringFieldLength(value);
            }
            values[id.id()] = value;
            return this;
        }

        /** Sets a binary property, copying it (null removes it). */
        public Builder binary(PropertyId id, byte[] value) {
            if (id.type() != PropertyId.Type.BINARY_DATA) {
                throw new IllegalArgumentException(id + " is not a binary property");
            }
            if (value != null) {
                MqttWire.binaryFieldLength(value);
            }
            values[id.id()] = value == null ? null : value.clone();
            return this;
        }

        public Builder userProperty(String name, String value) {
            MqttWire.stringFieldLength(name);
            MqttWire.stringFieldLength(value);
            userProperties.add(new UserProperty(name, value));
            return this;
        }

        public Builder userProperties(List<UserProperty> properties) {
            for (UserProperty p : properties) {
                userProperty(p.name(), p.value());
            }
            return this;
        }

        public Builder subscriptionIdentifier(int id) {
            return integer(PropertyId.SUBSCRIPTION_IDENTIFIER, id);
        }

        public Builder payloadFormatIndicator(int value) {
            return integer(PropertyId.PAYLOAD_FORMAT_INDICATOR, value);
        }

        public Builder messageExpiryInterval(long seconds) {
            return integer(PropertyId.MESSAGE_EXPIRY_INTERVAL, seconds);
        }

        public Builder contentType(String value) {
            return string(PropertyId.CONTENT_TYPE, value);
        }

        public Builder responseTopic(String value) {
            return string(PropertyId.RESPONSE_TOPIC, value);
        }

        public Builder correlationData(byte[] value) {
            return binary(PropertyId.CORRELATION_DATA, value);
        }

        public Builder sessionExpiryInterval(long seconds) {
            return integer(PropertyId.SESSION_EXPIRY_INTERVAL, seconds);
        }

        public Builder assignedClientIdentifier(String value) {
            return string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER, value);
        }

        public Builder serverKeepAlive(int seconds) {
            return integer(PropertyId.SERVER_KEEP_ALIVE, seconds);
        }

        public Builder authenticationMethod(String value) {
            return string(PropertyId.AUTHENTICATION_METHOD, value);
        }

        public Builder authenticationData(byte[] value) {
            return binary(PropertyId.AUTHENTICATION_DATA, value);
        }

        public Builder requestProblemInformation(int value) {
            return integer(PropertyId.REQUEST_PROBLEM_INFORMATION, value);
        }

        public Builder willDelayInterval(long seconds) {
            return integer(PropertyId.WILL_DELAY_INTERVAL, seconds);
        }

        public Builder requestResponseInformation(int value) {
            return integer(PropertyId.REQUEST_RESPONSE_INFORMATION, value);
        }

        public Builder responseInformation(String value) {
            return string(PropertyId.RESPONSE_INFORMATION, value);
        }

        public Builder serverReference(String value) {
            return string(PropertyId.SERVER_REFERENCE, value);
        }

        public Builder reasonString(String value) {
            return string(PropertyId.REASON_STRING, value);
        }

        public Builder receiveMaximum(int value) {
            return integer(PropertyId.RECEIVE_MAXIMUM, value);
        }

        public Builder topicAliasMaximum(int value) {
            return integer(PropertyId.TOPIC_ALIAS_MAXIMUM, value);
        }

        public Builder topicAlias(int value) {
            return integer(PropertyId.TOPIC_ALIAS, value);
        }

        public Builder maximumQos(int value) {
            return integer(PropertyId.MAXIMUM_QOS, value);
        }

        public Builder retainAvailable(int value) {
            return integer(PropertyId.RETAIN_AVAILABLE, value);
        }

        public Builder maximumPacketSize(long value) {
            return integer(PropertyId.MAXIMUM_PACKET_SIZE, value);
        }

        public Builder wildcardSubscriptionAvailable(int value) {
            return integer(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE, value);
        }

        public Builder subscriptionIdentifierAvailable(int value) {
            return integer(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE, value);
        }

        public Builder sharedSubscriptionAvailable(int value) {
            return integer(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE, value);
        }

        public MqttProperties build() {
            Object[] copy = values.clone();
            copy[PropertyId.USER_PROPERTY.id()] = userProperties.isEmpty() ? null : List.copyOf(userProperties);
            copy[PropertyId.SUBSCRIPTION_IDENTIFIER.id()] =
                    subscriptionIdentifiers.isEmpty() ? null : List.copyOf(subscriptionIdentifiers);
            boolean empty = true;
            for (Object v : copy) {
                empty &= v == null;
            }
            return empty ? EMPTY : new MqttProperties(copy);
        }
    }
}
