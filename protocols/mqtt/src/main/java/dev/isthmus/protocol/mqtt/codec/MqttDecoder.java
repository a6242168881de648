package dev.isthmus.protocol.mqtt.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;

/**
 * Decodes the control packets that are not on the steady path into immutable records: CONNECT,
 * CONNACK, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT and AUTH
 * (PUBLISH and its acknowledgements go through {@link PublishView} and {@link AckView}).
 *
 * <p>Each call takes one frame as {@link FrameReader} hands it out: the fixed header byte and
 * the body ({@code length} bytes at {@code offset}). It is total: for any bytes it returns a
 * {@link Decoded.Ok} or a {@link Decoded.Failure} with the reason code the spec prescribes, never
 * throws, and never reads outside the body. Validation is strict: reserved flag bits, string
 * encoding (MQTT-1.5.4), topic names and filters, property placement, repetition and ranges,
 * lengths that overrun the body and bytes left over after it all end in a failure. Which
 * failure is malformed and which a protocol error follows MQTT 5.0; a 3.1.1 peer is simply
 * disconnected, whatever the code.
 *
 * <p>Stateless and thread-safe; rules that depend on the session (the first packet must be
 * CONNECT, packet identifiers in use, negotiated maximums) are the connection's business.
 */
public final class MqttDecoder {
    private MqttDecoder() {
    }

    /**
     * Decodes a packet of a connection that speaks {@code version} (the version is fixed by its
     * CONNECT, which {@link #decodeConnect} decodes without one).
     *
     * @param fixedHeader the first byte of the packet (only its low 8 bits are read)
     */
    public static Decoded<MqttPacket> decode(MqttVersion version, int fixedHeader, DirectBuffer buf, int offset,
                                             int length) {
        if (version == null || !version.supported()) {
            return new Decoded.Failure<>(ReasonCode.PROTOCOL_ERROR, "no supported protocol version");
        }
        if (!MqttWire.validRegion(buf, offset, length)) {
            return new Decoded.Failure<>(ReasonCode.MALFORMED_PACKET, "body outside the buffer");
        }
        PacketType type = PacketType.of(fixedHeader);
        if (type == null) {
            return new Decoded.Failure<>(ReasonCode.MALFORMED_PACKET, "reserved packet type 0");
        }
        Body in = new Body(buf, offset, length);
        try {
            if (!type.flagsValid(fixedHeader)) {
                throw new Refusal(ReasonCode.MALFORMED_PACKET, "reserved fixed-header flags");
            }
            MqttPacket packet = switch (type) {
                case CONNECT -> connect(in);
                case CONNACK -> connack(version, in);
                case SUBSCRIBE -> subscribe(version, in);
                case SUBACK -> suback(version, in);
                case UNSUBSCRIBE -> unsubscribe(version, in);
                case UNSUBACK -> unsuback(version, in);
                case PINGREQ -> {
                    in.finish();
                    yield PingreqPacket.INSTANCE;
                }
                case PINGRESP -> {
                    in.finish();
                    yield PingrespPacket.INSTANCE;
                }
                case DISCONNECT -> disconnect(version, in);
                case AUTH -> auth(version, in);
                case PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP -> throw new Refusal(
                        ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "PUBLISH and its acknowledgements decode through PublishView and AckView");
            };
            return new Decoded.Ok<>(packet);
        } catch (Refusal r) {
            return new Decoded.Failure<>(r.reason, r.getMessage());
        }
    }

    /**
     * Decodes a CONNECT, which settles the connection's protocol version. A CONNECT asking for
     * a version the codec does not speak (3.1 or an unknown level) fails with
     * {@link ReasonCode#UNSUPPORTED_PROTOCOL_VERSION}; {@link #protocolLevel} tells which level
     * was asked for, so the refusal can be written in a form the client reads.
     */
    public static Decoded<ConnectPacket> decodeConnect(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (!MqttWire.validRegion(buf, offset, length)) {
            return new Decoded.Failure<>(ReasonCode.MALFORMED_PACKET, "body outside the buffer");
        }
        if (PacketType.of(fixedHeader) != PacketType.CONNECT) {
            return new Decoded.Failure<>(ReasonCode.PROTOCOL_ERROR, "not a CONNECT");
        }
        if (!PacketType.CONNECT.flagsValid(fixedHeader)) {
            return new Decoded.Failure<>(ReasonCode.MALFORMED_PACKET, "reserved fixed-header flags");
        }
        try {
            return new Decoded.Ok<>(connect(new Body(buf, offset, length)));
        } catch (Refusal r) {
            return new Decoded.Failure<>(r.reason, r.getMessage());
        }
    }

