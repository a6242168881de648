package dev.isthmus.protocol.mqtt.codec;

import org.agrona.MutableDirectBuffer;

/**
 * Writes control packets into a {@link MutableDirectBuffer}: the record packets
 * ({@link MqttPacket}), the PUBLISH acknowledgements, and the two patches a PUBLISH fan-out needs
 * (packet identifier, DUP flag). PUBLISH itself is written by {@link PublishEncoder}.
 *
 * <p>Every packet has an exact length first ({@link #encodedLength}, {@link #ackLength}) so a
 * caller can reserve room in an outbound chunk; {@code encode} then writes exactly that many
 * bytes from {@code offset} and returns the count. The buffer must have room (Agrona's bounds
 * check throws otherwise). Encoding a packet for 3.1.1 drops what 3.1.1 cannot carry (properties,
 * subscription options other than QoS, UNSUBACK reason codes, DISCONNECT reasons) and maps
 * reason codes to 3.1.1 values; what it cannot express at all (AUTH, a CONNACK code without a
 * 3.1.1 equivalent, a password without a user name) is refused with
 * {@link IllegalArgumentException}, as are strings or packets longer than the protocol allows.
 * Stateless and thread-safe; the ack methods without properties allocate nothing.
 */
public final class MqttEncoder {
    private static final byte[] MQTT = {'M', 'Q', 'T', 'T'};

    private MqttEncoder() {
    }

    /** Bytes {@code packet} takes on the wire for {@code version} (a CONNECT always uses its own version). */
    /** Bytes a remaining length of {@code value} takes on the wire (a variable byte integer, 1..4). */
    public static int remainingLengthBytes(int value) {
        return MqttWire.vbiLength(value);
    }

    /** Writes a remaining length of {@code value} at {@code index}; returns the bytes written. */
    public static int putRemainingLength(MutableDirectBuffer buf, int index, int value) {
        return MqttWire.putVbi(buf, index, value);
    }

    public static int encodedLength(MqttVersion version, MqttPacket packet) {
        int body = bodyLength(check(version), packet);
        return 1 + MqttWire.vbiLength(body) + body;
    }

    /**
     * Writes {@code packet} at {@code offset}.
     *
     * @return the bytes written, as {@link #encodedLength} said
     */
    public static int encode(MqttVersion version, MqttPacket packet, MutableDirectBuffer buf, int offset) {
        MqttVersion v = check(version);
        int body = bodyLength(v, packet);
        buf.putByte(offset, (byte) packet.type().fixedHeader());
        int p = offset + 1;
        p += MqttWire.putVbi(buf, p, body);
        int end = writeBody(v, packet, buf, p);
        if (end - p != body) {
            throw new IllegalStateException("encoded " + (end - p) + " body bytes, computed " + body);
        }
        return end - offset;
    }

    private static MqttVersion check(MqttVersion version) {
        if (version == null || !version.supported()) {
            throw new IllegalArgumentException("cannot encode for " + version);
        }
        return version;
    }

    private static int propertiesBlockLength(MqttProperties properties) {
        int n = properties.encodedLength();
        return MqttWire.vbiLength(n) + n;
    }

    private static int putPropertiesBlock(MutableDirectBuffer buf, int index, MqttProperties properties) {
        int n = properties.encodedLength();
        int p = index + MqttWire.putVbi(buf, index, n);
        return p + properties.encode(buf, p) - index;
    }

    private static int bodyLength(MqttVersion v, MqttPacket packet) {
        boolean v5 = v == MqttVersion.V5;
        int n = switch (packet) {
            case ConnectPacket c -> connectLength(c);
            case ConnackPacket c -> {
                if (!v5 && c.reasonCode().v3ConnackCode() < 0) {
                    throw new IllegalArgumentException(c.reasonCode() + " has no MQTT 3.1.1 CONNACK return code");
                }
                yield 2 + (v5 ? propertiesBlockLength(c.properties()) : 0);
            }
            case SubscribePacket s -> {
                int len = 2 + (v5 ? propertiesBlockLength(s.properties()) : 0);
                for (Subscription sub : s.subscriptions()) {
                    len += MqttWire.stringFieldLength(sub.topicFilter()) + 1;
                }
                yield len;
            }
            case SubackPacket s -> 2 + (v5 ? propertiesBlockLength(s.properties()) : 0) + s.reasonCodes().size();
            case UnsubscribePacket u -> {
                int len = 2 + (v5 ? propertiesBlockLength(u.properties()) : 0);
                for (String filter : u.topicFilters()) {
                    len += MqttWire.stringFieldLength(filter);
                }
                yield len;
            }
            case UnsubackPacket u -> 2 + (v5 ? propertiesBlockLength(u.properties()) + u.reasonCodes().size() : 0);
            case PingreqPacket p -> 0;
            case PingrespPacket p -> 0;
            case DisconnectPacket d -> {
                if (!v5 || (d.reasonCode() == ReasonCode.NORMAL_DISCONNECTION && d.properties().isEmpty())) {
                    yield 0;
                }
                yield 1 + (d.properties().isEmpty() ? 0 : propertiesBlockLength(d.properties()));
            }
            case AuthPacket a -> {
                if (!v5) {
                    throw new IllegalArgumentException("AUTH does not exist in MQTT 3.1.1");
                }
                yield a.reasonCode() == ReasonCode.SUCCESS && a.properties().isEmpty()
                        ? 0 : 1 + propertiesBlockLength(a.properties());
            }
        };
        if (n > MqttWire.MAX_VARIABLE_BYTE_INTEGER) {
            throw new IllegalArgumentException("packet body of " + n + " bytes exceeds the protocol maximum");
        }
        return n;
    }

