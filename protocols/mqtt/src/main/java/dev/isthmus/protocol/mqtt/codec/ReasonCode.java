package dev.isthmus.protocol.mqtt.codec;

import static dev.isthmus.protocol.mqtt.codec.PacketType.AUTH;
import static dev.isthmus.protocol.mqtt.codec.PacketType.CONNACK;
import static dev.isthmus.protocol.mqtt.codec.PacketType.DISCONNECT;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBACK;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBCOMP;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBREC;
import static dev.isthmus.protocol.mqtt.codec.PacketType.PUBREL;
import static dev.isthmus.protocol.mqtt.codec.PacketType.SUBACK;
import static dev.isthmus.protocol.mqtt.codec.PacketType.UNSUBACK;

/**
 * Every MQTT 5.0 reason code (§2.4), with the packets that may carry it, and the MQTT 3.1.1
 * CONNACK return code each CONNECT-related one maps to.
 *
 * <p>Some values have several names depending on the packet: 0x00 is {@link #SUCCESS},
 * {@link #NORMAL_DISCONNECTION} or {@link #GRANTED_QOS_0}; look codes up with
 * {@link #of(PacketType, int)}, which picks the name that packet uses. Values of 0x80 and above
 * are failures.
 *
 * <p>The codec also uses these codes as its decode results: a decode that fails names the code a
 * server (or client) sends back before closing, mostly {@link #MALFORMED_PACKET} and
 * {@link #PROTOCOL_ERROR}. An MQTT 3.1.1 connection has no way to send them; it just closes
 * (except for the CONNACK return codes of {@link #v3ConnackCode()}).
 */
public enum ReasonCode {
    SUCCESS(0x00, CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH),
    NORMAL_DISCONNECTION(0x00, DISCONNECT),
    GRANTED_QOS_0(0x00, SUBACK),
    GRANTED_QOS_1(0x01, SUBACK),
    GRANTED_QOS_2(0x02, SUBACK),
    DISCONNECT_WITH_WILL_MESSAGE(0x04, DISCONNECT),
    NO_MATCHING_SUBSCRIBERS(0x10, PUBACK, PUBREC),
    NO_SUBSCRIPTION_EXISTED(0x11, UNSUBACK),
    CONTINUE_AUTHENTICATION(0x18, AUTH),
    RE_AUTHENTICATE(0x19, AUTH),
    UNSPECIFIED_ERROR(0x80, CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT),
    MALFORMED_PACKET(0x81, CONNACK, DISCONNECT),
    PROTOCOL_ERROR(0x82, CONNACK, DISCONNECT),
    IMPLEMENTATION_SPECIFIC_ERROR(0x83, CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT),
    UNSUPPORTED_PROTOCOL_VERSION(0x84, CONNACK),
    CLIENT_IDENTIFIER_NOT_VALID(0x85, CONNACK),
    BAD_USER_NAME_OR_PASSWORD(0x86, CONNACK),
    NOT_AUTHORIZED(0x87, CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT),
    SERVER_UNAVAILABLE(0x88, CONNACK),
    SERVER_BUSY(0x89, CONNACK, DISCONNECT),
    BANNED(0x8A, CONNACK),
    SERVER_SHUTTING_DOWN(0x8B, DISCONNECT),
    BAD_AUTHENTICATION_METHOD(0x8C, CONNACK, DISCONNECT),
    KEEP_ALIVE_TIMEOUT(0x8D, DISCONNECT),
    SESSION_TAKEN_OVER(0x8E, DISCONNECT),
    TOPIC_FILTER_INVALID(0x8F, SUBACK, UNSUBACK, DISCONNECT),
    TOPIC_NAME_INVALID(0x90, CONNACK, PUBACK, PUBREC, DISCONNECT),
    PACKET_IDENTIFIER_IN_USE(0x91, PUBACK, PUBREC, SUBACK, UNSUBACK),
    PACKET_IDENTIFIER_NOT_FOUND(0x92, PUBREL, PUBCOMP),
    RECEIVE_MAXIMUM_EXCEEDED(0x93, DISCONNECT),
    TOPIC_ALIAS_INVALID(0x94, DISCONNECT),
    PACKET_TOO_LARGE(0x95, CONNACK, DISCONNECT),
    MESSAGE_RATE_TOO_HIGH(0x96, DISCONNECT),
    QUOTA_EXCEEDED(0x97, CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT),
    ADMINISTRATIVE_ACTION(0x98, DISCONNECT),
    PAYLOAD_FORMAT_INVALID(0x99, CONNACK, PUBACK, PUBREC, DISCONNECT),
    RETAIN_NOT_SUPPORTED(0x9A, CONNACK, DISCONNECT),
    QOS_NOT_SUPPORTED(0x9B, CONNACK, DISCONNECT),
    USE_ANOTHER_SERVER(0x9C, CONNACK, DISCONNECT),
    SERVER_MOVED(0x9D, CONNACK, DISCONNECT),
    SHARED_SUBSCRIPTIONS_NOT_SUPPORTED(0x9E, SUBACK, DISCONNECT),
    CONNECTION_RATE_EXCEEDED(0x9F, CONNACK, DISCONNECT),
    MAXIMUM_CONNECT_TIME(0xA0, DISCONNECT),
    SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED(0xA1, SUBACK, DISCONNECT),
    WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED(0xA2, SUBACK, DISCONNECT);

