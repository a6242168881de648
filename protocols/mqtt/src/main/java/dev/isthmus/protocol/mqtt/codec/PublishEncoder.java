package dev.isthmus.protocol.mqtt.codec;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes PUBLISH packets without allocating: a reusable, mutable description of one message
 * (flags, topic, packet identifier, 5.0 properties, payload) whose byte fields are references to
 * ranges of the caller's buffers, copied only when the packet is written.
 *
 * <p>Use: {@link #reset(MqttVersion)}, set the fields, then {@link #encodedLength()} to size the
 * output and {@link #encode} to write it. For a fan-out, write the packet once and copy the bytes
 * per subscriber, patching only what differs: the packet identifier sits at
 * {@link #packetIdOffset()} from the packet's start ({@link MqttEncoder#putPacketId}), the DUP
 * flag in its first byte ({@link MqttEncoder#setDup}). Subscribers that need a different QoS,
 * RETAIN flag, topic alias or subscription identifiers need their own encoding. To gather-write
 * the payload instead of copying it, {@link #encodeHeader} writes everything before the payload
 * ({@link #headerLength()} bytes).
 *
 * <p>For 3.1.1 the properties are ignored. Field ranges are checked when set or when the packet
 * is measured, with {@link IllegalArgumentException}; topic and property bytes are written as
 * given, not re-validated. A packet identifier of 0 with QoS 1 or 2 is accepted as a placeholder
 * that must be patched before the packet is sent. Not thread-safe.
 */
public final class PublishEncoder {
    private MqttVersion version = MqttVersion.V5;
    private boolean dup;
    private int qos;
    private boolean retain;
    private int packetId;

    private final UnsafeBuffer topicBytes = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer payloadBytes = new UnsafeBuffer(0, 0);
    private DirectBuffer topicBuffer;
    private int topicOffset;
    private int topicLength;
    private DirectBuffer payloadBuffer;
    private int payloadOffset;
    private int payloadLength;

    private int payloadFormatIndicator;
    private long messageExpiryInterval;
    private int topicAlias;
    private DirectBuffer responseTopicBuffer;
    private int responseTopicOffset;
    private int responseTopicLength;
    private DirectBuffer correlationDataBuffer;
    private int correlationDataOffset;
    private int correlationDataLength;
    private DirectBuffer contentTypeBuffer;
    private int contentTypeOffset;
    private int contentTypeLength;

    private DirectBuffer[] userPropertyBuffers = new DirectBuffer[8];
    private int[] userPropertyRanges = new int[16];
    private int userPropertyCount;
    private int[] subscriptionIdentifiers = new int[4];
    private int subscriptionIdentifierCount;

    public PublishEncoder() {
        reset(MqttVersion.V5);
    }

    /** Clears every field: QoS 0, no flags, empty topic and payload, no properties. */
    public PublishEncoder reset(MqttVersion version) {
        if (version == null || !version.supported()) {
            throw new IllegalArgumentException("cannot encode for " + version);
        }
        this.version = version;
        dup = false;
        qos = 0;
        retain = false;
        packetId = 0;
        topicBuffer = topicBytes;
        topicOffset = 0;
        topicLength = 0;
        payloadBuffer = payloadBytes;
        payloadOffset = 0;
        payloadLength = 0;
        payloadFormatIndicator = -1;
        messageExpiryInterval = -1;
        topicAlias = 0;
        responseTopicLength = -1;
        correlationDataLength = -1;
        contentTypeLength = -1;
        Arrays.fill(userPropertyBuffers, 0, 2 * userPropertyCount, null);
        userPropertyCount = 0;
        subscriptionIdentifierCount = 0;
        return this;
    }

    /**
     * Takes everything of a decoded PUBLISH to forward it: flags, topic, packet identifier,
     * payload and the message's properties (payload format, expiry, content type, response topic,
     * correlation data, user properties) as references into the view's buffer. The topic alias
     * and subscription identifiers stay behind: they belong to one hop, not to the message. Keeps
     * this encoder's version. A 5.0 message that arrived by alias only has an empty topic: set
     * the resolved one with {@link #topic}.
     */
    public PublishEncoder copyOf(PublishView view) {
        MqttVersion keep = version;
        reset(keep);
        DirectBuffer b = view.buffer();
        dup = view.dup();
        qos = view.qos();
        retain = view.retain();
        packetId = view.packetId();
        topic(b, view.topicOffset(), view.topicLength());
        payload(b, view.payloadOffset(), view.payloadLength());
        payloadFormatIndicator = view.payloadFormatIndicator();
        messageExpiryInterval = view.messageExpiryInterval();
        if (view.hasResponseTopic()) {
            responseTopic(b, view.responseTopicOffset(), view.responseTopicLength());
        }
        if (view.hasCorrelationData()) {
            correlationData(b, view.correlationDataOffset(), view.correlationDataLength());
        }
        if (view.hasContentType()) {
            contentType(b, view.contentTypeOffset(), view.contentTypeLength());
        }
        for (int i = 0; i < view.userPropertyCount(); i++) {
            addUserProperty(b, view.userPropertyNameOffset(i), view.userPropertyNameLength(i),
                    b, view.userPropertyValueOffset(i), view.userPropertyValueLength(i));
        }
        return this;
    }

    public MqttVersion version() {
        return version;
    }

    public PublishEncoder dup(boolean dup) {
        this.dup = dup;
        return this;
    }

    public PublishEncoder qos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("QoS " + qos);
        }
        this.qos = qos;
        return this;
    }

    public PublishEncoder retain(boolean retain) {
        this.retain = retain;
        return this;
    }

    /** 1..65535 for QoS 1 and 2 (0 as a placeholder to patch); ignored for QoS 0. */
    public PublishEncoder packetId(int packetId) {
        if (packetId < 0 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier " + packetId);
        }
        this.packetId = packetId;
        return this;
    }

    /** The topic name's UTF-8 bytes (empty only in 5.0 with a topic alias). */
    public PublishEncoder topic(DirectBuffer buf, int offset, int length) {
        checkField(length);
        topicBuffer = buf;
        topicOffset = offset;
        topicLength = length;
        return this;
    }

    /** The topic name's UTF-8 bytes, referenced, not copied. */
    public PublishEncoder topic(byte[] utf8) {
        topicBytes.wrap(utf8);
        return topic(topicBytes, 0, utf8.length);
    }

    public PublishEncoder payload(DirectBuffer buf, int offset, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("payload length " + length);
        }
        payloadBuffer = buf;
        payloadOffset = offset;
        payloadLength = length;
        return this;
    }

    /** The payload, referenced, not copied. */
    public PublishEncoder payload(byte[] bytes) {
        payloadBytes.wrap(bytes);
        return payload(payloadBytes, 0, bytes.length);
    }

    /** The buffer the payload is referenced in: what to append after {@link #encodeHeader} when the packet is larger than one output buffer. */
    public DirectBuffer payloadBuffer() {
        return payloadBuffer;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }

    /** 0 or 1; -1 leaves it out. */
    public PublishEncoder payloadFormatIndicator(int value) {
        if (value < -1 || value > 1) {
            throw new IllegalArgumentException("payload format indicator " + value);
        }
        payloadFormatIndicator = value;
        return this;
    }

    /** Seconds, 0..2^32-1; -1 leaves it out. */
    public PublishEncoder messageExpiryInterval(long seconds) {
        if (seconds < -1 || seconds > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("message expiry interval " + seconds);
        }
        messageExpiryInterval = seconds;
        return this;
    }

    /** 1..65535; 0 leaves it out. */
    public PublishEncoder topicAlias(int alias) {
        if (alias < 0 || alias > 0xFFFF) {
            throw new IllegalArgumentException("topic alias " + alias);
        }
        topicAlias = alias;
        return this;
    }

    public PublishEncoder responseTopic(DirectBuffer buf, int offset, int length) {
        checkField(length);
        responseTopicBuffer = buf;
        responseTopicOffset = offset;
        responseTopicLength = length;
        return this;
    }

    public PublishEncoder correlationData(DirectBuffer buf, int offset, int length) {
        checkField(length);
        correlationDataBuffer = buf;
        correlationDataOffset = offset;
        correlationDataLength = length;
        return this;
    }

    public PublishEncoder contentType(DirectBuffer buf, int offset, int length) {
        checkField(length);
        contentTypeBuffer = buf;
        contentTypeOffset = offset;
        contentTypeLength = length;
        return this;
    }

    /** Appends a user property (UTF-8 name and value); allocates only when there are more than ever before. */
    public PublishEncoder addUserProperty(DirectBuffer nameBuffer, int nameOffset, int nameLength,
                                          DirectBuffer valueBuffer, int valueOffset, int valueLength) {
        checkField(nameLength);
        checkField(valueLength);
        if (2 * userPropertyCount + 2 > userPropertyBuffers.length) {
            userPropertyBuffers = Arrays.copyOf(userPropertyBuffers, userPropertyBuffers.length * 2);
            userPropertyRanges = Arrays.copyOf(userPropertyRanges, userPropertyRanges.length * 2);
        }
        userPropertyBuffers[2 * userPropertyCount] = nameBuffer;
        userPropertyBuffers[2 * userPropertyCount + 1] = valueBuffer;
        int at = 4 * userPropertyCount;
        userPropertyRanges[at] = nameOffset;
        userPropertyRanges[at + 1] = nameLength;
        userPropertyRanges[at + 2] = valueOffset;
        userPropertyRanges[at + 3] = valueLength;
        userPropertyCount++;
        return this;
    }

    /** Appends a subscription identifier, 1..268,435,455 (a server tells a subscriber which subscriptions matched). */
    public PublishEncoder addSubscriptionIdentifier(int id) {
        if (id < 1 || id > MqttWire.MAX_VARIABLE_BYTE_INTEGER) {
            throw new IllegalArgumentException("subscription identifier " + id);
        }
        if (subscriptionIdentifierCount == subscriptionIdentifiers.length) {
            subscriptionIdentifiers = Arrays.copyOf(subscriptionIdentifiers, subscriptionIdentifiers.length * 2);
        }
        subscriptionIdentifiers[subscriptionIdentifierCount++] = id;
        return this;
    }

    /** Drops the subscription identifiers, keeping everything else (for the next subscriber). */
    public PublishEncoder clearSubscriptionIdentifiers() {
        subscriptionIdentifierCount = 0;
        return this;
    }

    private static void checkField(int length) {
        if (length < 0 || length > MqttWire.MAX_FIELD_LENGTH) {
            throw new IllegalArgumentException("field length " + length);
        }
    }

    private int propertiesLength() {
        int n = 0;
        if (payloadFormatIndicator >= 0) {
            n += 2;
        }
        if (messageExpiryInterval >= 0) {
            n += 5;
        }
        if (contentTypeLength >= 0) {
            n += 3 + contentTypeLength;
        }
        if (responseTopicLength >= 0) {
            n += 3 + responseTopicLength;
        }
        if (correlationDataLength >= 0) {
            n += 3 + correlationDataLength;
        }
        for (int i = 0; i < subscriptionIdentifierCount; i++) {
            n += 1 + MqttWire.vbiLength(subscriptionIdentifiers[i]);
        }
        if (topicAlias > 0) {
            n += 3;
        }
        for (int i = 0; i < userPropertyCount; i++) {
            n += 5 + userPropertyRanges[4 * i + 1] + userPropertyRanges[4 * i + 3];
        }
        return n;
    }

    private int remainingLength() {
        if (dup && qos == 0) {
            throw new IllegalArgumentException("DUP must be 0 for QoS 0");
        }
        if (topicLength == 0 && (version != MqttVersion.V5 || topicAlias == 0)) {
            throw new IllegalArgumentException("an empty topic needs a 5.0 topic alias");
        }
        long n = 2L + topicLength + (qos > 0 ? 2 : 0) + payloadLength;
        if (version == MqttVersion.V5) {
            int properties = propertiesLength();
            n += MqttWire.vbiLength(properties) + properties;
        }
        if (n > MqttWire.MAX_VARIABLE_BYTE_INTEGER) {
            throw new IllegalArgumentException("PUBLISH of " + n + " bytes exceeds the protocol maximum");
        }
        return (int) n;
    }

    /** Total bytes of the packet. */
    public int encodedLength() {
        int remaining = remainingLength();
        return 1 + MqttWire.vbiLength(remaining) + remaining;
    }

    /** Bytes before the payload: fixed header, topic, packet identifier, properties. */
    public int headerLength() {
        return encodedLength() - payloadLength;
    }

    /** Where the packet identifier sits, counted from the packet's first byte; -1 for QoS 0. */
    public int packetIdOffset() {
        if (qos == 0) {
            return -1;
        }
        return 1 + MqttWire.vbiLength(remainingLength()) + 2 + topicLength;
    }

    /** The fixed header byte: type, DUP, QoS, RETAIN. */
    public int fixedHeader() {
        return (PacketType.PUBLISH.value() << 4) | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
    }

    /** Writes the whole packet at {@code offset}; returns {@link #encodedLength()}. */
    public int encode(MutableDirectBuffer out, int offset) {
        int header = encodeHeader(out, offset);
        out.putBytes(offset + header, payloadBuffer, payloadOffset, payloadLength);
        return header + payloadLength;
    }

    /** Writes everything before the payload at {@code offset}; returns {@link #headerLength()}. */
    public int encodeHeader(MutableDirectBuffer out, int offset) {
        int remaining = remainingLength();
        int p = offset;
        out.putByte(p++, (byte) fixedHeader());
        p += MqttWire.putVbi(out, p, remaining);
        MqttWire.putU16(out, p, topicLength);
        out.putBytes(p + 2, topicBuffer, topicOffset, topicLength);
        p += 2 + topicLength;
        if (qos > 0) {
            MqttWire.putU16(out, p, packetId);
            p += 2;
        }
        if (version == MqttVersion.V5) {
            p = writeProperties(out, p);
        }
        return p - offset;
    }

    private int writeProperties(MutableDirectBuffer out, int index) {
        int p = index + MqttWire.putVbi(out, index, propertiesLength());
        if (payloadFormatIndicator >= 0) {
            out.putByte(p++, (byte) PropertyId.PAYLOAD_FORMAT_INDICATOR.id());
            out.putByte(p++, (byte) payloadFormatIndicator);
        }
        if (messageExpiryInterval >= 0) {
            out.putByte(p++, (byte) PropertyId.MESSAGE_EXPIRY_INTERVAL.id());
            MqttWire.putU32(out, p, messageExpiryInterval);
            p += 4;
        }
        if (contentTypeLength >= 0) {
            p = putField(out, p, PropertyId.CONTENT_TYPE, contentTypeBuffer, contentTypeOffset, contentTypeLength);
        }
        if (responseTopicLength >= 0) {
            p = putField(out, p, PropertyId.RESPONSE_TOPIC, responseTopicBuffer, responseTopicOffset,
                    responseTopicLength);
        }
        if (correlationDataLength >= 0) {
            p = putField(out, p, PropertyId.CORRELATION_DATA, correlationDataBuffer, correlationDataOffset,
                    correlationDataLength);
        }
        for (int i = 0; i < subscriptionIdentifierCount; i++) {
            out.putByte(p++, (byte) PropertyId.SUBSCRIPTION_IDENTIFIER.id());
            p += MqttWire.putVbi(out, p, subscriptionIdentifiers[i]);
        }
        if (topicAlias > 0) {
            out.putByte(p++, (byte) PropertyId.TOPIC_ALIAS.id());
            MqttWire.putU16(out, p, topicAlias);
            p += 2;
        }
        for (int i = 0; i < userPropertyCount; i++) {
            int at = 4 * i;
            p = putField(out, p, PropertyId.USER_PROPERTY, userPropertyBuffers[2 * i], userPropertyRanges[at],
                    userPropertyRanges[at + 1]);
            MqttWire.putU16(out, p, userPropertyRanges[at + 3]);
            out.putBytes(p + 2, userPropertyBuffers[2 * i + 1], userPropertyRanges[at + 2], userPropertyRanges[at + 3]);
            p += 2 + userPropertyRanges[at + 3];
        }
        return p;
    }

    private static int putField(MutableDirectBuffer out, int index, PropertyId id, DirectBuffer src, int offset,
                                int length) {
        out.putByte(index, (byte) id.id());
        MqttWire.putU16(out, index + 1, length);
        out.putBytes(index + 3, src, offset, length);
        return index + 3 + length;
    }
}
