package dev.isthmus.protocol.mqtt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact packets: what well-known clients send, decoded to the expected records, and what
 * the encoders write, compared byte for byte with hand-assembled packets.
 */
class WireVectorsTest {
    private static void assertWire(MqttVersion version, MqttPacket packet, String hex) {
        byte[] expected = Hex.bytes(hex);
        assertArrayEquals(expected, RoundTripPropertiesTest.encode(version, packet),
                () -> "encoded " + Hex.of(RoundTripPropertiesTest.encode(version, packet)));
        assertEquals(new Decoded.Ok<>(packet), RoundTripPropertiesTest.decode(version, expected));
    }

    /** {@code mosquitto_pub -V mqttv311 -i mosq-abc -t ... } sends this CONNECT: clean session, keep alive 60. */
    @Test
    void mosquittoPubV311Connect() {
        assertWire(MqttVersion.V3_1_1,
                new ConnectPacket(MqttVersion.V3_1_1, true, 60, "mosq-abc", null, null, null, MqttProperties.EMPTY),
                "10 14 00 04 'MQTT' 04 02 00 3c 00 08 'mosq-abc'");
    }

    @Test
    void v311ConnectWithWillUserAndPassword() {
        assertWire(MqttVersion.V3_1_1,
                new ConnectPacket(MqttVersion.V3_1_1, false, 10, "c", new Will("w/t", new byte[] {'b', 'y', 'e'}, 1,
                        true, MqttProperties.EMPTY), "u", new byte[] {'p', 'w'}, MqttProperties.EMPTY),
                // flags: user name, password, will retain, will QoS 1, will flag = 1110 1100
                "10 1e 00 04 'MQTT' 04 ec 00 0a 00 01 'c' 00 03 'w/t' 00 03 'bye' 00 01 'u' 00 02 'pw'");
    }

    /**
     * What mosquitto_pub 2.x sent to a capturing socket: {@code -i mosq-abc -t a/b -m hi -q 1 -k 60}
     * (3.1.1), then {@code -V 5 -i abc -t a/b -m hi -x 120 -D connect receive-maximum 20 -D publish
     * user-property k v -D publish message-expiry-interval 60}, each stream framed and decoded.
     */
    @Test
    void mosquittoPubCapturedStreams() {
        byte[] v3 = Hex.bytes("10 14 00 04 4d 51 54 54 04 02 00 3c 00 08 6d 6f 73 71 2d 61 62 63"
                + " 32 09 00 03 61 2f 62 00 01 68 69");
        Frames.Outcome frames = Frames.whole(v3, FrameReader.DEFAULT_MAX_PACKET_SIZE);
        assertEquals(2, frames.frames().size());
        Frames.Frame connect = frames.frames().get(0);
        assertEquals(new Decoded.Ok<>(new ConnectPacket(MqttVersion.V3_1_1, true, 60, "mosq-abc", null, null, null,
                MqttProperties.EMPTY)), MqttDecoder.decodeConnect(connect.fixedHeader(), Hex.exact(connect.body()), 0,
                connect.body().length));
        PublishView view = new PublishView();
        Frames.Frame publish = frames.frames().get(1);
        assertEquals(ReasonCode.SUCCESS, view.wrap(MqttVersion.V3_1_1, publish.fixedHeader(), Hex.exact(publish.body()),
                0, publish.body().length));
        assertEquals("a/b", view.topicString());
        assertEquals(1, view.qos());
        assertEquals(1, view.packetId());
        assertEquals(2, view.payloadLength());

        byte[] v5 = Hex.bytes("10 18 00 04 4d 51 54 54 05 02 00 3c 08 21 00 14 11 00 00 00 78 00 03 61 62 63"
                + " 30 14 00 03 61 2f 62 0c 26 00 01 6b 00 01 76 02 00 00 00 3c 68 69 e0 00");
        frames = Frames.whole(v5, FrameReader.DEFAULT_MAX_PACKET_SIZE);
        assertEquals(3, frames.frames().size());
        connect = frames.frames().get(0);
        ConnectPacket expected = new ConnectPacket(MqttVersion.V5, true, 60, "abc", null, null, null,
                MqttProperties.builder().sessionExpiryInterval(120).receiveMaximum(20).build());
        assertEquals(new Decoded.Ok<>(expected), MqttDecoder.decodeConnect(connect.fixedHeader(),
                Hex.exact(connect.body()), 0, connect.body().length));
        publish = frames.frames().get(1);
        assertEquals(ReasonCode.SUCCESS, view.wrap(MqttVersion.V5, publish.fixedHeader(), Hex.exact(publish.body()), 0,
                publish.body().length));
        assertEquals(60, view.messageExpiryInterval());
        assertEquals(1, view.userPropertyCount());
        assertEquals(0, view.qos());
        Frames.Frame disconnect = frames.frames().get(2);
        assertEquals(new Decoded.Ok<>(DisconnectPacket.NORMAL), MqttDecoder.decode(MqttVersion.V5,
                disconnect.fixedHeader(), Hex.exact(disconnect.body()), 0, 0));
    }