    /**
     * The protocol level byte of a CONNECT body, or -1 if the body is too short to hold one or
     * does not start with a protocol name of 4 or 6 bytes. Never throws.
     */
    public static int protocolLevel(DirectBuffer buf, int offset, int length) {
        if (!MqttWire.validRegion(buf, offset, length) || length < 2) {
            return -1;
        }
        int nameLength = MqttWire.u16(buf, offset);
        if ((nameLength != 4 && nameLength != 6) || length < 2 + nameLength + 1) {
            return -1;
        }
        return buf.getByte(offset + 2 + nameLength) & 0xFF;
    }

    private static final byte[] MQTT = "MQTT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MQISDP = "MQIsdp".getBytes(StandardCharsets.US_ASCII);

    private static ConnectPacket connect(Body in) {
        int nameLength = in.u16("protocol name");
        int nameOffset = in.skip(nameLength, "protocol name");
        int level = in.u8("protocol level");
        boolean mqtt = MqttWire.rangeEquals(in.buf, nameOffset, nameLength, MQTT);
        boolean mqisdp = MqttWire.rangeEquals(in.buf, nameOffset, nameLength, MQISDP);
        if (!mqtt && !mqisdp) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "protocol name is neither MQTT nor MQIsdp");
        }
        MqttVersion version = MqttVersion.ofLevel(level);
        if (version == null || !version.supported() || !mqtt) {
            throw new Refusal(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "unsupported protocol level");
        }
        int flags = in.u8("connect flags");
        if ((flags & 0x01) != 0) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "reserved connect flag set");
        }
        boolean cleanStart = (flags & 0x02) != 0;
        boolean willFlag = (flags & 0x04) != 0;
        int willQos = (flags >>> 3) & 0x03;
        boolean willRetain = (flags & 0x20) != 0;
        boolean passwordFlag = (flags & 0x40) != 0;
        boolean userNameFlag = (flags & 0x80) != 0;
        if (!willFlag && (willQos != 0 || willRetain)) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "will QoS or retain without a will");
        }
        if (willQos == 3) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "will QoS 3");
        }
        if (version == MqttVersion.V3_1_1 && passwordFlag && !userNameFlag) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "password without user name in 3.1.1");
        }
        int keepAlive = in.u16("keep alive");
        MqttProperties properties = version == MqttVersion.V5
                ? in.properties(1 << PacketType.CONNECT.value()) : MqttProperties.EMPTY;
        String clientId = in.string("client identifier");
        Will will = null;
        if (willFlag) {
            MqttProperties willProperties = version == MqttVersion.V5
                    ? in.properties(PropertyId.WILL_BIT) : MqttProperties.EMPTY;
            String topic = in.topicName("will topic");
            byte[] payload = in.binary("will payload");
            will = new Will(topic, payload, willQos, willRetain, willProperties);
        }
        String userName = userNameFlag ? in.string("user name") : null;
        byte[] password = passwordFlag ? in.binary("password") : null;
        in.finish();
        return new ConnectPacket(version, cleanStart, keepAlive, clientId, will, userName, password, properties);
    }

    private static ConnackPacket connack(MqttVersion version, Body in) {
        int ackFlags = in.u8("acknowledge flags");
        if ((ackFlags & 0xFE) != 0) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "reserved acknowledge flags set");
        }
        boolean sessionPresent = ackFlags == 1;
        int code = in.u8("reason code");
        ReasonCode reason = version == MqttVersion.V5 ? ReasonCode.of(PacketType.CONNACK, code)
                : ReasonCode.ofV3Connack(code);
        if (reason == null) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "unknown CONNACK reason code");
        }
        if (sessionPresent && reason != ReasonCode.SUCCESS) {
            throw new Refusal(ReasonCode.PROTOCOL_ERROR, "session present on a refused connection");
        }
        MqttProperties properties = version == MqttVersion.V5
                ? in.properties(1 << PacketType.CONNACK.value()) : MqttProperties.EMPTY;
        in.finish();
        return new ConnackPacket(sessionPresent, reason, properties);
    }

    private static SubscribePacket subscribe(MqttVersion version, Body in) {
        int packetId = in.packetId();
        MqttProperties properties = version == MqttVersion.V5
                ? in.properties(1 << PacketType.SUBSCRIBE.value()) : MqttProperties.EMPTY;
        List<Subscription> subscriptions = new ArrayList<>();
        while (in.remaining() > 0) {
            String filter = in.topicFilter();
            int options = in.u8("subscription options");
            int qos = options & 0x03;
            if (version == MqttVersion.V5) {
                if ((options & 0xC0) != 0) {
                    throw new Refusal(ReasonCode.MALFORMED_PACKET, "reserved subscription option bits set");
                }
                if (qos == 3) {
                    throw new Refusal(ReasonCode.PROTOCOL_ERROR, "maximum QoS 3");
                }
                int retainHandling = (options >>> 4) & 0x03;
                if (retainHandling == 3) {
                    throw new Refusal(ReasonCode.PROTOCOL_ERROR, "retain handling 3");
                }
                boolean noLocal = (options & 0x04) != 0;
                Subscription s = new Subscription(filter, qos, noLocal, (options & 0x08) != 0, retainHandling);
                if (noLocal && s.isShared()) {
                    throw new Refusal(ReasonCode.PROTOCOL_ERROR, "no local on a shared subscription");
                }
                subscriptions.add(s);
            } else {
                if ((options & 0xFC) != 0 || qos == 3) {
                    throw new Refusal(ReasonCode.MALFORMED_PACKET, "reserved bits or QoS 3 in requested QoS");
                }
                subscriptions.add(Subscription.of(filter, qos));
            }
        }
        if (subscriptions.isEmpty()) {
            throw new Refusal(ReasonCode.PROTOCOL_ERROR, "SUBSCRIBE without a topic filter");
        }
        return new SubscribePacket(packetId, subscriptions, properties);
    }

    private static SubackPacket suback(MqttVersion version, Body in) {
        int packetId = in.packetId();
        MqttProperties properties = version == MqttVersion.V5
                ? in.properties(1 << PacketType.SUBACK.value()) : MqttProperties.EMPTY;
        List<ReasonCode> codes = new ArrayList<>();
        while (in.remaining() > 0) {
            int value = in.u8("reason code");
            ReasonCode code = version == MqttVersion.V5 || value <= 2 || value == 0x80
                    ? ReasonCode.of(PacketType.SUBACK, value) : null;
            if (code == null) {
                throw new Refusal(ReasonCode.MALFORMED_PACKET, "unknown SUBACK reason code");
            }
            codes.add(code);
        }
        if (codes.isEmpty()) {
            throw new Refusal(ReasonCode.PROTOCOL_ERROR, "SUBACK without a reason code");
        }
        return new SubackPacket(packetId, codes, properties);
    }

    private static UnsubscribePacket unsubscribe(MqttVersion version, Body in) {
        int packetId = in.packetId();
        MqttProperties properties = version == MqttVersion.V5
                ? in.properties(1 << PacketType.UNSUBSCRIBE.value()) : MqttProperties.EMPTY;
        List<String> filters = new ArrayList<>();
        while (in.remaining() > 0) {
            filters.add(in.topicFilter());
        }
        if (filters.isEmpty()) {
            throw new Refusal(ReasonCode.PROTOCOL_ERROR, "UNSUBSCRIBE without a topic filter");
        }
        return new UnsubscribePacket(packetId, filters, properties);
    }

    private static UnsubackPacket unsuback(MqttVersion version, Body in) {
        int packetId = in.packetId();
        if (version != MqttVersion.V5) {
            in.finish();
            return new UnsubackPacket(packetId, List.of(), MqttProperties.EMPTY);
        }
        MqttProperties properties = in.properties(1 << PacketType.UNSUBACK.value());
        List<ReasonCode> codes = new ArrayList<>();
        while (in.remaining() > 0) {
            ReasonCode code = ReasonCode.of(PacketType.UNSUBACK, in.u8("reason code"));
            if (code == null) {
                throw new Refusal(ReasonCode.MALFORMED_PACKET, "unknown UNSUBACK reason code");
            }
            codes.add(code);
        }
        if (codes.isEmpty()) {
            throw new Refusal(ReasonCode.PROTOCOL_ERROR, "UNSUBACK without a reason code");
        }
        return new UnsubackPacket(packetId, codes, properties);
    }

    private static DisconnectPacket disconnect(MqttVersion version, Body in) {
        if (version != MqttVersion.V5 || in.remaining() == 0) {
            in.finish();
            return DisconnectPacket.NORMAL;
        }
        ReasonCode code = ReasonCode.of(PacketType.DISCONNECT, in.u8("reason code"));
        if (code == null) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "unknown DISCONNECT reason code");
        }
        MqttProperties properties = in.remaining() == 0 ? MqttProperties.EMPTY
                : in.properties(1 << PacketType.DISCONNECT.value());
        in.finish();
        return new DisconnectPacket(code, properties);
    }

    private static AuthPacket auth(MqttVersion version, Body in) {
        if (version != MqttVersion.V5) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "AUTH is reserved in 3.1.1");
        }
        if (in.remaining() == 0) {
            return new AuthPacket(ReasonCode.SUCCESS, MqttProperties.EMPTY);
        }
        ReasonCode code = ReasonCode.of(PacketType.AUTH, in.u8("reason code"));
        if (code == null) {
            throw new Refusal(ReasonCode.MALFORMED_PACKET, "unknown AUTH reason code");
        }
        MqttProperties properties = in.remaining() == 0 ? MqttProperties.EMPTY
                : in.properties(1 << PacketType.AUTH.value());
        in.finish();
        return new AuthPacket(code, properties);
    }

    /** Control flow of the record decoders: caught in {@link #decode}, never escapes. */
    private static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final ReasonCode reason;

        Refusal(ReasonCode reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    /** A cursor over one packet body; every read checks the end first and refuses an overrun as malformed. */
    private static final class Body {
        final DirectBuffer buf;
        final int end;
        int position;

        Body(DirectBuffer buf, int offset, int length) {
            this.buf = buf;
            this.position = offset;
            this.end = offset + length;
        }

        int remaining() {
            return end - position;
        }

        private void need(int bytes, String what) {
            if (bytes > end - position) {
                throw new Refusal(ReasonCode.MALFORMED_PACKET, what + " overruns the packet");
            }
        }

        int u8(String what) {
            need(1, what);
            return buf.getByte(position++) & 0xFF;
        }

        int u16(String what) {
            need(2, what);
            int v = MqttWire.u16(buf, position);
            position += 2;
            return v;
        }

        /** Skips {@code n} bytes and returns where they start. */
        int skip(int n, String what) {
            need(n, what);
            int at = position;
            position += n;
            return at;
        }

        int packetId() {
            int id = u16("packet identifier");
            if (id == 0) {
                throw new Refusal(ReasonCode.PROTOCOL_ERROR, "packet identifier 0");
            }
            return id;
        }

        /** A length-prefixed UTF-8 string, checked; returns its offset, leaving its length in {@link #lastLength}. */
        int utf8Field(String what) {
            int n = u16(what);
            int at = skip(n, what);
            if (MqttWire.checkUtf8(buf, at, n) < 0) {
                throw new Refusal(ReasonCode.MALFORMED_PACKET, what + " is not well-formed UTF-8");
            }
            lastLength = n;
            return at;
        }

        int lastLength;

        String string(String what) {
            int at = utf8Field(what);
            return text(at, lastLength);
        }

        String text(int at, int n) {
            byte[] bytes = new byte[n];
            buf.getBytes(at, bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        byte[] binary(String what) {
            int n = u16(what);
            int at = skip(n, what);
            byte[] bytes = new byte[n];
            buf.getBytes(at, bytes);
            return bytes;
        }

        String topicName(String what) {
            int at = utf8Field(what);
            int n = lastLength;
            if (n == 0 || MqttWire.checkTopicName(buf, at, n) < 0) {
                throw new Refusal(ReasonCode.TOPIC_NAME_INVALID, what + " is not a valid topic name");
            }
            return text(at, n);
        }

        String topicFilter() {
            int at = utf8Field("topic filter");
            int n = lastLength;
            if (MqttWire.checkTopicFilter(buf, at, n) < 0) {
                throw new Refusal(ReasonCode.TOPIC_FILTER_INVALID, "invalid topic filter");
            }
            return text(at, n);
        }

        void finish() {
            if (position != end) {
                throw new Refusal(ReasonCode.MALFORMED_PACKET, "bytes after the end of the packet");
            }
        }

        MqttProperties properties(int packetBit) {
            PropertyReader r = new PropertyReader();
            int after = r.begin(buf, position, end, packetBit);
            if (after < 0) {
                throw new Refusal(MqttWire.reason(after), "invalid property length");
            }
            MqttProperties.Builder b = null;
            while (r.next()) {
                if (b == null) {
                    b = MqttProperties.builder();
                }
                switch (r.id.type()) {
                    case BYTE, TWO_BYTE_INTEGER, FOUR_BYTE_INTEGER, VARIABLE_BYTE_INTEGER -> b.integer(r.id, r.value);
                    case UTF8_STRING -> b.string(r.id, text(r.offset, r.length));
                    case BINARY_DATA -> {
                        byte[] bytes = new byte[r.length];
                        buf.getBytes(r.offset, bytes);
                        b.binary(r.id, bytes);
                    }
                    case UTF8_STRING_PAIR -> b.userProperty(text(r.nameOffset, r.nameLength), text(r.offset, r.length));
                }
            }
            if (r.error != 0) {
                throw new Refusal(MqttWire.reason(r.error), "invalid property");
            }
            position = after;
            return b == null ? MqttProperties.EMPTY : b.build();
        }
    }
}
