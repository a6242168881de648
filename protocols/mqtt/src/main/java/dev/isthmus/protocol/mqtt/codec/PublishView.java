package dev.isthmus.protocol.mqtt.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.DirectBuffer;

/**
 * A reusable flyweight over one PUBLISH packet's body (MQTT 3.1.1 §3.3, MQTT 5.0 §3.3), decoded in
 * place: every field is an offset and length into the wrapped buffer, nothing is copied and
 * nothing is allocated (the user-property and subscription-identifier tables grow only when a
 * packet has more of them than any before).
 *
 * <p>{@link #wrap} validates the whole packet and returns {@link ReasonCode#SUCCESS} or the code
 * to answer with: fixed-header flags (QoS 3 and DUP on QoS 0 are malformed), topic name (UTF-8
 * without U+0000, no wildcards: {@link ReasonCode#TOPIC_NAME_INVALID}; empty only in 5.0 with a
 * topic alias, otherwise a protocol error in 5.0 and {@code TOPIC_NAME_INVALID} in 3.1.1), a
 * non-zero packet identifier for QoS 1 and 2, and every property (allowed in PUBLISH, not
 * repeated except subscription identifiers and user properties, values in range). The payload is
 * not checked, even with a payload format indicator of 1: {@link #payloadIsUtf8()} does that on
 * request.
 *
 * <p>Not checked, because they depend on the connection: the topic alias against the negotiated
 * maximum and its mapping, QoS against the server's maximum, and the rule that a client must not
 * send subscription identifiers. The accessors are meaningful only after a successful wrap, and
 * only while the buffer holds the packet. Optional fields have a sentinel (-1, 0 for the topic
 * alias, length -1) and a {@code has...} method.
 */
public final class PublishView {
    private static final int PUBLISH_BIT = 1 << PacketType.PUBLISH.value();

    private final PropertyReader properties = new PropertyReader();
    private final UserPropertyIndex userProperties = new UserPropertyIndex();
    private int[] subscriptionIdentifiers = new int[4];
    private int subscriptionIdentifierCount;

    private DirectBuffer buffer;
    private MqttVersion version;
    private int fixedHeader;
    private int offset;
    private int length;
    private int topicOffset;
    private int topicLength;
    private int packetId;
    private int propertiesOffset;
    private int propertiesLength;
    private int payloadFormatIndicator;
    private long messageExpiryInterval;
    private int topicAlias;
    private int responseTopicOffset;
    private int responseTopicLength;
    private int correlationDataOffset;
    private int correlationDataLength;
    private int contentTypeOffset;
    private int contentTypeLength;
    private int payloadOffset;
    private int payloadLength;

    /**
     * Decodes the PUBLISH whose body (after the fixed header and remaining length) is the
     * {@code length} bytes at {@code offset}.
     *
     * @param fixedHeader the first byte of the packet, with the DUP/QoS/RETAIN flags
     * @return {@link ReasonCode#SUCCESS}, or why the packet is refused
     */
    public ReasonCode wrap(MqttVersion version, int fixedHeader, DirectBuffer buf, int offset, int length) {
        this.buffer = buf;
        this.version = version;
        this.fixedHeader = fixedHeader & 0xFF;
        this.offset = offset;
        this.length = length;
        packetId = 0;
        propertiesOffset = 0;
        propertiesLength = 0;
        payloadFormatIndicator = -1;
        messageExpiryInterval = -1;
        topicAlias = 0;
        responseTopicLength = -1;
        correlationDataLength = -1;
        contentTypeLength = -1;
        userProperties.clear();
        subscriptionIdentifierCount = 0;
        int result = decode(version, buf, offset, length);
        return result == 0 ? ReasonCode.SUCCESS : MqttWire.reason(result);
    }

