package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The codec allocates nothing per message once its flyweights exist: bytes allocated by this
 * thread across many parses stay within a small bound (the measuring itself may allocate a
 * little). Counts bytes, not time.
 */
class CodecAllocationTest {
    private static final int ROUNDS = 20_000;
    /** Far below one byte per round: any per-parse allocation would exceed it many times over. */
    private static final long MAX_BYTES = 16 * 1024;

    private static final String REQUEST = "POST /api/v1/devices/42/telemetry?batch=1 HTTP/1.1\r\n"
            + "Host: gateway.local:8080\r\n"
            + "Content-Length: 5\r\n"
            + "Connection: keep-alive, X-Hop\r\n"
            + "X-Hop: 1\r\n"
            + "Expect: 100-continue\r\n"
            + "\r\n";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nServer: nginx\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    private static final String BODY = "5;ext=\"v\"\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n";

    @Test
    void parsingAndWritingAllocateNothing() {
        UnsafeBuffer request = load(REQUEST);
        UnsafeBuffer response = load(RESPONSE);
        UnsafeBuffer body = load(BODY);
        UnsafeBuffer out = Wire.direct(256);
        byte[] hopName = "x-hop".getBytes(StandardCharsets.US_ASCII);
        RequestHead requestHead = new RequestHead();
        ResponseHead responseHead = new ResponseHead();
        ChunkedDecoder decoder = new ChunkedDecoder();
        HeadWriter writer = new HeadWriter();

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long checksum = 0;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < ROUNDS; i++) {
            requestHead.reset();
            checksum += requestHead.parse(request, 0, REQUEST.length(), HeadLimits.DEFAULT);
            checksum += requestHead.find(hopName);
            responseHead.reset();
            checksum += responseHead.parse(response, 0, RESPONSE.length(), HeadLimits.DEFAULT);
            decoder.reset(HeadLimits.DEFAULT);
            checksum += decoder.scan(body, 0, BODY.length());
            writer.wrap(out, 0, out.capacity());
            writer.put(request, requestHead.methodOffset(), requestHead.methodLength());
            writer.putDecimal(requestHead.contentLength());
            writer.putCrlf();
            checksum += writer.length();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals((long) ROUNDS * (REQUEST.length() + 3 + RESPONSE.length() + BODY.length() + 7), checksum);
        assertTrue(allocated < MAX_BYTES, () -> allocated + " bytes allocated in " + ROUNDS + " rounds");
    }

    private static UnsafeBuffer load(String text) {
        byte[] bytes = Wire.bytes(text);
        UnsafeBuffer buf = Wire.direct(bytes.length);
        buf.putBytes(0, bytes);
        return buf;
    }
}
