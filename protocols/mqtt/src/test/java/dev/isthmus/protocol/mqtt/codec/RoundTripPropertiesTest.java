package dev.isthmus.protocol.mqtt.codec;

import static dev.isthmus.protocol.mqtt.codec.MqttGenerators.between;
import static dev.isthmus.protocol.mqtt.codec.MqttGenerators.flip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Everything the encoders write, the decoders read back unchanged: every record packet of both
 * versions with generated fields and properties, PUBLISH with every property through
 * {@link PublishEncoder} and {@link PublishView}, and the four acknowledgements through
 * {@link MqttEncoder#encodeAck} and {@link AckView}. The encoded length is always announced
 * exactly.
 */
class RoundTripPropertiesTest {
    record Sample(MqttVersion version, MqttPacket packet) {
    }

    private static Gen<Sample> packets() {
        return in -> {
            MqttVersion version = MqttGenerators.versions().generate(in);
            return new Sample(version, MqttGenerators.packet(in, version));
        };
    }

    static byte[] encode(MqttVersion version, MqttPacket packet) {
        int length = MqttEncoder.encodedLength(version, packet);
        UnsafeBuffer out = Hex.direct(length + 16);
        int written = MqttEncoder.encode(version, packet, out, 8);
        assertEquals(length, written, "encodedLength and encode disagree");
        return Hex.copy(out, 8, written);
    }

    static Decoded<? extends MqttPacket> decode(MqttVersion version, byte[] wire) {
        Frames.Frame frame = Frames.single(wire);
        UnsafeBuffer body = Hex.exact(frame.body());
        if (PacketType.of(frame.fixedHeader()) == PacketType.CONNECT) {
            return MqttDecoder.decodeConnect(frame.fixedHeader(), body, 0, frame.body().length);
        }
        return MqttDecoder.decode(version, frame.fixedHeader(), body, 0, frame.body().length);
    }

    @Test
    void recordPacketsOfBothVersionsRoundTrip() {
        qt().withExamples(4000).forAll(packets()).checkAssert(sample -> {
            byte[] wire = encode(sample.version(), sample.packet());
            Decoded<? extends MqttPacket> decoded = decode(sample.version(), wire);
            assertEquals(new Decoded.Ok<>(sample.packet()), decoded, () -> Hex.of(wire));
        });
    }

    /** Each packet type with every property it may carry (and the will with all of its own). */
    @Test
    void everyPropertyOfEveryPacketRoundTrips() {
        for (PacketType type : PacketType.values()) {
            MqttProperties all = everyProperty(type);
            MqttPacket packet = switch (type) {
                case CONNECT -> new ConnectPacket(MqttVersion.V5, true, 30, "client", new Will("will/topic",
                        new byte[] {1, 2}, 1, true, everyProperty(null)), "user", new byte[] {9}, all);
                case CONNACK -> new ConnackPacket(false, ReasonCode.SUCCESS, all);
                case SUBSCRIBE -> new SubscribePacket(7, List.of(Subscription.of("a/+", 1)), all);
                case SUBACK -> new SubackPacket(7, List.of(ReasonCode.GRANTED_QOS_1), all);
                case UNSUBSCRIBE -> new UnsubscribePacket(7, List.of("a/#"), all);
                case UNSUBACK -> new UnsubackPacket(7, List.of(ReasonCode.SUCCESS), all);
                case DISCONNECT -> new DisconnectPacket(ReasonCode.SERVER_MOVED, all);
                case AUTH -> new AuthPacket(ReasonCode.CONTINUE_AUTHENTICATION, all);
                default -> null;
            };
            if (packet != null) {
                byte[] wire = encode(MqttVersion.V5, packet);
                assertEquals(new Decoded.Ok<>(packet), decode(MqttVersion.V5, wire), type::toString);
            }
        }
        assertEquals(27, PropertyId.values().length, "the spec defines 27 properties");
    }

    private static MqttProperties everyProperty(PacketType type) {
        MqttProperties.Builder b = MqttProperties.builder();
        for (PropertyId id : PropertyId.values()) {
            if (type == null ? !id.allowedInWill() : !id.allowedIn(type)) {
                continue;
            }
            switch (id.type()) {
                case BYTE -> b.integer(id, 1);
                case TWO_BYTE_INTEGER -> b.integer(id, 0xFFFF);
                case FOUR_BYTE_INTEGER -> b.integer(id, 0xFFFF_FFFFL);
                case VARIABLE_BYTE_INTEGER -> b.integer(id, MqttWire.MAX_VARIABLE_BYTE_INTEGER);
                case UTF8_STRING -> b.string(id, "v/é€\uD834\uDD1E");
                case BINARY_DATA -> b.binary(id, new byte[] {0, (byte) 0xFF});
                case UTF8_STRING_PAIR -> b.userProperty("k", "v").userProperty("k", "").userProperty("", "w");
            }
        }
        if (type == PacketType.PUBLISH) {
            b.subscriptionIdentifier(1);
        }
        return b.build();
    }

    /** Writes a generated PUBLISH with {@link PublishEncoder}, references only. */
    static PublishEncoder encoder(MqttGenerators.Publish p) {
        PublishEncoder e = new PublishEncoder().reset(p.version()).dup(p.dup()).qos(p.qos()).retain(p.retain())
                .packetId(p.packetId()).topic(p.topicBytes()).payload(p.payload())
                .payloadFormatIndicator(p.payloadFormatIndicator()).messageExpiryInterval(p.messageExpiryInterval())
                .topicAlias(p.topicAlias());
        if (p.responseTopic() != null) {
            byte[] b = p.responseTopic().getBytes(StandardCharsets.UTF_8);
            e.responseTopic(new UnsafeBuffer(b), 0, b.length);
        }
        if (p.correlationData() != null) {
            e.correlationData(new UnsafeBuffer(p.correlationData()), 0, p.correlationData().length);
        }
        if (p.contentType() != null) {
            byte[] b = p.contentType().getBytes(StandardCharsets.UTF_8);
            e.contentType(new UnsafeBuffer(b), 0, b.length);
        }
        for (UserProperty u : p.userProperties()) {
            byte[] n = u.name().getBytes(StandardCharsets.UTF_8);
            byte[] v = u.value().getBytes(StandardCharsets.UTF_8);
            e.addUserProperty(new UnsafeBuffer(n), 0, n.length, new UnsafeBuffer(v), 0, v.length);
        }
        for (int id : p.subscriptionIdentifiers()) {
            e.addSubscriptionIdentifier(id);
        }
        return e;
    }

    static byte[] encodePublish(PublishEncoder e) {
        int length = e.encodedLength();
        UnsafeBuffer out = Hex.direct(length + 8);
        assertEquals(length, e.encode(out, 3));
        return Hex.copy(out, 3, length);
    }

    private static String text(DirectBuffer buf, int offset, int length) {
        return new String(Hex.copy(buf, offset, length), StandardCharsets.UTF_8);
    }

    @Test
    void publishRoundTripsWithEveryProperty() {
        PublishView view = new PublishView();
        qt().withExamples(3000).forAll(MqttGenerators.publishes()).checkAssert(p -> {
            PublishEncoder encoder = encoder(p);
            byte[] wire = encodePublish(encoder);
            Frames.Frame frame = Frames.single(wire);
            UnsafeBuffer body = Hex.exact(frame.body());
            assertEquals(ReasonCode.SUCCESS, view.wrap(p.version(), frame.fixedHeader(), body, 0, frame.body().length));
            assertEquals(p.dup(), view.dup());
            assertEquals(p.qos(), view.qos());
            assertEquals(p.retain(), view.retain());
            assertEquals(p.topic(), view.topicString());
            assertTrue(view.topicEquals(p.topicBytes()));
            assertEquals(java.util.Arrays.hashCode(p.topicBytes()), view.topicHash());
            assertEquals(p.packetId(), view.packetId());
            boolean v5 = p.version() == MqttVersion.V5;
            assertEquals(p.payloadFormatIndicator(), view.payloadFormatIndicator());
            assertEquals(p.messageExpiryInterval(), view.messageExpiryInterval());
            assertEquals(p.topicAlias(), view.topicAlias());
            assertEquals(p.responseTopic(), view.hasResponseTopic()
                    ? text(body, view.responseTopicOffset(), view.responseTopicLength()) : null);
            assertArrayEquals(p.correlationData(), view.hasCorrelationData()
                    ? Hex.copy(body, view.correlationDataOffset(), view.correlationDataLength()) : null);
            assertEquals(p.contentType(), view.hasContentType()
                    ? text(body, view.contentTypeOffset(), view.contentTypeLength()) : null);
            List<UserProperty> users = new ArrayList<>();
            for (int i = 0; i < view.userPropertyCount(); i++) {
                users.add(new UserProperty(text(body, view.userPropertyNameOffset(i), view.userPropertyNameLength(i)),
                        text(body, view.userPropertyValueOffset(i), view.userPropertyValueLength(i))));
            }
            assertEquals(p.userProperties(), users);
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < view.subscriptionIdentifierCount(); i++) {
                ids.add(view.subscriptionIdentifier(i));
            }
            assertEquals(p.subscriptionIdentifiers(), ids);
            assertArrayEquals(p.payload(), Hex.copy(body, view.payloadOffset(), view.payloadLength()));
            assertTrue(v5 || view.propertiesLength() == 0);

            // The header and the payload written apart make the same packet.
            UnsafeBuffer split = Hex.direct(wire.length);
            int header = encoder.encodeHeader(split, 0);
            assertEquals(encoder.headerLength(), header);
            split.putBytes(header, p.payload());
            assertArrayEquals(wire, Hex.copy(split, 0, wire.length));

            // The packet identifier is where the encoder says, in the encoding and in the view.
            if (p.qos() > 0) {
                int idOffset = encoder.packetIdOffset();
                assertEquals(p.packetId(), ((wire[idOffset] & 0xFF) << 8) | (wire[idOffset + 1] & 0xFF));
                assertEquals(idOffset - (wire.length - frame.body().length), view.packetIdOffset());
            } else {
                assertEquals(-1, encoder.packetIdOffset());
            }

            // Forwarding: a copy of the view encodes the same message without alias and subscription ids.
            if (!p.topic().isEmpty()) {
                PublishEncoder forward = new PublishEncoder().reset(p.version()).copyOf(view);
                PublishEncoder expected = encoder(p).topicAlias(0).clearSubscriptionIdentifiers();
                assertArrayEquals(encodePublish(expected), encodePublish(forward));
            }
        });
    }

    @Test
    void packetIdentifierAndDupPatchesMakeAValidPacketPerSubscriber() {
        PublishEncoder e = new PublishEncoder().reset(MqttVersion.V5).qos(1).packetId(0)
                .topic("sensors/1/temp".getBytes(StandardCharsets.UTF_8)).payload(new byte[] {42})
                .messageExpiryInterval(60);
        byte[] shared = encodePublish(e);
        PublishView view = new PublishView();
        for (int id : new int[] {1, 2, 0xFFFF}) {
            UnsafeBuffer copy = Hex.exact(shared);
            MqttEncoder.putPacketId(copy, e.packetIdOffset(), id);
            MqttEncoder.setDup(copy, 0, id == 2);
            Frames.Frame frame = Frames.single(Hex.copy(copy, 0, shared.length));
            assertEquals(ReasonCode.SUCCESS, view.wrap(MqttVersion.V5, frame.fixedHeader(), Hex.exact(frame.body()), 0,
                    frame.body().length));
            assertEquals(id, view.packetId());
            assertEquals(id == 2, view.dup());
            assertEquals(60, view.messageExpiryInterval());
        }
    }

    @Test
    void acknowledgementsRoundTrip() {
        AckView view = new AckView();
        List<PacketType> types = List.of(PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP);
        Gen<Object[]> acks = in -> {
            MqttVersion version = MqttGenerators.versions().generate(in);
            PacketType type = MqttGenerators.pick(in, types);
            ReasonCode code = version == MqttVersion.V5 ? MqttGenerators.pick(in, MqttGenerators.codesOf(type))
                    : ReasonCode.SUCCESS;
            MqttProperties props = version == MqttVersion.V5 && flip(in) ? MqttGenerators.properties(in, type)
                    : MqttProperties.EMPTY;
            return new Object[] {version, type, between(in, 1, 0xFFFF), code, props};
        };
        qt().withExamples(3000).forAll(acks).checkAssert(a -> {
            MqttVersion version = (MqttVersion) a[0];
            PacketType type = (PacketType) a[1];
            int id = (Integer) a[2];
            ReasonCode code = (ReasonCode) a[3];
            MqttProperties props = (MqttProperties) a[4];
            int length = MqttEncoder.ackLength(version, code, props);
            UnsafeBuffer out = Hex.direct(length);
            assertEquals(length, MqttEncoder.encodeAck(version, type, id, code, props, out, 0));
            Frames.Frame frame = Frames.single(Hex.copy(out, 0, length));
            UnsafeBuffer body = Hex.exact(frame.body());
            assertEquals(ReasonCode.SUCCESS, view.wrap(version, frame.fixedHeader(), body, 0, frame.body().length));
            assertEquals(type, view.type());
            assertEquals(id, view.packetId());
            assertEquals(code, view.reasonCode());
            assertEquals(props.reasonString(), view.reasonString());
            assertEquals(props.userProperties().size(), view.userPropertyCount());
            for (int i = 0; i < view.userPropertyCount(); i++) {
                assertEquals(props.userProperties().get(i).name(),
                        text(body, view.userPropertyNameOffset(i), view.userPropertyNameLength(i)));
                assertEquals(props.userProperties().get(i).value(),
                        text(body, view.userPropertyValueOffset(i), view.userPropertyValueLength(i)));
            }
            if (props.isEmpty() && code == ReasonCode.SUCCESS) {
                assertEquals(4, length, "the short form when there is nothing to say");
            }
            if (version == MqttVersion.V3_1_1) {
                assertFalse(view.hasReasonString());
                assertNull(view.reasonString());
            }
        });
    }
}