    private int decode(MqttVersion version, DirectBuffer buf, int offset, int length) {
        if (version == null || !version.supported() || !MqttWire.validRegion(buf, offset, length)) {
            return MqttWire.PROTOCOL_ERROR;
        }
        if ((fixedHeader >>> 4) != PacketType.PUBLISH.value()) {
            return MqttWire.MALFORMED;
        }
        int qos = qos();
        if (qos == 3 || (qos == 0 && dup())) {
            return MqttWire.MALFORMED;
        }
        int end = offset + length;
        if (length < 2) {
            return MqttWire.MALFORMED;
        }
        topicLength = MqttWire.u16(buf, offset);
        topicOffset = offset + 2;
        int p = topicOffset + topicLength;
        if (topicLength > length - 2) {
            return MqttWire.MALFORMED;
        }
        int topicCheck = MqttWire.checkTopicName(buf, topicOffset, topicLength);
        if (topicCheck < 0) {
            return topicCheck;
        }
        if (qos > 0) {
            if (end - p < 2) {
                return MqttWire.MALFORMED;
            }
            packetId = MqttWire.u16(buf, p);
            if (packetId == 0) {
                return MqttWire.PROTOCOL_ERROR;
            }
            p += 2;
        }
        if (version == MqttVersion.V5) {
            p = readProperties(buf, p, end);
            if (p < 0) {
                return p;
            }
        }
        if (topicLength == 0) {
            if (version != MqttVersion.V5) {
                return MqttWire.TOPIC_NAME_INVALID;
            }
            if (topicAlias == 0) {
                return MqttWire.PROTOCOL_ERROR;
            }
        }
        payloadOffset = p;
        payloadLength = end - p;
        return 0;
    }

    private int readProperties(DirectBuffer buf, int index, int end) {
        int after = properties.begin(buf, index, end, PUBLISH_BIT);
        if (after < 0) {
            return after;
        }
        propertiesOffset = index;
        propertiesLength = after - index;
        PropertyReader r = properties;
        while (r.next()) {
            switch (r.id) {
                case PAYLOAD_FORMAT_INDICATOR -> payloadFormatIndicator = (int) r.value;
                case MESSAGE_EXPIRY_INTERVAL -> messageExpiryInterval = r.value;
                case TOPIC_ALIAS -> topicAlias = (int) r.value;
                case RESPONSE_TOPIC -> {
                    responseTopicOffset = r.offset;
                    responseTopicLength = r.length;
                }
                case CORRELATION_DATA -> {
                    correlationDataOffset = r.offset;
                    correlationDataLength = r.length;
                }
                case CONTENT_TYPE -> {
                    contentTypeOffset = r.offset;
                    contentTypeLength = r.length;
                }
                case USER_PROPERTY -> userProperties.add(r.nameOffset, r.nameLength, r.offset, r.length);
                case SUBSCRIPTION_IDENTIFIER -> addSubscriptionIdentifier((int) r.value);
                default -> {
                    // PropertyReader admits only PUBLISH properties.
                }
            }
        }
        return r.error != 0 ? r.error : after;
    }

