package dev.isthmus.protocol.mqtt.codec;

import org.agrona.DirectBuffer;

/**
 * Walks the properties of one packet (MQTT 5.0 §2.2.2) and validates each as it goes: known
 * identifier, allowed in that packet, not repeated (unless it may be), value inside its packet
 * and inside its range. Reusable and allocation-free; the current property's value is left in
 * public-to-the-package fields for the caller to store.
 *
 * <p>Use: {@link #begin} with the index of the property length, then {@link #next()} until it
 * returns false, then look at {@link #error}.
 */
final class PropertyReader {
    private DirectBuffer buffer;
    private int position;
    private int end;
    private int packetBit;
    private boolean publish;
    private long seen;

    /** 0, or the negative code of the failure that stopped the walk. */
    int error;
    /** The current property. */
    PropertyId id;
    /** Value of an integer property. */
    long value;
    /** String, binary or pair-value bytes of the current property. */
    int offset;
    int length;
    /** Name bytes of a user property. */
    int nameOffset;
    int nameLength;

    /**
     * Starts on the property length at {@code index}; the properties must end by {@code limit}.
     *
     * @param packetBit {@code 1 << type.value()} of the packet, or {@link PropertyId#WILL_BIT}
     * @return the index after the properties, or a negative code
     */
    int begin(DirectBuffer buf, int index, int limit, int packetBit) {
        buffer = buf;
        this.packetBit = packetBit;
        publish = packetBit == 1 << PacketType.PUBLISH.value();
        seen = 0;
        error = 0;
        id = null;
        long vbi = MqttWire.vbi(buf, index, limit);
        if (vbi < 0) {
            return fail((int) vbi);
        }
        int bytes = (int) (vbi >>> 32);
        int propertiesLength = (int) vbi;
        position = index + bytes;
        if (propertiesLength > limit - position) {
            return fail(MqttWire.MALFORMED);
        }
        end = position + propertiesLength;
        return end;
    }

    /** Whether the property with this identifier was seen since {@link #begin}. */
    boolean seen(PropertyId property) {
        return (seen & (1L << property.id())) != 0;
    }

    private int fail(int code) {
        error = code;
        position = end;
        return code;
    }

    /** Reads the next property; false at the end of the properties or on a failure ({@link #error}). */
    boolean next() {
        if (error != 0 || position >= end) {
            if (error == 0 && seen(PropertyId.AUTHENTICATION_DATA) && !seen(PropertyId.AUTHENTICATION_METHOD)) {
                // MQTT 5.0 §3.1.2.11.10: data without a method is a protocol error.
                fail(MqttWire.PROTOCOL_ERROR);
            }
            return false;
        }
        int b = buffer.getByte(position) & 0xFF;
        // Identifiers are variable byte integers, but all defined ones are a single byte.
        PropertyId p = PropertyId.of(b);
        if (p == null || (p.allowedMask() & packetBit) == 0) {
            fail(MqttWire.MALFORMED);
            return false;
        }
        long bit = 1L << b;
        if ((seen & bit) != 0 && p != PropertyId.USER_PROPERTY && !(publish && p == PropertyId.SUBSCRIPTION_IDENTIFIER)) {
            fail(MqttWire.PROTOCOL_ERROR);
            return false;
        }
        seen |= bit;
        id = p;
        int p0 = position + 1;
        int result = switch (p.type()) {
            case BYTE -> readFixed(p0, 1);
            case TWO_BYTE_INTEGER -> readFixed(p0, 2);
            case FOUR_BYTE_INTEGER -> readFixed(p0, 4);
            case VARIABLE_BYTE_INTEGER -> readVbi(p0);
            case BINARY_DATA -> readField(p0, false);
            case UTF8_STRING -> readField(p0, true);
            case UTF8_STRING_PAIR -> readPair(p0);
        };
        if (result < 0) {
            fail(result);
            return false;
        }
        int range = checkRange(p);
        if (range < 0) {
            fail(range);
            return false;
        }
        position = result;
        return true;
    }

    private int readFixed(int index, int bytes) {
        if (bytes > end - index) {
            return MqttWire.MALFORMED;
        }
        value = switch (bytes) {
            case 1 -> buffer.getByte(index) & 0xFF;
            case 2 -> MqttWire.u16(buffer, index);
            default -> MqttWire.u32(buffer, index);
        };
        return index + bytes;
    }

    private int readVbi(int index) {
        long vbi = MqttWire.vbi(buffer, index, end);
        if (vbi < 0) {
            return (int) vbi;
        }
        value = (int) vbi;
        return index + (int) (vbi >>> 32);
    }

    private int readField(int index, boolean utf8) {
        if (2 > end - index) {
            return MqttWire.MALFORMED;
        }
        int n = MqttWire.u16(buffer, index);
        if (n > end - index - 2) {
            return MqttWire.MALFORMED;
        }
        offset = index + 2;
        length = n;
        if (utf8) {
            int check = MqttWire.checkUtf8(buffer, offset, n);
            if (check < 0) {
                return check;
            }
        }
        return offset + n;
    }

    private int readPair(int index) {
        int afterName = readField(index, true);
        if (afterName < 0) {
            return afterName;
        }
        nameOffset = offset;
        nameLength = length;
        return readField(afterName, true);
    }

    private int checkRange(PropertyId p) {
        return switch (p) {
            case PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION, MAXIMUM_QOS,
                 RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE,
                 SHARED_SUBSCRIPTION_AVAILABLE -> value > 1 ? MqttWire.PROTOCOL_ERROR : 0;
            case RECEIVE_MAXIMUM, MAXIMUM_PACKET_SIZE, TOPIC_ALIAS, SUBSCRIPTION_IDENTIFIER ->
                    value == 0 ? MqttWire.PROTOCOL_ERROR : 0;
            // A response topic is a topic name (§3.3.2.3.5): non-empty, no wildcards.
            case RESPONSE_TOPIC -> length == 0 ? MqttWire.PROTOCOL_ERROR
                    : MqttWire.checkTopicName(buffer, offset, length) < 0 ? MqttWire.PROTOCOL_ERROR : 0;
            default -> 0;
        };
    }
}
