package dev.isthmus.protocol.mqtt.codec;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;

/**
 * A reusable flyweight over one PUBACK, PUBREC, PUBREL or PUBCOMP body (MQTT 3.1.1 §3.4-3.7,
 * MQTT 5.0 §3.4-3.7), decoded in place without allocation.
 *
 * <p>3.1.1 bodies are exactly the two-byte packet identifier. 5.0 bodies may stop after the
 * identifier (reason code absent, meaning {@link ReasonCode#SUCCESS}), after the reason code
 * (no properties), or carry properties: a reason string and user properties. {@link #wrap}
 * refuses wrong flags (PUBREL must carry 0010), a packet identifier of 0 (protocol error), a
 * reason code that packet type may not carry (malformed), any other property and trailing bytes.
 */
public final class AckView {
    private final PropertyReader properties = new PropertyReader();
    private final UserPropertyIndex userProperties = new UserPropertyIndex();

    private DirectBuffer buffer;
    private PacketType type;
    private int packetId;
    private ReasonCode reasonCode;
    private int reasonStringOffset;
    private int reasonStringLength;

    /**
     * Decodes an acknowledgement whose body is the {@code length} bytes at {@code offset}.
     *
     * @return {@link ReasonCode#SUCCESS} if the packet is valid (its own reason code is
     *         {@link #reasonCode()}), or why it is refused
     */
    public ReasonCode wrap(MqttVersion version, int fixedHeader, DirectBuffer buf, int offset, int length) {
        buffer = buf;
        type = null;
        packetId = 0;
        reasonCode = ReasonCode.SUCCESS;
        reasonStringLength = -1;
        userProperties.clear();
        int result = decode(version, fixedHeader & 0xFF, buf, offset, length);
        return result == 0 ? ReasonCode.SUCCESS : MqttWire.reason(result);
    }

    private int decode(MqttVersion version, int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (version == null || !version.supported() || !MqttWire.validRegion(buf, offset, length)) {
            return MqttWire.PROTOCOL_ERROR;
        }
        PacketType t = PacketType.of(fixedHeader);
        if (t != PacketType.PUBACK && t != PacketType.PUBREC && t != PacketType.PUBREL && t != PacketType.PUBCOMP
                || !t.flagsValid(fixedHeader)) {
            return MqttWire.MALFORMED;
        }
        type = t;
        if (length < 2 || (version != MqttVersion.V5 && length != 2)) {
            return MqttWire.MALFORMED;
        }
        packetId = MqttWire.u16(buf, offset);
        if (packetId == 0) {
            return MqttWire.PROTOCOL_ERROR;
        }
        if (length == 2) {
            return 0;
        }
        ReasonCode code = ReasonCode.of(t, buf.getByte(offset + 2) & 0xFF);
        if (code == null) {
            return MqttWire.MALFORMED;
        }
        reasonCode = code;
        if (length == 3) {
            return 0;
        }
        int end = offset + length;
        int after = properties.begin(buf, offset + 3, end, 1 << t.value());
        if (after < 0) {
            return after;
        }
        PropertyReader r = properties;
        while (r.next()) {
            if (r.id == PropertyId.REASON_STRING) {
                reasonStringOffset = r.offset;
                reasonStringLength = r.length;
            } else {
                userProperties.add(r.nameOffset, r.nameLength, r.offset, r.length);
            }
        }
        if (r.error != 0) {
            return r.error;
        }
        return after == end ? 0 : MqttWire.MALFORMED;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP. */
    public PacketType type() {
        return type;
    }

    public int packetId() {
        return packetId;
    }

    /** The packet's reason code; {@link ReasonCode#SUCCESS} when absent (and always in 3.1.1). */
    public ReasonCode reasonCode() {
        return reasonCode;
    }

    public boolean hasReasonString() {
        return reasonStringLength >= 0;
    }

    public int reasonStringOffset() {
        return reasonStringOffset;
    }

    /** Bytes of the reason string, or -1 if absent. */
    public int reasonStringLength() {
        return reasonStringLength;
    }

    /** The reason string, or null: allocates, for logs. */
    public String reasonString() {
        if (reasonStringLength < 0) {
            return null;
        }
        byte[] bytes = new byte[reasonStringLength];
        buffer.getBytes(reasonStringOffset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

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
}