    private void addSubscriptionIdentifier(int id) {
        if (subscriptionIdentifierCount == subscriptionIdentifiers.length) {
            subscriptionIdentifiers = Arrays.copyOf(subscriptionIdentifiers, subscriptionIdentifiers.length * 2);
        }
        subscriptionIdentifiers[subscriptionIdentifierCount++] = id;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public MqttVersion version() {
        return version;
    }

    /** The fixed header byte, flags included. */
    public int fixedHeader() {
        return fixedHeader;
    }

    /** Offset of the body (the topic length) in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /** Length of the body (the remaining length). */
    public int length() {
        return length;
    }

    public boolean dup() {
        return (fixedHeader & 0x08) != 0;
    }

    public int qos() {
        return (fixedHeader >>> 1) & 0x03;
    }

    public boolean retain() {
        return (fixedHeader & 0x01) != 0;
    }

    public int topicOffset() {
        return topicOffset;
    }

    /** Bytes of the topic name; 0 when a 5.0 publisher relies on its {@link #topicAlias()}. */
    public int topicLength() {
        return topicLength;
    }

    /** The topic name as a String: allocates, for logs and rare paths. */
    public String topicString() {
        byte[] bytes = new byte[topicLength];
        buffer.getBytes(topicOffset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether the topic name has the same bytes as {@code length} bytes of {@code other} at {@code otherOffset}. */
    public boolean topicEquals(DirectBuffer other, int otherOffset, int length) {
        return length == topicLength && MqttWire.rangeEquals(buffer, topicOffset, other, otherOffset, length);
    }

    /** Whether the topic name has the same bytes as {@code utf8}. */
    public boolean topicEquals(byte[] utf8) {
        return MqttWire.rangeEquals(buffer, topicOffset, topicLength, utf8);
    }

    /** Hash of the topic name's bytes, equal to {@link Arrays#hashCode(byte[])} of them. */
    public int topicHash() {
        return MqttWire.hash(buffer, topicOffset, topicLength);
    }

    /** The packet identifier, or 0 for QoS 0. */
    public int packetId() {
        return packetId;
    }

    /** Offset of the packet identifier in the buffer, or -1 for QoS 0. */
    public int packetIdOffset() {
        return qos() == 0 ? -1 : topicOffset + topicLength;
    }

    /** Offset of the property length (5.0), for forwarding the properties as they are; 0 in 3.1.1. */
    public int propertiesOffset() {
        return propertiesOffset;
    }

    /** Bytes of the properties including their length prefix; 0 in 3.1.1. */
    public int propertiesLength() {
        return propertiesLength;
    }

    /** 0 (unspecified bytes) or 1 (UTF-8), or -1 if absent. */
    public int payloadFormatIndicator() {
        return payloadFormatIndicator;
    }

    public boolean hasPayloadFormatIndicator() {
        return payloadFormatIndicator >= 0;
    }

    /** Seconds, 0..2^32-1, or -1 if absent (the message does not expire). */
    public long messageExpiryInterval() {
        return messageExpiryInterval;
    }

    public boolean hasMessageExpiryInterval() {
        return messageExpiryInterval >= 0;
    }

    /** The topic alias (1..65535), or 0 if absent. */
    public int topicAlias() {
        return topicAlias;
    }

    public boolean hasTopicAlias() {
        return topicAlias > 0;
    }

    public boolean hasResponseTopic() {
        return responseTopicLength >= 0;
    }

    public int responseTopicOffset() {
        return responseTopicOffset;
    }

    /** Bytes of the response topic, or -1 if absent. */
    public int responseTopicLength() {
        return responseTopicLength;
    }

    public boolean hasCorrelationData() {
        return correlationDataLength >= 0;
    }

    public int correlationDataOffset() {
        return correlationDataOffset;
    }

    /** Bytes of the correlation data, or -1 if absent. */
    public int correlationDataLength() {
        return correlationDataLength;
    }

    public boolean hasContentType() {
        return contentTypeLength >= 0;
    }

    public int contentTypeOffset() {
        return contentTypeOffset;
    }

    /** Bytes of the content type, or -1 if absent. */
    public int contentTypeLength() {
        return contentTypeLength;
    }

    /** Number of user properties, in the order they were sent. */
    public int userPropertyCount() {
        return userProperties.count();
    }

    public int userPropertyNameOffset(int index) {
        return userProperties.get(index, 0);
    }

    public int userPropertyNameLength(int index) {
        return userProperties.get(index, 1);
    }

    public int userPropertyValueOffset(int index) {
        return userProperties.get(index, 2);
    }

    public int userPropertyValueLength(int index) {
        return userProperties.get(index, 3);
    }

    /** Number of subscription identifiers (sent by a server, one per matching subscription). */
    public int subscriptionIdentifierCount() {
        return subscriptionIdentifierCount;
    }

    /** The {@code index}-th subscription identifier, 1..268,435,455. */
    public int subscriptionIdentifier(int index) {
        if (index < 0 || index >= subscriptionIdentifierCount) {
            throw new IndexOutOfBoundsException("subscription identifier " + index + " of " + subscriptionIdentifierCount);
        }
        return subscriptionIdentifiers[index];
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }

    /**
     * Whether the payload is well-formed UTF-8 without U+0000, for a receiver that checks a payload
     * format indicator of 1 (MQTT 5.0 §3.3.2.3.2; the answer to a failure is
     * {@link ReasonCode#PAYLOAD_FORMAT_INVALID}).
     */
    public boolean payloadIsUtf8() {
        return MqttWire.checkUtf8(buffer, payloadOffset, payloadLength) == 0;
    }
}
