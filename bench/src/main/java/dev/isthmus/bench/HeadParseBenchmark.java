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

import dev.isthmus.protocol.http1.codec.HeadLimits;
import dev.isthmus.protocol.http1.codec.RequestHead;
import dev.isthmus.protocol.http1.codec.ResponseHead;

/**
 * Parsing a whole head in one call from off-heap memory, as the proxy does for each request it
 * reads and each response it relays: wrk's minimal request, a ~500-byte request with ten typical
 * browser/device fields, and an nginx response head. Run with {@code -prof gc} to see that a
 * parse allocates nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class HeadParseBenchmark {
    static final String WRK_REQUEST = "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";

    static final String BROWSER_REQUEST = "GET /api/v1/devices/sensor-0042/telemetry?since=1700000000&limit=100 HTTP/1.1\r\n"
            + "Host: iot-gateway.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n"
            + "Accept: application/json, text/plain, */*\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\n"
            + "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXZpY2UtNDIifQ.c2lnbmF0dXJl\r\n"
            + "Cache-Control: no-cache\r\n"
            + "Connection: keep-alive\r\n"
            + "X-Request-Id: 6f1c2a9e-8b7d-4c2e-9f1a-3d5e7b9c1a2f\r\n"
            + "X-Forwarded-For: 203.0.113.7\r\n"
            + "\r\n";

    static final String NGINX_RESPONSE = "HTTP/1.1 200 OK\r\n"
            + "Server: nginx/1.26.3\r\n"
            + "Date: Tue, 14 Oct 2025 09:12:44 GMT\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: 615\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";

    private final RequestHead request = new RequestHead();
    private final ResponseHead response = new ResponseHead();
    private final HeadLimits limits = HeadLimits.DEFAULT;

    private UnsafeBuffer wrk;
    private UnsafeBuffer browser;
    private UnsafeBuffer nginx;

    @Setup
    public void setUp() {
        wrk = offHeap(WRK_REQUEST);
        browser = offHeap(BROWSER_REQUEST);
        nginx = offHeap(NGINX_RESPONSE);
        // A benchmark of a parse that fails would measure the wrong thing.
        if (wrkRequest() != WRK_REQUEST.length() || browserRequest() != BROWSER_REQUEST.length()
                || nginxResponse() != NGINX_RESPONSE.length()) {
            throw new IllegalStateException("a benchmark head does not parse");
        }
    }

    private static UnsafeBuffer offHeap(String head) {
        byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
        UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length));
        buf.putBytes(0, bytes);
        return buf;
    }

    @Benchmark
    public int wrkRequest() {
        request.reset();
        return request.parse(wrk, 0, wrk.capacity(), limits);
    }

    @Benchmark
    public int browserRequest() {
        request.reset();
        return request.parse(browser, 0, browser.capacity(), limits);
    }

    @Benchmark
    public int nginxResponse() {
        response.reset();
        return response.parse(nginx, 0, nginx.capacity(), limits);
    }
}