    private static int connectLength(ConnectPacket c) {
        boolean v5 = c.version() == MqttVersion.V5;
        if (!v5 && c.passwordUnsafe() != null && c.userName() == null) {
            throw new IllegalArgumentException("MQTT 3.1.1 sends a password only with a user name");
        }
        int n = 2 + MQTT.length + 1 + 1 + 2;
        if (v5) {
            n += propertiesBlockLength(c.properties());
        }
        n += MqttWire.stringFieldLength(c.clientId());
        Will will = c.will();
        if (will != null) {
            if (v5) {
                n += propertiesBlockLength(will.properties());
            }
            n += MqttWire.stringFieldLength(will.topic());
            n += MqttWire.binaryFieldLength(will.payloadUnsafe());
        }
        if (c.userName() != null) {
            n += MqttWire.stringFieldLength(c.userName());
        }
        if (c.passwordUnsafe() != null) {
            n += MqttWire.binaryFieldLength(c.passwordUnsafe());
        }
        return n;
    }

    private static int writeBody(MqttVersion v, MqttPacket packet, MutableDirectBuffer buf, int index) {
        boolean v5 = v == MqttVersion.V5;
        int p = index;
        switch (packet) {
            case ConnectPacket c -> p = writeConnect(c, buf, p);
            case ConnackPacket c -> {
                buf.putByte(p++, (byte) (c.sessionPresent() ? 1 : 0));
                buf.putByte(p++, (byte) (v5 ? c.reasonCode().value() : c.reasonCode().v3ConnackCode()));
                if (v5) {
                    p += putPropertiesBlock(buf, p, c.properties());
                }
            }
            case SubscribePacket s -> {
                MqttWire.putU16(buf, p, s.packetId());
                p += 2;
                if (v5) {
                    p += putPropertiesBlock(buf, p, s.properties());
                }
                for (Subscription sub : s.subscriptions()) {
                    p += MqttWire.putStringField(buf, p, sub.topicFilter());
                    buf.putByte(p++, (byte) (v5 ? sub.optionsByte() : sub.maxQos()));
                }
            }
            case SubackPacket s -> {
                MqttWire.putU16(buf, p, s.packetId());
                p += 2;
                if (v5) {
                    p += putPropertiesBlock(buf, p, s.properties());
                }
                for (ReasonCode code : s.reasonCodes()) {
                    // 3.1.1 knows the granted QoS values and one failure code, 0x80.
                    buf.putByte(p++, (byte) (v5 || code.value() <= 2 ? code.value() : 0x80));
                }
            }
            case UnsubscribePacket u -> {
                MqttWire.putU16(buf, p, u.packetId());
                p += 2;
                if (v5) {
                    p += putPropertiesBlock(buf, p, u.properties());
                }
                for (String filter : u.topicFilters()) {
                    p += MqttWire.putStringField(buf, p, filter);
                }
            }
            case UnsubackPacket u -> {
                MqttWire.putU16(buf, p, u.packetId());
                p += 2;
                if (v5) {
                    p += putPropertiesBlock(buf, p, u.properties());
                    for (ReasonCode code : u.reasonCodes()) {
                        buf.putByte(p++, (byte) code.value());
                    }
                }
            }
            case PingreqPacket ignored -> {
            }
            case PingrespPacket ignored -> {
            }
            case DisconnectPacket d -> {
                if (v5 && (d.reasonCode() != ReasonCode.NORMAL_DISCONNECTION || !d.properties().isEmpty())) {
                    buf.putByte(p++, (byte) d.reasonCode().value());
                    if (!d.properties().isEmpty()) {
                        p += putPropertiesBlock(buf, p, d.properties());
                    }
                }
            }
            case AuthPacket a -> {
                if (a.reasonCode() != ReasonCode.SUCCESS || !a.properties().isEmpty()) {
                    buf.putByte(p++, (byte) a.reasonCode().value());
                    p += putPropertiesBlock(buf, p, a.properties());
                }
            }
        }
        return p;
    }