    /**
     * What mosquitto_sub 2.0.11 sent: {@code -i sub1 -t a/+ -q 1 -u user -P pass --will-topic w
     * --will-payload bye --will-qos 1 --will-retain} (3.1.1), and {@code -V 5 -i sub1 -t a/+ -t
     * '$share/g/b/#' -q 2 -D subscribe subscription-identifier 5 -D subscribe user-property k v}.
     */
    @Test
    void mosquittoSubCapturedStreams() {
        byte[] v3 = Hex.bytes("10 24 00 04 4d 51 54 54 04 ee 00 3c 00 04 73 75 62 31 00 01 77 00 03 62 79 65 00 04 75"
                + " 73 65 72 00 04 70 61 73 73 82 08 00 01 00 03 61 2f 2b 01");
        List<Frames.Frame> frames = Frames.whole(v3, FrameReader.DEFAULT_MAX_PACKET_SIZE).frames();
        assertEquals(new Decoded.Ok<>(new ConnectPacket(MqttVersion.V3_1_1, true, 60, "sub1",
                new Will("w", "bye".getBytes(StandardCharsets.US_ASCII), 1, true, MqttProperties.EMPTY), "user",
                "pass".getBytes(StandardCharsets.US_ASCII), MqttProperties.EMPTY)), decode(MqttVersion.V3_1_1, frames.get(0)));
        assertEquals(new Decoded.Ok<>(new SubscribePacket(1, List.of(Subscription.of("a/+", 1)), MqttProperties.EMPTY)),
                decode(MqttVersion.V3_1_1, frames.get(1)));

        byte[] v5 = Hex.bytes("10 14 00 04 4d 51 54 54 05 02 00 3c 03 21 00 14 00 04 73 75 62 31 82 21 00 01 09 0b 05 26"
                + " 00 01 6b 00 01 76 00 03 61 2f 2b 02 00 0c 24 73 68 61 72 65 2f 67 2f 62 2f 23 02");
        frames = Frames.whole(v5, FrameReader.DEFAULT_MAX_PACKET_SIZE).frames();
        assertEquals(new Decoded.Ok<>(new ConnectPacket(MqttVersion.V5, true, 60, "sub1", null, null, null,
                MqttProperties.builder().receiveMaximum(20).build())), decode(MqttVersion.V5, frames.get(0)));
        SubscribePacket subscribe = (SubscribePacket) decode(MqttVersion.V5, frames.get(1)).packetOrNull();
        assertEquals(List.of(Subscription.of("a/+", 2), Subscription.of("$share/g/b/#", 2)), subscribe.subscriptions());
        assertEquals(5, subscribe.subscriptionIdentifier());
        assertEquals(List.of(new UserProperty("k", "v")), subscribe.properties().userProperties());
        assertTrue(subscribe.subscriptions().get(1).isShared());
    }

