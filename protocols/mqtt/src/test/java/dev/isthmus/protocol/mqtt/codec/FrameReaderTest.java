package dev.isthmus.protocol.mqtt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link FrameReader}: packets found whole or split anywhere (even inside the remaining length)
 * come out the same; whole packets are handed out in place; lengths are checked before the body
 * arrives; the sink can stop a feed and learn how much was consumed.
 */
class FrameReaderTest {
    private static final int MAX = FrameReader.PROTOCOL_MAX_PACKET_SIZE;

    record Stream(byte[] bytes, List<Integer> pieces) {
        @Override
        public String toString() {
            return Hex.of(bytes) + " in " + pieces;
        }
    }

    /** One to eight encoded packets of any kind, sometimes followed by garbage. */
    static Gen<byte[]> streams() {
        return in -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int n = MqttGenerators.between(in, 1, 8);
            for (int i = 0; i < n; i++) {
                if (MqttGenerators.flip(in)) {
                    out.writeBytes(RoundTripPropertiesTest.encodePublish(
                            RoundTripPropertiesTest.encoder(MqttGenerators.publishes().generate(in))));
                } else {
                    MqttVersion version = MqttGenerators.versions().generate(in);
                    out.writeBytes(RoundTripPropertiesTest.encode(version, MqttGenerators.packet(in, version)));
                }
            }
            if (MqttGenerators.between(in, 0, 3) == 0) {
                out.writeBytes(MqttGenerators.bytes(in, 12));
            }
            return out.toByteArray();
        };
    }

    @Test
    void theSameFramesHoweverTheStreamIsSplit() {
        Gen<Stream> split = in -> {
            byte[] bytes = streams().generate(in);
            return new Stream(bytes, MqttGenerators.pieces(in, bytes.length, MqttGenerators.flip(in) ? 6 : bytes.length));
        };
        qt().withExamples(2000).forAll(split).checkAssert(s -> {
            Frames.Outcome whole = Frames.whole(s.bytes(), MAX);
            assertEquals(whole, Frames.split(s.bytes(), s.pieces(), MAX));
            // A tight limit fails both ways at the same packet.
            assertEquals(Frames.whole(s.bytes(), 64), Frames.split(s.bytes(), s.pieces(), 64));
        });
    }

    @Test
    void byteByByteEqualsWhole() {
        qt().withExamples(300).forAll(streams()).checkAssert(bytes -> {
            List<Integer> ones = new ArrayList<>();
            for (int i = 0; i < bytes.length; i++) {
                ones.add(1);
            }
            assertEquals(Frames.whole(bytes, MAX), Frames.split(bytes, ones, MAX));
        });
    }

    @Test
    void aWholePacketIsHandedOutInPlace() {
        UnsafeBuffer buf = Hex.direct(64);
        byte[] packets = Hex.bytes("c0 00 30 03 00 01 'a' d0 00");
        buf.putBytes(10, packets);
        List<Integer> offsets = new ArrayList<>();
        try (FrameReader reader = new FrameReader()) {
            int consumed = reader.feed(buf, 10, packets.length, (header, b, offset, length) -> {
                assertSame(buf, b);
                offsets.add(offset);
                return true;
            });
            assertEquals(packets.length, consumed);
            assertEquals(List.of(12, 14, 19), offsets);
            assertEquals(0, reader.assemblyCapacity(), "no assembly buffer for whole packets");
        }
    }

    @Test
    void aLengthSplitAfterEachByteIsReassembled() {
        byte[] body = new byte[20_000];
        Arrays.fill(body, (byte) 7);
        byte[] packet = SpecVectorsTest.frame(0x30, body);
        assertEquals((byte) 0xA0, packet[1], "three length bytes");
        for (int cut = 1; cut <= 4; cut++) {
            Frames.Outcome outcome = Frames.split(packet, List.of(cut, packet.length - cut), MAX);
            assertEquals(List.of(new Frames.Frame(0x30, body)), outcome.frames());
        }
    }

    @Test
    void aFifthLengthByteIsMalformedWholeOrSplit() {
        byte[] stream = Hex.bytes("30 80 80 80 80 01 00");
        assertEquals(FrameReader.MALFORMED_PACKET, Frames.whole(stream, MAX).failure());
        assertEquals(FrameReader.MALFORMED_PACKET, Frames.split(stream, List.of(3, 4), MAX).failure());
        assertEquals(FrameReader.MALFORMED_PACKET, Frames.split(stream, List.of(5, 2), MAX).failure());
        // Four bytes is the most there is: 268,435,455.
        assertEquals(FrameReader.PACKET_TOO_LARGE, Frames.whole(Hex.bytes("30 ff ff ff 7f"), MAX - 1).failure());
        assertEquals(0, Frames.whole(Hex.bytes("30 ff ff ff 7f"), MAX).failure());
    }

    @Test
    void aLengthLongerThanNeededIsMalformed() {
        assertEquals(FrameReader.MALFORMED_PACKET, Frames.whole(Hex.bytes("c0 80 00"), MAX).failure());
        assertEquals(FrameReader.MALFORMED_PACKET, Frames.split(Hex.bytes("30 81 80 00"), List.of(2, 1, 1), MAX)
                .failure());
        assertEquals(List.of(new Frames.Frame(0xC0, new byte[0])), Frames.whole(Hex.bytes("c0 00"), MAX).frames());
    }

    @Test
    void tooLargeIsKnownBeforeTheBodyArrives() {
        try (FrameReader reader = new FrameReader(100)) {
            // 1 + 2 + 229 bytes: refused from the three header bytes alone.
            int result = reader.feed(Hex.exact(Hex.bytes("30 e5 01")), 0, 3, (h, b, o, l) -> {
                throw new AssertionError("no frame expected");
            });
            assertEquals(FrameReader.PACKET_TOO_LARGE, result);
            assertEquals(ReasonCode.PACKET_TOO_LARGE, reader.failure());
            // The failure sticks.
            assertEquals(FrameReader.PACKET_TOO_LARGE, reader.feed(Hex.exact(Hex.bytes("c0 00")), 0, 2, (h, b, o, l) -> true));
            reader.reset();
            assertNull(reader.failure());
        }
        byte[] atLimit = SpecVectorsTest.frame(0x30, new byte[98]);
        assertEquals(100, atLimit.length);
        assertEquals(1, Frames.whole(atLimit, 100).frames().size());
        assertEquals(FrameReader.PACKET_TOO_LARGE, Frames.whole(atLimit, 99).failure());
        // Split inside the length.
        assertEquals(FrameReader.PACKET_TOO_LARGE, Frames.split(Hex.bytes("30 e5 01"), List.of(2, 1), 100).failure());
    }

    @Test
    void theSinkCanStopAfterAnyPacket() {
        byte[] connect = Hex.bytes("10 0d 00 04 'MQTT' 04 02 00 3c 00 01 'a'");
        byte[] rest = Hex.bytes("30 03 00 01 'a' c0 00 ff ff");
        byte[] stream = new byte[connect.length + rest.length];
        System.arraycopy(connect, 0, stream, 0, connect.length);
        System.arraycopy(rest, 0, stream, connect.length, rest.length);
        try (FrameReader reader = new FrameReader()) {
            // Whole: stops right after CONNECT; the rest is the caller's to forward raw.
            List<Integer> headers = new ArrayList<>();
            int consumed = reader.feed(Hex.exact(stream), 0, stream.length, (h, b, o, l) -> {
                headers.add(h);
                return false;
            });
            assertEquals(connect.length, consumed);
            assertEquals(List.of(0x10), headers);
            assertFalse(reader.hasPartialPacket());

            // Split: the CONNECT completes in the second feed, which then stops right after it.
            reader.reset();
            headers.clear();
            assertEquals(5, reader.feed(Hex.exact(Arrays.copyOf(stream, 5)), 0, 5, (h, b, o, l) -> true));
            assertTrue(reader.hasPartialPacket());
            byte[] second = Arrays.copyOfRange(stream, 5, stream.length);
            consumed = reader.feed(Hex.exact(second), 0, second.length, (h, b, o, l) -> {
                headers.add(h);
                assertArrayEquals(Arrays.copyOfRange(connect, 2, connect.length), Hex.copy(b, o, l));
                return false;
            });
            assertEquals(connect.length - 5, consumed);
            assertEquals(List.of(0x10), headers);
        }
    }

    @Test
    void theAssemblyBufferGrowsOnDemandAndCloseFreesIt() {
        byte[] packet = SpecVectorsTest.frame(0x30, new byte[5000]);
        FrameReader reader = new FrameReader();
        assertEquals(0, reader.assemblyCapacity());
        assertEquals(1, feedSplit(reader, packet, 100));
        assertTrue(reader.assemblyCapacity() >= 5000);
        int capacity = reader.assemblyCapacity();
        assertEquals(1, feedSplit(reader, packet, 7));
        assertEquals(capacity, reader.assemblyCapacity(), "reused, not reallocated");
        reader.close();
        assertEquals(0, reader.assemblyCapacity());
        assertEquals(1, feedSplit(reader, packet, 3000), "usable again after close");
        reader.close();
        assertEquals(0, reader.feed(Hex.direct(1), 0, 0, (h, b, o, l) -> true), "an empty feed consumes nothing");
    }

    private static int feedSplit(FrameReader reader, byte[] packet, int cut) {
        int[] frames = {0};
        DirectBuffer first = Hex.exact(Arrays.copyOf(packet, cut));
        DirectBuffer second = Hex.exact(Arrays.copyOfRange(packet, cut, packet.length));
        assertEquals(cut, reader.feed(first, 0, cut, (h, b, o, l) -> ++frames[0] > 0));
        assertEquals(packet.length - cut, reader.feed(second, 0, packet.length - cut, (h, b, o, l) -> ++frames[0] > 0));
        return frames[0];
    }
}
