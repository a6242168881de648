package dev.isthmus.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.coap.codec.CoapType;
import dev.isthmus.protocol.coap.codec.MessageView;
import dev.isthmus.protocol.coap.codec.MessageWriter;

/**
 * The CoAP codec on one request and its answer, in off-heap memory as a datagram arrives and
 * leaves: parsing a CON GET of {@code /sensors/room-12/temperature?unit=c} with a 4-byte token
 * and an Observe option, and writing a piggybacked 2.05 with Content-Format, Max-Age, an ETag and
 * a small JSON payload. Run with {@code -prof gc}: neither allocates.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class CoapCodecBenchmark {
    private static final byte[] PAYLOAD = "{\"t\":21.5,\"unit\":\"C\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ETAG = {0x1a, 0x2b, 0x3c, 0x4d};

    private final MessageView view = new MessageView();
    private final MessageWriter writer = new MessageWriter();
    private UnsafeBuffer request;
    private int requestLength;
    private UnsafeBuffer response;
    private UnsafeBuffer payload;

    @Setup
    public void setUp() {
        request = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        requestLength = writer.wrap(request, 0).header(CoapType.CON, CoapCode.GET, 0x4a21, 0xCAFEF00DL, 4)
                .optionUint(CoapOption.OBSERVE, 0)
                .optionString(CoapOption.URI_PATH, "sensors").optionString(CoapOption.URI_PATH, "room-12")
                .optionString(CoapOption.URI_PATH, "temperature").optionString(CoapOption.URI_QUERY, "unit=c")
                .length();
        response = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD.length));
        payload.putBytes(0, PAYLOAD);
        if (view.wrap(request, 0, requestLength) != MessageView.OK || view.optionCount() != 5) {
            throw new IllegalStateException("the request did not parse: " + view.problem());
        }
    }

    /** Parses the request and reads what a server looks at first: id, token, critical options, Observe, the URI's options. */
    @Benchmark
    public void parse(Blackhole consumed) {
        consumed.consume(view.wrap(request, 0, requestLength));
        consumed.consume(view.messageId());
        consumed.consume(view.tokenAsLong());
        consumed.consume(view.firstUnrecognizedCritical());
        consumed.consume(view.uint(CoapOption.OBSERVE, -1));
        for (int i = 0; i < view.optionCount(); i++) {
            int number = view.optionNumber(i);
            if (number == CoapOption.URI_PATH || number == CoapOption.URI_QUERY) {
                consumed.consume(view.optionOffset(i) + view.optionLength(i));
            }
        }
    }

    /** Writes the piggybacked response; returns its length. */
    @Benchmark
    public int writeResponse() {
        return writer.wrap(response, 0).header(CoapType.ACK, CoapCode.CONTENT, 0x4a21, 0xCAFEF00DL, 4)
                .option(CoapOption.ETAG, ETAG).optionUint(CoapOption.OBSERVE, 7)
                .optionUint(CoapOption.CONTENT_FORMAT, 50).optionUint(CoapOption.MAX_AGE, 30)
                .payload(payload, 0, PAYLOAD.length).length();
    }
}
