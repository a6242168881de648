package dev.isthmus.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.isthmus.protocol.mqtt.codec.FrameReader;
import dev.isthmus.protocol.mqtt.codec.FrameSink;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * The MQTT codec's steady path from off-heap memory: decoding a telemetry PUBLISH as a 3.1.1
 * device sends it and as a 5.0 device sends it with properties (expiry, content type, response
 * topic, correlation data, two user properties), encoding the 5.0 one, re-encoding a decoded
 * message for a subscriber, and framing a stream of 32 small PUBLISHes (per packet). Run with
 * {@code -prof gc} to see that none of it allocates.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class MqttCodecBenchmark {
    private static final int STREAM_PACKETS = 32;

    private final PublishView view = new PublishView();
    private final PublishEncoder encoder = new PublishEncoder();
    private final FrameReader reader = new FrameReader();
    private final FrameSink countingSink = this::onFrame;

    private UnsafeBuffer v3Body;
    private int v3Header;
    private UnsafeBuffer v5Body;
    private int v5Header;
    private UnsafeBuffer stream;
    private UnsafeBuffer out;
    private UnsafeBuffer topic;
    private UnsafeBuffer payload;
    private UnsafeBuffer contentType;
    private UnsafeBuffer responseTopic;
    private UnsafeBuffer correlation;
    private UnsafeBuffer names;
    private int frames;

    @Setup
    public void setUp() {
        out = offHeap(new byte[1024]);
        topic = offHeap(bytes("factory/line-3/sensor/17/temperature"));
        payload = offHeap(bytes("{\"t\":21.5,\"unit\":\"C\",\"ts\":1700000000}"));
        contentType = offHeap(bytes("application/json"));
        responseTopic = offHeap(bytes("replies/sensor-17"));
        correlation = offHeap(bytes("req-000042"));
        names = offHeap(bytes("sitebernlinefloor3"));

        UnsafeBuffer v3 = encodeV3(encoder);
        v3Header = v3.getByte(0) & 0xFF;
        v3Body = body(v3);
        UnsafeBuffer v5 = encodeV5(encoder);
        v5Header = v5.getByte(0) & 0xFF;
        v5Body = body(v5);

        int length = v3.capacity();
        stream = offHeap(new byte[length * STREAM_PACKETS]);
        for (int i = 0; i < STREAM_PACKETS; i++) {
            stream.putBytes(i * length, v3, 0, length);
        }
        // A benchmark of a decode that fails would measure the wrong thing.
        if (decodePublishV3() != ReasonCode.SUCCESS.value() + view.payloadLength()
                || decodePublishV5() != ReasonCode.SUCCESS.value() + view.payloadLength()
                || frameStream() != STREAM_PACKETS) {
            throw new IllegalStateException("a benchmark packet does not decode");
        }
    }

    @TearDown
    public void tearDown() {
        reader.close();
    }

    private UnsafeBuffer encodeV3(PublishEncoder e) {
        e.reset(MqttVersion.V3_1_1).qos(1).packetId(42).topic(topic, 0, topic.capacity())
                .payload(payload, 0, payload.capacity());
        UnsafeBuffer packet = offHeap(new byte[e.encodedLength()]);
        e.encode(packet, 0);
        return packet;
    }

    private UnsafeBuffer encodeV5(PublishEncoder e) {
        UnsafeBuffer packet = offHeap(new byte[fillV5(e).encodedLength()]);
        e.encode(packet, 0);
        return packet;
    }

    private PublishEncoder fillV5(PublishEncoder e) {
        return e.reset(MqttVersion.V5).qos(1).packetId(42).topic(topic, 0, topic.capacity())
                .payload(payload, 0, payload.capacity()).payloadFormatIndicator(1).messageExpiryInterval(3600)
                .contentType(contentType, 0, contentType.capacity())
                .responseTopic(responseTopic, 0, responseTopic.capacity())
                .correlationData(correlation, 0, correlation.capacity())
                .addUserProperty(names, 0, 4, names, 4, 6).addUserProperty(names, 10, 4, names, 14, 4);
    }

    /** The body of a packet: what follows the fixed header byte and the remaining length. */
    private static UnsafeBuffer body(UnsafeBuffer packet) {
        int start = 1;
        while ((packet.getByte(start) & 0x80) != 0) {
            start++;
        }
        return offHeap(java.util.Arrays.copyOfRange(bytesOf(packet), start + 1, packet.capacity()));
    }

    private static byte[] bytesOf(DirectBuffer buf) {
        byte[] b = new byte[buf.capacity()];
        buf.getBytes(0, b);
        return b;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static UnsafeBuffer offHeap(byte[] bytes) {
        UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length));
        buf.putBytes(0, bytes);
        return buf;
    }

    private boolean onFrame(int header, DirectBuffer buf, int offset, int length) {
        frames++;
        return true;
    }

    @Benchmark
    public int decodePublishV3() {
        return view.wrap(MqttVersion.V3_1_1, v3Header, v3Body, 0, v3Body.capacity()).value() + view.payloadLength();
    }

    @Benchmark
    public int decodePublishV5() {
        return view.wrap(MqttVersion.V5, v5Header, v5Body, 0, v5Body.capacity()).value() + view.payloadLength();
    }

    @Benchmark
    public int encodePublishV5() {
        return fillV5(encoder).encode(out, 0);
    }

    /** A subscriber's copy of a decoded 5.0 message: its own packet identifier, same properties. */
    @Benchmark
    public int reencodeForSubscriber() {
        view.wrap(MqttVersion.V5, v5Header, v5Body, 0, v5Body.capacity());
        return encoder.reset(MqttVersion.V5).copyOf(view).packetId(7).encode(out, 0);
    }

    @Benchmark
    @OperationsPerInvocation(STREAM_PACKETS)
    public int frameStream() {
        frames = 0;
        reader.feed(stream, 0, stream.capacity(), countingSink);
        return frames;
    }
}
