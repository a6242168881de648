package dev.isthmus.protocol.mqtt.codec;

import static dev.isthmus.protocol.mqtt.codec.PacketType.AUTH;
import static dev.isthmus.protocol.mqtt.codec.PacketType.CONNACK;
import static dev.isthmus.protocol.mqtt.codec.PacketType.CONNECT;
import static dev.isthmus.protocol.mqtt.codec.PacketType.DISCONNECT;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBACK;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBCOMP;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBLISH;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBREC;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBREL;
import static dev.isthmus.protocol.mqtt.codec.PacketType.SUBACK;
import static dev.isthmus.protocol.mqtt.codec.PacketType.SUBSCRIBE;
import static dev.isthmus.protocol.mqtt.codec.PacketType.UNSUBACK;
import static dev.isthmus.protocol.mqtt.codec.PacketType.UNSUBSCRIBE;

/**
 * Every MQTT 5.0 property (§2.2.2.2): its identifier, its data type, and where it may appear —
 * the packets, plus the will properties of a CONNECT ({@link #allowedInWill()}).
 *
 * <p>A property in a packet it is not allowed in is a malformed packet; a property given twice is
 * a protocol error, except {@link #USER_PROPERTY} (any number) and
 * {@link #SUBSCRIPTION_IDENTIFIER} in PUBLISH (one per matching subscription).
 */
public enum PropertyId {
    PAYLOAD_FORMAT_INDICATOR(0x01, Type.BYTE, true, PUBLISH),
    MESSAGE_EXPIRY_INTERVAL(0x02, Type.FOUR_BYTE_INTEGER, true, PUBLISH),
    CONTENT_TYPE(0x03, Type.UTF8_STRING, true, PUBLISH),
    RESPONSE_TOPIC(0x08, Type.UTF8_STRING, true, PUBLISH),
    CORRELATION_DATA(0x09, Type.BINARY_DATA, true, PUBLISH),
    SUBSCRIPTION_IDENTIFIER(0x0B, Type.VARIABLE_BYTE_INTEGER, false, PUBLISH, SUBSCRIBE),
    SESSION_EXPIRY_INTERVAL(0x11, Type.FOUR_BYTE_INTEGER, false, CONNECT, CONNACK, DISCONNECT),
    ASSIGNED_CLIENT_IDENTIFIER(0x12, Type.UTF8_STRING, false, CONNACK),
    SERVER_KEEP_ALIVE(0x13, Type.TWO_BYTE_INTEGER, false, CONNACK),
    AUTHENTICATION_METHOD(0x15, Type.UTF8_STRING, false, CONNECT, CONNACK, AUTH),
    AUTHENTICATION_DATA(0x16, Type.BINARY_DATA, false, CONNECT, CONNACK, AUTH),
    REQUEST_PROBLEM_INFORMATION(0x17, Type.BYTE, false, CONNECT),
    WILL_DELAY_INTERVAL(0x18, Type.FOUR_BYTE_INTEGER, true),
    REQUEST_RESPONSE_INFORMATION(0x19, Type.BYTE, false, CONNECT),
    RESPONSE_INFORMATION(0x1A, Type.UTF8_STRING, false, CONNACK),
    SERVER_REFERENCE(0x1C, Type.UTF8_STRING, false, CONNACK, DISCONNECT),
    REASON_STRING(0x1F, Type.UTF8_STRING, false, CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK,
            DISCONNECT, AUTH),
    RECEIVE_MAXIMUM(0x21, Type.TWO_BYTE_INTEGER, false, CONNECT, CONNACK),
    TOPIC_ALIAS_MAXIMUM(0x22, Type.TWO_BYTE_INTEGER, false, CONNECT, CONNACK),
    TOPIC_ALIAS(0x23, Type.TWO_BYTE_INTEGER, false, PUBLISH),
    MAXIMUM_QOS(0x24, Type.BYTE, false, CONNACK),
    RETAIN_AVAILABLE(0x25, Type.BYTE, false, CONNACK),
    USER_PROPERTY(0x26, Type.UTF8_STRING_PAIR, true, PacketType.values()),
    MAXIMUM_PACKET_SIZE(0x27, Type.FOUR_BYTE_INTEGER, false, CONNECT, CONNACK),
    WILDCARD_SUBSCRIPTION_AVAILABLE(0x28, Type.BYTE, false, CONNACK),
    SUBSCRIPTION_IDENTIFIER_AVAILABLE(0x29, Type.BYTE, false, CONNACK),
    SHARED_SUBSCRIPTION_AVAILABLE(0x2A, Type.BYTE, false, CONNACK);

    /** The data types of property values (§1.5). */
    public enum Type {
        BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, VARIABLE_BYTE_INTEGER, UTF8_STRING, BINARY_DATA, UTF8_STRING_PAIR
    }

    /** Bit of {@link #allowedMask} standing for the will properties (packet type 0 is reserved, so free). */
    static final int WILL_BIT = 1;
    /** Highest identifier in use. */
    static final int MAX_ID = 0x2A;

    private static final PropertyId[] BY_ID = new PropertyId[MAX_ID + 1];

    static {
        for (PropertyId p : values()) {
            BY_ID[p.id] = p;
        }
    }

    private final int id;
    private final Type type;
    private final int allowedMask;

    PropertyId(int id, Type type, boolean inWill, PacketType... packets) {
        this.id = id;
        this.type = type;
        int mask = inWill ? WILL_BIT : 0;
        for (PacketType packet : packets) {
            mask |= 1 << packet.value();
        }
        this.allowedMask = mask;
    }

    /** The identifier byte. */
    public int id() {
        return id;
    }

    public Type type() {
        return type;
    }

    /** Whether an MQTT 5.0 packet of this type may carry this property. */
    public boolean allowedIn(PacketType packet) {
        return (allowedMask & (1 << packet.value())) != 0;
    }

    /** Whether this property may appear among the will properties of a CONNECT. */
    public boolean allowedInWill() {
        return (allowedMask & WILL_BIT) != 0;
    }

    /** Whether it may appear more than once in a packet of this type. */
    public boolean repeatableIn(PacketType packet) {
        return this == USER_PROPERTY || (this == SUBSCRIPTION_IDENTIFIER && packet == PUBLISH);
    }

    int allowedMask() {
        return allowedMask;
    }

    /** The property with this identifier, or null. */
    public static PropertyId of(int id) {
        return id >= 0 && id <= MAX_ID ? BY_ID[id] : null;
    }
}