    private static Decoded<? extends MqttPacket> decode(MqttVersion version, Frames.Frame frame) {
        if (PacketType.of(frame.fixedHeader()) == PacketType.CONNECT) {
            return MqttDecoder.decodeConnect(frame.fixedHeader(), Hex.exact(frame.body()), 0, frame.body().length);
        }
        return MqttDecoder.decode(version, frame.fixedHeader(), Hex.exact(frame.body()), 0, frame.body().length);
    }

    /**
     * A 5.0 CONNECT with session expiry 120 s and receive maximum 20. mosquitto_pub writes the
     * receive maximum first (see above); the encoder writes properties in identifier order.
     */
    @Test
    void v5ConnectWithProperties() {
        assertWire(MqttVersion.V5,
                new ConnectPacket(MqttVersion.V5, true, 60, "abc", null, null, null,
                        MqttProperties.builder().sessionExpiryInterval(120).receiveMaximum(20).build()),
                "10 18 00 04 'MQTT' 05 02 00 3c 08 11 00 00 00 78 21 00 14 00 03 'abc'");
    }

    @Test
    void v5ConnectWithWillProperties() {
        Will will = new Will("dead", new byte[] {0}, 0, false,
                MqttProperties.builder().willDelayInterval(5).contentType("x").build());
        assertWire(MqttVersion.V5,
                new ConnectPacket(MqttVersion.V5, false, 0, "", will, null, null, MqttProperties.EMPTY),
                "10 20 00 04 'MQTT' 05 04 00 00 00 00 00 09 03 00 01 'x' 18 00 00 00 05 00 04 'dead' 00 01 00");
    }

    @Test
    void connacks() {
        assertWire(MqttVersion.V3_1_1, new ConnackPacket(true, ReasonCode.SUCCESS, MqttProperties.EMPTY), "20 02 01 00");
        assertWire(MqttVersion.V3_1_1,
                new ConnackPacket(false, ReasonCode.BAD_USER_NAME_OR_PASSWORD, MqttProperties.EMPTY), "20 02 00 04");
        assertWire(MqttVersion.V5, new ConnackPacket(false, ReasonCode.SUCCESS,
                MqttProperties.builder().topicAliasMaximum(10).maximumQos(1).build()), "20 08 00 00 05 22 00 0a 24 01");
        // A 3.1.1 refusal written from a 5.0 reason code.
        byte[] out = RoundTripPropertiesTest.encode(MqttVersion.V3_1_1,
                new ConnackPacket(false, ReasonCode.BANNED, MqttProperties.EMPTY));
        assertArrayEquals(Hex.bytes("20 02 00 05"), out);
        assertThrows(IllegalArgumentException.class, () -> MqttEncoder.encodedLength(MqttVersion.V3_1_1,
                new ConnackPacket(false, ReasonCode.PROTOCOL_ERROR, MqttProperties.EMPTY)));
    }

    @Test
    void subscribeAndSuback() {
        assertWire(MqttVersion.V3_1_1, new SubscribePacket(10, List.of(Subscription.of("a/+", 1),
                Subscription.of("b/#", 2)), MqttProperties.EMPTY), "82 0e 00 0a 00 03 'a/+' 01 00 03 'b/#' 02");
        assertWire(MqttVersion.V5, new SubscribePacket(10, List.of(new Subscription("a", 1, true, true, 2)),
                MqttProperties.builder().subscriptionIdentifier(200).build()), "82 0a 00 0a 03 0b c8 01 00 01 'a' 2d");
        assertWire(MqttVersion.V3_1_1, new SubackPacket(10, List.of(ReasonCode.GRANTED_QOS_1,
                ReasonCode.UNSPECIFIED_ERROR), MqttProperties.EMPTY), "90 04 00 0a 01 80");
        assertWire(MqttVersion.V5, new SubackPacket(10, List.of(ReasonCode.GRANTED_QOS_0, ReasonCode.NOT_AUTHORIZED),
                MqttProperties.builder().reasonString("no").build()), "90 0a 00 0a 05 1f 00 02 'no' 00 87");
    }