    private static int writeConnect(ConnectPacket c, MutableDirectBuffer buf, int index) {
        boolean v5 = c.version() == MqttVersion.V5;
        int p = index;
        MqttWire.putU16(buf, p, MQTT.length);
        buf.putBytes(p + 2, MQTT);
        p += 2 + MQTT.length;
        buf.putByte(p++, (byte) c.version().level());
        Will will = c.will();
        int flags = (c.cleanStart() ? 0x02 : 0)
                | (will != null ? 0x04 | (will.qos() << 3) | (will.retain() ? 0x20 : 0) : 0)
                | (c.passwordUnsafe() != null ? 0x40 : 0)
                | (c.userName() != null ? 0x80 : 0);
        buf.putByte(p++, (byte) flags);
        MqttWire.putU16(buf, p, c.keepAlive());
        p += 2;
        if (v5) {
            p += putPropertiesBlock(buf, p, c.properties());
        }
        p += MqttWire.putStringField(buf, p, c.clientId());
        if (will != null) {
            if (v5) {
                p += putPropertiesBlock(buf, p, will.properties());
            }
            p += MqttWire.putStringField(buf, p, will.topic());
            p += MqttWire.putBinaryField(buf, p, will.payloadUnsafe());
        }
        if (c.userName() != null) {
            p += MqttWire.putStringField(buf, p, c.userName());
        }
        if (c.passwordUnsafe() != null) {
            p += MqttWire.putBinaryField(buf, p, c.passwordUnsafe());
        }
        return p;
    }

    /**
     * Bytes of a PUBACK, PUBREC, PUBREL or PUBCOMP. In 5.0 the reason code is left out when it is
     * SUCCESS and there are no properties, the properties when there are none.
     *
     * @param properties reason string and user properties, or null/{@link MqttProperties#EMPTY}
     */
    public static int ackLength(MqttVersion version, ReasonCode reasonCode, MqttProperties properties) {
        int body = ackBodyLength(check(version), reasonCode, properties);
        return 1 + MqttWire.vbiLength(body) + body;
    }

    private static int ackBodyLength(MqttVersion version, ReasonCode reasonCode, MqttProperties properties) {
        if (version != MqttVersion.V5) {
            return 2;
        }
        boolean noProperties = properties == null || properties.isEmpty();
        if (noProperties) {
            return reasonCode == ReasonCode.SUCCESS ? 2 : 3;
        }
        return 3 + propertiesBlockLength(properties);
    }

    /** {@link #encodeAck(MqttVersion, PacketType, int, ReasonCode, MqttProperties, MutableDirectBuffer, int)} without properties; allocates nothing. */
    public static int encodeAck(MqttVersion version, PacketType type, int packetId, ReasonCode reasonCode,
                                MutableDirectBuffer buf, int offset) {
        return encodeAck(version, type, packetId, reasonCode, null, buf, offset);
    }

    /**
     * Writes a PUBACK, PUBREC, PUBREL (with its 0010 flags) or PUBCOMP. A 3.1.1 acknowledgement
     * carries only the packet identifier; the reason code and properties are dropped.
     *
     * @return the bytes written, as {@link #ackLength} said
     */
    public static int encodeAck(MqttVersion version, PacketType type, int packetId, ReasonCode reasonCode,
                                MqttProperties properties, MutableDirectBuffer buf, int offset) {
        if (type != PacketType.PUBACK && type != PacketType.PUBREC && type != PacketType.PUBREL
                && type != PacketType.PUBCOMP) {
            throw new IllegalArgumentException(type + " is not a PUBLISH acknowledgement");
        }
        if (!reasonCode.allowedIn(type)) {
            throw new IllegalArgumentException(reasonCode + " is not allowed in " + type);
        }
        checkPacketId(packetId);
        MqttVersion v = check(version);
        int body = ackBodyLength(v, reasonCode, properties);
        buf.putByte(offset, (byte) type.fixedHeader());
        int p = offset + 1 + MqttWire.putVbi(buf, offset + 1, body);
        MqttWire.putU16(buf, p, packetId);
        p += 2;
        if (body > 2) {
            buf.putByte(p++, (byte) reasonCode.value());
            if (body > 3) {
                p += putPropertiesBlock(buf, p, properties);
            }
        }
        return p - offset;
    }

    /** Writes a packet identifier (big-endian) at {@code index}, e.g. at a PUBLISH's {@link PublishEncoder#packetIdOffset()}. */
    public static void putPacketId(MutableDirectBuffer buf, int index, int packetId) {
        checkPacketId(packetId);
        MqttWire.putU16(buf, index, packetId);
    }

    /** Sets or clears the DUP flag of the PUBLISH that starts at {@code packetOffset} (for a retransmission). */
    public static void setDup(MutableDirectBuffer buf, int packetOffset, boolean dup) {
        int header = buf.getByte(packetOffset);
        buf.putByte(packetOffset, (byte) (dup ? header | 0x08 : header & ~0x08));
    }

    static void checkPacketId(int packetId) {
        if (packetId < 1 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("packet identifier " + packetId);
        }
    }
}