    /** [packet type][value]: the code that packet type uses for that value, or null. */
    private static final ReasonCode[][] BY_PACKET = new ReasonCode[16][256];
    /** [value]: the first code with that value, for failure results (0x80 and above are unique). */
    private static final ReasonCode[] BY_VALUE = new ReasonCode[256];

    static {
        for (ReasonCode code : values()) {
            for (PacketType type : PacketType.values()) {
                if (code.allowedIn(type)) {
                    BY_PACKET[type.value()][code.value] = code;
                }
            }
            if (BY_VALUE[code.value] == null) {
                BY_VALUE[code.value] = code;
            }
        }
    }

    private final int value;
    private final int packetMask;

    ReasonCode(int value, PacketType... packets) {
        this.value = value;
        int mask = 0;
        for (PacketType type : packets) {
            mask |= 1 << type.value();
        }
        this.packetMask = mask;
    }

    /** The byte written on the wire. */
    public int value() {
        return value;
    }

    /** Whether this is a failure (value 0x80 or above). */
    public boolean isError() {
        return value >= 0x80;
    }

    /** Whether an MQTT 5.0 packet of this type may carry this code. */
    public boolean allowedIn(PacketType type) {
        return type != null && (packetMask & (1 << type.value())) != 0;
    }

    /**
     * The MQTT 3.1.1 CONNACK return code (§3.2.2.3) closest to this code, for answering a 3.1.1
     * CONNECT: 0 accepted, 1 unacceptable protocol version, 2 identifier rejected, 3 server
     * unavailable, 4 bad user name or password, 5 not authorized; -1 where 3.1.1 has no
     * equivalent, in which case a 3.1.1 server closes the connection without a CONNACK (as it
     * does for malformed packets and protocol errors).
     */
    public int v3ConnackCode() {
        return switch (this) {
            case SUCCESS -> 0;
            case UNSUPPORTED_PROTOCOL_VERSION -> 1;
            case CLIENT_IDENTIFIER_NOT_VALID -> 2;
            case SERVER_UNAVAILABLE, SERVER_BUSY, USE_ANOTHER_SERVER, SERVER_MOVED, CONNECTION_RATE_EXCEEDED -> 3;
            case BAD_USER_NAME_OR_PASSWORD, BAD_AUTHENTICATION_METHOD -> 4;
            case NOT_AUTHORIZED, BANNED -> 5;
            default -> -1;
        };
    }

    /** The code of an MQTT 3.1.1 CONNACK return code (0..5), or null for other values. */
    public static ReasonCode ofV3Connack(int returnCode) {
        return switch (returnCode) {
            case 0 -> SUCCESS;
            case 1 -> UNSUPPORTED_PROTOCOL_VERSION;
            case 2 -> CLIENT_IDENTIFIER_NOT_VALID;
            case 3 -> SERVER_UNAVAILABLE;
            case 4 -> BAD_USER_NAME_OR_PASSWORD;
            case 5 -> NOT_AUTHORIZED;
            default -> null;
        };
    }

    /** The code a packet of {@code type} means by {@code value}, or null if that packet may not carry it. */
    public static ReasonCode of(PacketType type, int value) {
        return type == null || value < 0 || value > 0xFF ? null : BY_PACKET[type.value()][value];
    }

    /**
     * The code with this value, the first declared among those that share it (0x00 gives
     * {@link #SUCCESS}), or null. Failures (0x80 and above) have one name each.
     */
    public static ReasonCode ofValue(int value) {
        return value < 0 || value > 0xFF ? null : BY_VALUE[value];
    }
}