    @Test
    void unsubscribeAndUnsuback() {
        assertWire(MqttVersion.V3_1_1, new UnsubscribePacket(3, List.of("a/b"), MqttProperties.EMPTY),
                "a2 07 00 03 00 03 'a/b'");
        assertWire(MqttVersion.V3_1_1, new UnsubackPacket(3, List.of(), MqttProperties.EMPTY), "b0 02 00 03");
        assertWire(MqttVersion.V5, new UnsubackPacket(3, List.of(ReasonCode.NO_SUBSCRIPTION_EXISTED),
                MqttProperties.EMPTY), "b0 04 00 03 00 11");
    }

    @Test
    void bodilessPackets() {
        assertWire(MqttVersion.V3_1_1, PingreqPacket.INSTANCE, "c0 00");
        assertWire(MqttVersion.V5, PingrespPacket.INSTANCE, "d0 00");
        assertWire(MqttVersion.V3_1_1, DisconnectPacket.NORMAL, "e0 00");
        assertWire(MqttVersion.V5, DisconnectPacket.NORMAL, "e0 00");
        assertWire(MqttVersion.V5, new DisconnectPacket(ReasonCode.SESSION_TAKEN_OVER, MqttProperties.EMPTY),
                "e0 01 8e");
        assertWire(MqttVersion.V5, new AuthPacket(ReasonCode.SUCCESS, MqttProperties.EMPTY), "f0 00");
        assertWire(MqttVersion.V5, new AuthPacket(ReasonCode.CONTINUE_AUTHENTICATION,
                MqttProperties.builder().authenticationMethod("m").build()), "f0 06 18 04 15 00 01 'm'");
    }

    private static byte[] publish(PublishEncoder e) {
        return RoundTripPropertiesTest.encodePublish(e);
    }

    @Test
    void publishes() {
        byte[] topic = "a/b".getBytes(StandardCharsets.US_ASCII);
        byte[] hi = "hi".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(Hex.bytes("32 09 00 03 'a/b' 00 07 'hi'"),
                publish(new PublishEncoder().reset(MqttVersion.V3_1_1).qos(1).packetId(7).topic(topic).payload(hi)));
        assertArrayEquals(Hex.bytes("31 07 00 03 'a/b' 'hi'"),
                publish(new PublishEncoder().reset(MqttVersion.V3_1_1).retain(true).topic(topic).payload(hi)
                        .messageExpiryInterval(5)));
        assertArrayEquals(Hex.bytes("30 0d 00 03 'a/b' 05 02 00 00 00 3c 'hi'"),
                publish(new PublishEncoder().reset(MqttVersion.V5).topic(topic).payload(hi).messageExpiryInterval(60)));
        assertArrayEquals(Hex.bytes("3c 0b 00 00 00 01 05 0b 05 23 00 02 'x'"),
                publish(new PublishEncoder().reset(MqttVersion.V5).qos(2).dup(true).packetId(1).topicAlias(2)
                        .addSubscriptionIdentifier(5).topic(new byte[0]).payload(new byte[] {'x'})));
        // The remaining length takes two bytes from 128 on.
        byte[] big = new byte[200];
        byte[] wire = publish(new PublishEncoder().reset(MqttVersion.V3_1_1).topic(topic).payload(big));
        assertArrayEquals(Hex.bytes("30 cd 01 00 03 'a/b'"), java.util.Arrays.copyOf(wire, 8));
    }

