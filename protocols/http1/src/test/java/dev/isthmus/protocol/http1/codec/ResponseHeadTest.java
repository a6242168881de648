package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The response-head rules; every message also goes through {@link HeadFeeding#everyWay}. */
class ResponseHeadTest {
    private static final HeadLimits SMALL = new HeadLimits(128, 32, 3, 64);
    private static final String NGINX = "HTTP/1.1 200 OK\r\n"
            + "Server: nginx/1.26.3\r\n"
            + "Date: Tue, 14 Oct 2025 09:12:44 GMT\r\n"
            + "Content-Type: text/html\r\n"
            + "Content-Length: 615\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";

    private final ResponseHead head = new ResponseHead();

    /** Parses every way, then leaves {@link #head} parsed from one whole call for inspection. */
    private int parse(String message, HeadLimits limits) {
        return HeadFeeding.everyWayThenWhole(HeadFeeding.response(head), Wire.bytes(message), limits);
    }

    private int parse(String message) {
        return parse(message, HeadLimits.DEFAULT);
    }

    private int parseFields(String fieldLines) {
        return parse("HTTP/1.1 200 OK\r\n" + fieldLines + "\r\n");
    }

    private String reason() {
        return Wire.text(head.buffer(), head.reasonOffset(), head.reasonLength());
    }

    private String value(int index) {
        return Wire.text(head.buffer(), head.valueOffset(index), head.valueLength(index));
    }

    @Test
    void nginxResponseParsesCompletely() {
        assertEquals(NGINX.length(), parse(NGINX));
        assertEquals(200, head.status());
        assertEquals(1, head.versionMinor());
        assertEquals("OK", reason());
        assertEquals(5, head.headerCount());
        assertEquals(HeaderId.SERVER, head.headerId(0));
        assertEquals(HeaderId.DATE, head.headerId(1));
        assertEquals(HeaderId.OTHER, head.headerId(2));
        assertEquals(HeaderId.CONTENT_LENGTH, head.headerId(3));
        assertEquals(HeaderId.CONNECTION, head.headerId(4));
        assertEquals("Tue, 14 Oct 2025 09:12:44 GMT", value(1));
        assertEquals(615, head.contentLength());
        assertFalse(head.isChunked());
        assertFalse(head.hasTransferEncoding());
        assertTrue(head.connectionKeepAlive());
        assertFalse(head.connectionClose());
        assertTrue(head.keepAlive());
        assertEquals(2, head.find("content-type".getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"HTTP/1.1 204|''", "HTTP/1.1 204 |''", "HTTP/1.0 404 Not Found|Not Found",
            "HTTP/1.1 500 a\tb  c|a\tb  c", "HTTP/1.1 599 \u00E9t\u00E9|\u00E9t\u00E9", "HTTP/1.1 100 Continue|Continue"})
    void reasonPhraseIsOptional(String statusLine, String reason) {
        String response = statusLine + "\r\n\r\n";
        assertEquals(response.length(), parse(response));
        assertEquals(Integer.parseInt(statusLine.substring(9, 12)), head.status());
        assertEquals(reason, reason());
    }

    @Test
    void bareLineFeedsAreLineEnds() {
        String response = "HTTP/1.1 200 OK\nContent-Length: 1\n\n";
        assertEquals(response.length(), parse(response));
        assertEquals(1, head.contentLength());
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/2.0 200 OK", "HTTP/1.2 200 OK", "HTTP/0.9 200 OK", "http/1.1 200 OK", "HTTP/1.1 20 OK",
            "HTTP/1.1 2000 OK", "HTTP/1.1 099 Low", "HTTP/1.1 600 High", "HTTP/1.1  200 OK", "HTTP/1.1 2x0 OK",
            "HTTP/1.1 200\tOK", "HTTP/1.1 200 O\u0001K", "HTTP/1.1 200 OK\rX", "HTTP/1.1\t200 OK", "HTTP/1.1 200OK",
            "\r\nHTTP/1.1 200 OK", "ICY 200 OK", "HTTP/1.1 200 O\u007FK"})
    void brokenStatusLineIs502(String statusLine) {
        assertEquals(ParseResult.BAD_GATEWAY, parse(statusLine + "\r\n\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"H", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1 20", "HTTP/1.1 200", "HTTP/1.1 200 O",
            "HTTP/1.1 200 OK\r", "HTTP/1.1 200 OK\r\nServer: x\r\n"})
    void incompleteHeadNeedsMore(String prefix) {
        assertEquals(ParseResult.NEED_MORE, parse(prefix));
    }

    @ParameterizedTest
    @ValueSource(strings = {"X : y", ": y", "X y", "X: a\u0000b", "X: a\rb", "X: a\r\n b", "X(: y", "X: \u007F"})
    void brokenFieldLineIs502(String line) {
        assertEquals(ParseResult.BAD_GATEWAY, parseFields(line + "\r\n"));
    }

    @Test
    void limitsGive502() {
        assertEquals(ParseResult.BAD_GATEWAY, parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", SMALL));
        assertEquals(ParseResult.BAD_GATEWAY, parse("HTTP/1.1 200 OK\r\nA: " + Wire.repeat('a', 128) + "\r\n\r\n", SMALL));
        assertEquals(ParseResult.BAD_GATEWAY, parse("HTTP/1.1 200 " + Wire.repeat('a', 128), SMALL));
        String fits = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assertEquals(fits.length(), parse(fits, SMALL));
    }

    @Test
    void contentLengthRules() {
        assertTrue(parseFields("Content-Length: 7\r\nContent-Length: 7\r\n") > 0);
        assertEquals(7, head.contentLength());
        assertTrue(parseFields("Content-Length: 7, 7\r\n") > 0);
        assertEquals(ParseResult.BAD_GATEWAY, parseFields("Content-Length: 7\r\nContent-Length: 8\r\n"));
        assertEquals(ParseResult.BAD_GATEWAY, parseFields("Content-Length: 7, 8\r\n"));
        assertEquals(ParseResult.BAD_GATEWAY, parseFields("Content-Length: -7\r\n"));
        assertEquals(ParseResult.BAD_GATEWAY, parseFields("Content-Length: 4611686018427387904\r\n"));
        assertTrue(parseFields("") > 0);
        assertEquals(-1, head.contentLength());
    }

    @Test
    void contentLengthWithTransferEncodingIs502() {
        assertEquals(ParseResult.BAD_GATEWAY, parseFields("Content-Length: 7\r\nTransfer-Encoding: chunked\r\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"chunked|true", "gzip, chunked|true", "br, chunked|true", "gzip|false",
            "chunked, gzip|false", "foo|false"})
    void transferEncodingFramesTheBody(String value, boolean chunked) {
        assertTrue(parseFields("Transfer-Encoding: " + value + "\r\n") > 0);
        assertTrue(head.hasTransferEncoding());
        assertEquals(chunked, head.isChunked());
        assertEquals(-1, head.contentLength());
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked, chunked", "", "chunked,", "chunked;a=b", "gzip;", "\"chunked\""})
    void repeatedChunkedOrMalformedTransferEncodingIs502(String value) {
        assertEquals(ParseResult.BAD_GATEWAY, parseFields("Transfer-Encoding: " + value + "\r\n"));
    }

    @Test
    void transferEncodingInHttp10Is502() {
        assertEquals(ParseResult.BAD_GATEWAY, parse("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
    }

    @Test
    void connectionAndUpgrade() {
        parse("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade, X-Hop\r\nUpgrade: websocket\r\n"
                + "X-Hop: 1\r\n\r\n");
        assertEquals(101, head.status());
        assertEquals(1, head.upgradeIndex());
        assertTrue(head.listedInConnection(1));
        assertTrue(head.listedInConnection(2));
        assertFalse(head.listedInConnection(0));
        parseFields("Connection: close\r\n");
        assertTrue(head.connectionClose());
        assertFalse(head.keepAlive());
        parse("HTTP/1.0 200 OK\r\n\r\n");
        assertFalse(head.keepAlive());
        parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n");
        assertTrue(head.keepAlive());
        assertEquals(ParseResult.BAD_GATEWAY, parseFields("Connection: a b\r\n"));
    }

    @ParameterizedTest
    @CsvSource({"100,false,true", "101,false,true", "199,false,true", "204,false,true", "304,false,true",
            "200,false,false", "205,false,false", "404,false,false", "500,false,false", "200,true,true", "404,true,true"})
    void bodyForbidden(int status, boolean head, boolean forbidden) {
        assertEquals(forbidden, ResponseHead.bodyForbidden(status, head));
    }

    @Test
    void interimAndFinalResponsesBackToBack() {
        String interim = "HTTP/1.1 100 Continue\r\n\r\n";
        byte[] bytes = Wire.bytes(interim + NGINX);
        UnsafeBuffer buf = Wire.direct(bytes.length);
        Wire.load(buf, 0, bytes, bytes.length);
        head.reset();
        int first = head.parse(buf, 0, bytes.length, HeadLimits.DEFAULT);
        assertEquals(interim.length(), first);
        assertEquals(100, head.status());
        head.reset();
        assertEquals(NGINX.length(), head.parse(buf, first, bytes.length - first, HeadLimits.DEFAULT));
        assertEquals(200, head.status());
        assertEquals(interim.length(), HeadFeeding.everyWay(HeadFeeding.response(head), bytes, HeadLimits.DEFAULT).result());
    }
}
