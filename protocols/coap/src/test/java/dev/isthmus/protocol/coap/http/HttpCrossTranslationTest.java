package dev.isthmus.protocol.coap.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.http1.client.HttpHeader;
import dev.isthmus.protocol.http1.client.HttpRequest;
import dev.isthmus.protocol.http1.client.HttpResponse;

/** The HTTP to CoAP side of the translation: status codes by method, media types, entity tags, freshness. */
class HttpCrossTranslationTest {
    private static final HttpRequest SENT = HttpRequest.of("GET", "/api/x", List.of(), null);

    private static HttpResponse response(int status, String... fields) {
        List<HttpHeader> headers = new java.util.ArrayList<>();
        for (int i = 0; i < fields.length; i += 2) {
            headers.add(new HttpHeader(fields[i], fields[i + 1]));
        }
        return new HttpResponse(status, "", headers, "body".getBytes(UTF_8), "127.0.0.1:8081");
    }

    @Test
    void successesDependOnTheMethod() {
        assertEquals(CoapCode.CONTENT, Translation.code(CoapCode.GET, 200));
        assertEquals(CoapCode.CONTENT, Translation.code(CoapCode.GET, 204));
        assertEquals(CoapCode.CHANGED, Translation.code(CoapCode.POST, 200));
        assertEquals(CoapCode.CHANGED, Translation.code(CoapCode.PUT, 204));
        assertEquals(CoapCode.CHANGED, Translation.code(CoapCode.PATCH, 202));
        assertEquals(CoapCode.CREATED, Translation.code(CoapCode.PUT, 201));
        assertEquals(CoapCode.CREATED, Translation.code(CoapCode.POST, 201));
        assertEquals(CoapCode.DELETED, Translation.code(CoapCode.DELETE, 200));
        assertEquals(CoapCode.DELETED, Translation.code(CoapCode.DELETE, 204));
        assertEquals(CoapCode.VALID, Translation.code(CoapCode.GET, 304));
    }

    @Test
    void errorsKeepTheirMeaningAndRedirectsAreABadGateway() {
        int[][] table = {
            {400, CoapCode.BAD_REQUEST}, {401, CoapCode.UNAUTHORIZED}, {403, CoapCode.FORBIDDEN},
            {404, CoapCode.NOT_FOUND}, {405, CoapCode.METHOD_NOT_ALLOWED}, {406, CoapCode.NOT_ACCEPTABLE},
            {409, CoapCode.CONFLICT}, {412, CoapCode.PRECONDITION_FAILED}, {413, CoapCode.REQUEST_ENTITY_TOO_LARGE},
            {415, CoapCode.UNSUPPORTED_CONTENT_FORMAT}, {422, CoapCode.UNPROCESSABLE_ENTITY},
            {429, CoapCode.TOO_MANY_REQUESTS}, {418, CoapCode.BAD_REQUEST}, {410, CoapCode.BAD_REQUEST},
            {500, CoapCode.INTERNAL_SERVER_ERROR}, {501, CoapCode.NOT_IMPLEMENTED}, {502, CoapCode.BAD_GATEWAY},
            {503, CoapCode.SERVICE_UNAVAILABLE}, {504, CoapCode.GATEWAY_TIMEOUT}, {505, CoapCode.INTERNAL_SERVER_ERROR},
            {301, CoapCode.BAD_GATEWAY}, {302, CoapCode.BAD_GATEWAY}, {307, CoapCode.BAD_GATEWAY},
        };
        for (int[] row : table) {
            assertEquals(CoapCode.toString(row[1]), CoapCode.toString(Translation.code(CoapCode.GET, row[0])),
                    "HTTP " + row[0]);
        }
    }

    @Test
    void mediaTypesMapWithAUtf8CharsetOnly() {
        assertEquals(50, ContentFormats.contentFormat("application/json"));
        assertEquals(50, ContentFormats.contentFormat("Application/JSON; charset=\"UTF-8\""));
        assertEquals(0, ContentFormats.contentFormat("text/plain"));
        assertEquals(0, ContentFormats.contentFormat("text/plain;charset=utf-8"));
        assertEquals(-1, ContentFormats.contentFormat("text/plain; charset=iso-8859-1"));
        assertEquals(112, ContentFormats.contentFormat("application/senml+cbor"));
        assertEquals(-1, ContentFormats.contentFormat("text/html"));
        assertEquals(-1, ContentFormats.contentFormat("application/json; profile=x"));
        assertEquals(11050, ContentFormats.contentFormat("application/coap-payload; cf=11050"));
        assertEquals(-1, ContentFormats.contentFormat("application/coap-payload; cf=70000"));
        assertEquals(-1, ContentFormats.contentFormat("application/coap-payload"));
        assertEquals("text/plain; charset=utf-8", ContentFormats.mediaType(0));
        assertEquals("application/cbor", ContentFormats.mediaType(60));
        assertNull(ContentFormats.mediaType(9999));
    }

    @Test
    void strongShortEntityTagsBecomeEtagOptions() {
        assertArrayEquals("abc".getBytes(UTF_8), Translation.etag("\"abc\""));
        assertNull(Translation.etag("W/\"abc\""));
        assertNull(Translation.etag("\"123456789\""));
        assertNull(Translation.etag("\"\""));
    }

    @Test
    void maxAgeIsTheFreshnessLeft() {
        assertEquals(20, Translation.response(CoapCode.GET, SENT,
                response(200, "Cache-Control", "max-age=60, s-maxage=30", "Age", "10")).maxAge());
        assertEquals(0, Translation.response(CoapCode.GET, SENT,
                response(200, "Cache-Control", "max-age=60, no-cache")).maxAge());
        assertEquals(0, Translation.response(CoapCode.GET, SENT, response(200)).maxAge());
        assertEquals(90, Translation.response(CoapCode.GET, SENT, response(200,
                "Date", "Tue, 01 Dec 2026 10:00:00 GMT", "Expires", "Tue, 01 Dec 2026 10:01:30 GMT")).maxAge());
        assertEquals(0, Translation.response(CoapCode.GET, SENT, response(200, "Expires", "0")).maxAge());
        CoapResponse limited = Translation.response(CoapCode.GET, SENT, response(429, "Retry-After", "7"));
        assertEquals(CoapCode.TOO_MANY_REQUESTS, limited.code());
        assertEquals(7, limited.maxAge());
    }
}