    @Test
    void acknowledgements() {
        assertArrayEquals(Hex.bytes("40 02 00 07"), ack(MqttVersion.V3_1_1, PacketType.PUBACK, ReasonCode.SUCCESS));
        assertArrayEquals(Hex.bytes("40 02 00 07"), ack(MqttVersion.V5, PacketType.PUBACK, ReasonCode.SUCCESS));
        assertArrayEquals(Hex.bytes("40 03 00 07 10"),
                ack(MqttVersion.V5, PacketType.PUBACK, ReasonCode.NO_MATCHING_SUBSCRIBERS));
        assertArrayEquals(Hex.bytes("62 02 00 07"), ack(MqttVersion.V3_1_1, PacketType.PUBREL, ReasonCode.SUCCESS));
        assertArrayEquals(Hex.bytes("50 02 00 07"),
                ack(MqttVersion.V3_1_1, PacketType.PUBREC, ReasonCode.QUOTA_EXCEEDED));
        assertArrayEquals(Hex.bytes("70 03 00 07 92"),
                ack(MqttVersion.V5, PacketType.PUBCOMP, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND));
        UnsafeBuffer out = Hex.direct(32);
        MqttProperties props = MqttProperties.builder().reasonString("busy").build();
        int n = MqttEncoder.encodeAck(MqttVersion.V5, PacketType.PUBREC, 7, ReasonCode.QUOTA_EXCEEDED, props, out, 0);
        assertArrayEquals(Hex.bytes("50 0b 00 07 97 07 1f 00 04 'busy'"), Hex.copy(out, 0, n));
        assertThrows(IllegalArgumentException.class, () -> MqttEncoder.encodeAck(MqttVersion.V5, PacketType.PUBREL, 7,
                ReasonCode.NO_MATCHING_SUBSCRIBERS, out, 0));
        assertThrows(IllegalArgumentException.class, () -> MqttEncoder.encodeAck(MqttVersion.V5, PacketType.PUBACK, 0,
                ReasonCode.SUCCESS, out, 0));
    }

    private static byte[] ack(MqttVersion version, PacketType type, ReasonCode code) {
        UnsafeBuffer out = Hex.direct(8);
        int n = MqttEncoder.encodeAck(version, type, 7, code, out, 0);
        assertEquals(MqttEncoder.ackLength(version, code, null), n);
        return Hex.copy(out, 0, n);
    }

    @Test
    void refusedProtocolVersionsTellTheirLevel() {
        byte[] v31 = Hex.bytes("00 06 'MQIsdp' 03 02 00 3c 00 01 'a'");
        Decoded<ConnectPacket> d = MqttDecoder.decodeConnect(0x10, Hex.exact(v31), 0, v31.length);
        assertEquals(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, d.reason());
        assertEquals(3, MqttDecoder.protocolLevel(Hex.exact(v31), 0, v31.length));
        assertEquals(1, ReasonCode.UNSUPPORTED_PROTOCOL_VERSION.v3ConnackCode());
        assertEquals(MqttVersion.V3_1, MqttVersion.ofLevel(3));
        assertEquals(-1, MqttDecoder.protocolLevel(Hex.exact(new byte[] {0, 4, 'M'}), 0, 3));
    }

    @Test
    void v3ConnackCodes() {
        assertEquals(0, ReasonCode.SUCCESS.v3ConnackCode());
        assertEquals(1, ReasonCode.UNSUPPORTED_PROTOCOL_VERSION.v3ConnackCode());
        assertEquals(2, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID.v3ConnackCode());
        assertEquals(3, ReasonCode.SERVER_UNAVAILABLE.v3ConnackCode());
        assertEquals(4, ReasonCode.BAD_USER_NAME_OR_PASSWORD.v3ConnackCode());
        assertEquals(5, ReasonCode.NOT_AUTHORIZED.v3ConnackCode());
        assertEquals(-1, ReasonCode.MALFORMED_PACKET.v3ConnackCode());
        for (int code = 0; code <= 5; code++) {
            assertEquals(code, ReasonCode.ofV3Connack(code).v3ConnackCode());
        }
        assertEquals(ReasonCode.NORMAL_DISCONNECTION, ReasonCode.of(PacketType.DISCONNECT, 0));
        assertEquals(ReasonCode.GRANTED_QOS_0, ReasonCode.of(PacketType.SUBACK, 0));
        assertEquals(ReasonCode.SUCCESS, ReasonCode.of(PacketType.PUBACK, 0));
        assertEquals(null, ReasonCode.of(PacketType.PUBREL, 0x10));
        assertEquals(45, ReasonCode.values().length, "43 values, 0x00 under three names");
    }
}
