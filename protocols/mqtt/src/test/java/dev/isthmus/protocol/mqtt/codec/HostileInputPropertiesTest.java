package dev.isthmus.protocol.mqtt.codec;

import static dev.isthmus.protocol.mqtt.codec.MqttGenerators.between;
import static dev.isthmus.protocol.mqtt.codec.MqttGenerators.flip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * Hostile bytes never make the codec throw or read outside its input: random streams, random
 * bodies for every packet type, and valid packets with flipped bits, cut ends, inflated lengths
 * and inserted or deleted bytes all end, through {@link FrameReader} and the decoders of both
 * versions, in frames and a packet or a reason code. Bodies are decoded from exact-fit buffers,
 * where any read outside them throws, and again from inside a larger buffer of garbage, where
 * the answer must not change.
 */
class HostileInputPropertiesTest {
    /** Bytes that steer a decoder somewhere interesting, besides plain random ones. */
    private static final int[] INTERESTING = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0B, 0x11, 0x1F, 0x23, 0x26, 0x7F,
        0x80, 0xFF, 0xC3, 0xED, 0xF0, 0xF4, '+', '#', '/', 'M', 'Q', 'T', 0x10, 0x20, 0x30, 0x32, 0x82};

    record Hostile(byte[] bytes, List<Integer> pieces) {
        @Override
        public String toString() {
            return Hex.of(bytes) + " in " + pieces;
        }
    }

    private static byte randomByte(RandomnessSource in) {
        return (byte) (flip(in) ? INTERESTING[between(in, 0, INTERESTING.length - 1)] : between(in, 0, 255));
    }

    private static byte[] randomBytes(RandomnessSource in, int max) {
        byte[] out = new byte[between(in, 0, max)];
        for (int i = 0; i < out.length; i++) {
            out[i] = randomByte(in);
        }
        return out;
    }

    /** A valid encoded packet of any kind. */
    private static byte[] validPacket(RandomnessSource in) {
        if (between(in, 0, 3) == 0) {
            MqttVersion version = MqttGenerators.versions().generate(in);
            PacketType type = MqttGenerators.pick(in, List.of(PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL,
                    PacketType.PUBCOMP));
            ReasonCode code = MqttGenerators.pick(in, MqttGenerators.codesOf(type));
            MqttProperties props = flip(in) ? MqttGenerators.properties(in, type) : MqttProperties.EMPTY;
            UnsafeBuffer out = Hex.direct(MqttEncoder.ackLength(version, code, props));
            int n = MqttEncoder.encodeAck(version, type, between(in, 1, 0xFFFF), code, props, out, 0);
            return Hex.copy(out, 0, n);
        }
        if (between(in, 0, 2) == 0) {
            return RoundTripPropertiesTest.encodePublish(
                    RoundTripPropertiesTest.encoder(MqttGenerators.publishes().generate(in)));
        }
        MqttVersion version = MqttGenerators.versions().generate(in);
        return RoundTripPropertiesTest.encode(version, MqttGenerators.packet(in, version));
    }

    /** A valid packet with one to three mutations. */
    static byte[] mutate(RandomnessSource in, byte[] packet) {
        byte[] out = packet;
        int n = between(in, 1, 3);
        for (int i = 0; i < n && out.length > 0; i++) {
            int at = between(in, 0, out.length - 1);
            switch (between(in, 0, 5)) {
                case 0 -> out[at] ^= (byte) (1 << between(in, 0, 7));
                case 1 -> out = Arrays.copyOf(out, at);
                case 2 -> {
                    // Inflate (or shrink) the remaining length, keeping its first byte's continuation bit.
                    if (out.length > 1) {
                        out[1] = (byte) ((out[1] & 0x80) | between(in, 0, 0x7F));
                    }
                }
                case 3 -> {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    b.write(out, 0, at);
                    b.write(randomByte(in));
                    b.write(out, at, out.length - at);
                    out = b.toByteArray();
                }
                case 4 -> {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    b.write(out, 0, at);
                    b.write(out, at + 1, out.length - at - 1);
                    out = b.toByteArray();
                }
                default -> out[at] = randomByte(in);
            }
        }
        return out;
    }

    private static Gen<Hostile> hostile(Gen<byte[]> bytes) {
        return in -> {
            byte[] b = bytes.generate(in);
            return new Hostile(b, MqttGenerators.pieces(in, b.length, 5));
        };
    }

    /** Frames the stream whole and split, and decodes every frame both ways and with both versions. */
    private static void assertClean(Hostile sample) {
        Frames.Outcome whole = Frames.whole(sample.bytes(), 4096);
        assertEquals(whole, Frames.split(sample.bytes(), sample.pieces(), 4096));
        assertTrue(whole.failure() == 0 || whole.failure() == FrameReader.MALFORMED_PACKET
                || whole.failure() == FrameReader.PACKET_TOO_LARGE, () -> "framing result " + whole.failure());
        for (Frames.Frame frame : whole.frames()) {
            assertDecodesCleanly(frame);
        }
    }

    private static final AnyPacket ANY = new AnyPacket();

    static void assertDecodesCleanly(Frames.Frame frame) {
        for (MqttVersion version : List.of(MqttVersion.V3_1_1, MqttVersion.V5)) {
            ReasonCode exact = ANY.decode(version, frame);
            assertTrue(exact == ReasonCode.SUCCESS || exact.isError(), () -> "result " + exact);
            assertEquals(exact, decodeInsideGarbage(version, frame), "the bytes around the body changed the answer");
            if (exact == ReasonCode.SUCCESS) {
                assertStable(version, frame);
            }
        }
    }

    /** Decodes the body at an offset inside a buffer of 0xFF/0x00 bytes that would change any answer if read. */
    private static ReasonCode decodeInsideGarbage(MqttVersion version, Frames.Frame frame) {
        byte[] body = frame.body();
        UnsafeBuffer buf = Hex.direct(body.length + 64);
        for (int i = 0; i < buf.capacity(); i++) {
            buf.putByte(i, (byte) (i % 2 == 0 ? 0xFF : 0x00));
        }
        buf.putBytes(32, body);
        int header = frame.fixedHeader();
        PacketType type = PacketType.of(header);
        if (type == PacketType.PUBLISH) {
            return new PublishView().wrap(version, header, buf, 32, body.length);
        }
        if (type == PacketType.PUBACK || type == PacketType.PUBREC || type == PacketType.PUBREL
                || type == PacketType.PUBCOMP) {
            return new AckView().wrap(version, header, buf, 32, body.length);
        }
        if (type == PacketType.CONNECT) {
            return MqttDecoder.decodeConnect(header, buf, 32, body.length).reason();
        }
        return MqttDecoder.decode(version, header, buf, 32, body.length).reason();
    }

    /** A record that decoded re-encodes to bytes that decode to the same record. */
    private static void assertStable(MqttVersion version, Frames.Frame frame) {
        PacketType type = PacketType.of(frame.fixedHeader());
        UnsafeBuffer body = Hex.exact(frame.body());
        Decoded<? extends MqttPacket> first = type == PacketType.CONNECT
                ? MqttDecoder.decodeConnect(frame.fixedHeader(), body, 0, frame.body().length)
                : type == PacketType.PUBLISH || type.value() <= 7 && type.value() >= 4 ? null
                : MqttDecoder.decode(version, frame.fixedHeader(), body, 0, frame.body().length);
        if (first instanceof Decoded.Ok<? extends MqttPacket> ok) {
            MqttPacket packet = ok.packet();
            MqttVersion v = packet instanceof ConnectPacket c ? c.version() : version;
            byte[] again = RoundTripPropertiesTest.encode(v, packet);
            assertEquals(first, RoundTripPropertiesTest.decode(v, again));
        }
    }

    @Test
    void randomStreamsEndInFramesAndReasonCodes() {
        qt().withExamples(5000).forAll(hostile(in -> randomBytes(in, 300))).checkAssert(HostileInputPropertiesTest::assertClean);
    }

    @Test
    void randomBodiesOfEveryPacketTypeEndInAPacketOrAReasonCode() {
        Gen<Frames.Frame> frames = in -> new Frames.Frame(between(in, 0, 255), randomBytes(in, 80));
        qt().withExamples(20_000).forAll(frames).checkAssert(HostileInputPropertiesTest::assertDecodesCleanly);
    }

    /** Bodies that start like a real packet of the header's type, then go astray. */
    @Test
    void plausibleBodiesEndInAPacketOrAReasonCode() {
        Gen<Frames.Frame> frames = in -> {
            Frames.Frame valid = Frames.single(validPacket(in));
            byte[] body = valid.body();
            int keep = between(in, 0, body.length);
            byte[] tail = randomBytes(in, 20);
            byte[] mixed = Arrays.copyOf(body, keep + tail.length);
            System.arraycopy(tail, 0, mixed, keep, tail.length);
            int header = flip(in) ? valid.fixedHeader() : (valid.fixedHeader() & 0xF0) | between(in, 0, 15);
            return new Frames.Frame(header, mixed);
        };
        qt().withExamples(10_000).forAll(frames).checkAssert(HostileInputPropertiesTest::assertDecodesCleanly);
    }

    @Test
    void mutatedPacketsEndInFramesAndReasonCodes() {
        Gen<byte[]> mutated = in -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int n = between(in, 1, 3);
            for (int i = 0; i < n; i++) {
                byte[] packet = validPacket(in);
                out.writeBytes(flip(in) ? mutate(in, packet) : packet);
            }
            return out.toByteArray();
        };
        qt().withExamples(5000).forAll(hostile(mutated)).checkAssert(HostileInputPropertiesTest::assertClean);
    }
}
