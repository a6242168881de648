package dev.isthmus.protocol.mqtt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The steady path allocates nothing once its objects exist: framing a stream of PUBLISHes (whole
 * and split across feeds), decoding PUBLISH (3.1.1, and 5.0 with every kind of property) and
 * PUBACK, and encoding PUBLISH (from fields and as a forwarded copy) and PUBACK. The bytes this
 * thread allocates over many rounds, counted by the JVM, stay far below one object per round.
 */
class CodecAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int ROUNDS = 20_000;
    /** Far below one byte per round: any per-operation allocation would exceed it many times over. */
    private static final long MAX_BYTES = 16 * 1024;

    private final PublishView publish = new PublishView();
    private final AckView ack = new AckView();
    private final PublishEncoder encoder = new PublishEncoder();
    private final FrameReader reader = new FrameReader();
    private final UnsafeBuffer out = Hex.direct(4096);
    private long checksum;

    private final FrameSink sink = this::onFrame;

    private boolean onFrame(int header, DirectBuffer buf, int offset, int length) {
        MqttVersion version = (header & 0x06) == 0x02 ? MqttVersion.V5 : MqttVersion.V3_1_1;
        checksum += publish.wrap(version, header, buf, offset, length).value() + publish.payloadLength();
        return true;
    }

    @Test
    void steadyPathAllocatesNothing() {
        byte[] v5Wire = RoundTripPropertiesTest.encodePublish(new PublishEncoder().reset(MqttVersion.V5).qos(1)
                .packetId(42).topic(bytes("factory/line-3/sensor/17/temperature")).payload(new byte[64])
                .payloadFormatIndicator(1).messageExpiryInterval(300).contentType(buffer("application/json"), 0, 16)
                .responseTopic(buffer("reply/17"), 0, 8).correlationData(buffer("corr-1"), 0, 6)
                .addUserProperty(buffer("unit"), 0, 4, buffer("celsius"), 0, 7)
                .addUserProperty(buffer("site"), 0, 4, buffer("berlin"), 0, 6)
                .addSubscriptionIdentifier(7).addSubscriptionIdentifier(300));
        byte[] v3Wire = RoundTripPropertiesTest.encodePublish(new PublishEncoder().reset(MqttVersion.V3_1_1)
                .topic(bytes("factory/line-3/sensor/17/humidity")).payload(new byte[32]));
        Frames.Frame v5Frame = Frames.single(v5Wire);
        Frames.Frame v3Frame = Frames.single(v3Wire);
        UnsafeBuffer v5Body = Hex.exact(v5Frame.body());
        UnsafeBuffer v3Body = Hex.exact(v3Frame.body());
        UnsafeBuffer pubackBody = Hex.exact(Hex.bytes("00 2a 10 07 1f 00 04 'busy'"));
        // A stream of ten small PUBLISHes (the v3.1.1 one, QoS 0) and one cut in two.
        UnsafeBuffer stream = Hex.direct(10 * v3Wire.length);
        for (int i = 0; i < 10; i++) {
            stream.putBytes(i * v3Wire.length, v3Wire);
        }
        UnsafeBuffer first = Hex.exact(java.util.Arrays.copyOf(v5Wire, 20));
        UnsafeBuffer second = Hex.exact(java.util.Arrays.copyOfRange(v5Wire, 20, v5Wire.length));

        Runnable round = () -> {
            checksum += publish.wrap(MqttVersion.V5, v5Frame.fixedHeader(), v5Body, 0, v5Body.capacity()).value();
            checksum += publish.userPropertyCount() + publish.subscriptionIdentifier(1) + (publish.topicHash() & 0xFFFF);
            checksum += encoder.reset(MqttVersion.V5).copyOf(publish).packetId(7).encode(out, 0);
            checksum += encoder.packetIdOffset();
            checksum += publish.wrap(MqttVersion.V3_1_1, v3Frame.fixedHeader(), v3Body, 0, v3Body.capacity()).value();
            checksum += encoder.reset(MqttVersion.V3_1_1).qos(1).packetId(9)
                    .topic(v3Body, publish.topicOffset(), publish.topicLength())
                    .payload(v3Body, publish.payloadOffset(), publish.payloadLength()).encode(out, 100);
            checksum += ack.wrap(MqttVersion.V5, 0x40, pubackBody, 0, pubackBody.capacity()).value();
            checksum += ack.packetId() + ack.reasonCode().value() + ack.reasonStringLength();
            checksum += MqttEncoder.encodeAck(MqttVersion.V5, PacketType.PUBACK, 42, ReasonCode.SUCCESS, out, 200);
            checksum += reader.feed(stream, 0, stream.capacity(), sink);
            checksum += reader.feed(first, 0, first.capacity(), sink);
            checksum += reader.feed(second, 0, second.capacity(), sink);
        };
        for (int i = 0; i < WARM_UP; i++) {
            round.run();
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // A compilation or deoptimization in the middle of a window can allocate once on this
        // thread; a per-operation allocation shows in every window. So the best of a few counts.
        long allocated = Long.MAX_VALUE;
        for (int window = 0; window < 5 && allocated >= MAX_BYTES; window++) {
            checksum = 0;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < ROUNDS; i++) {
                round.run();
            }
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
        }
        long best = allocated;

        assertTrue(checksum > 0, () -> "checksum " + checksum + " failure " + reader.failure());
        assertEquals(null, reader.failure());
        assertTrue(best < MAX_BYTES, () -> best + " bytes allocated in " + ROUNDS + " rounds");
        reader.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static UnsafeBuffer buffer(String s) {
        return new UnsafeBuffer(bytes(s));
    }
}
