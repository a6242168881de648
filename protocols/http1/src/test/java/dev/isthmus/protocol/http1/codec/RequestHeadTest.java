package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The request-head rules, one by one. Every message goes through {@link HeadFeeding#everyWay},
 * so each case also proves that fragmentation and moving the bytes change nothing.
 */
class RequestHeadTest {
    private static final HeadLimits SMALL = new HeadLimits(256, 32, 4, 64);
    private static final String WRK = "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";

    private final RequestHead head = new RequestHead();

    /** Parses every way, then leaves {@link #head} parsed from one whole call for inspection. */
    private int parse(String message, HeadLimits limits) {
        return HeadFeeding.everyWayThenWhole(HeadFeeding.request(head), Wire.bytes(message), limits);
    }

    private int parse(String message) {
        return parse(message, HeadLimits.DEFAULT);
    }

    /** A GET with a valid Host and the given extra field lines. */
    private int parseFields(String fieldLines) {
        return parse("GET / HTTP/1.1\r\nHost: a\r\n" + fieldLines + "\r\n");
    }

    private String text(int offset, int length) {
        return Wire.text(head.buffer(), offset, length);
    }

    private String name(int index) {
        return text(head.nameOffset(index), head.nameLength(index));
    }

    private String value(int index) {
        return text(head.valueOffset(index), head.valueLength(index));
    }

    private String path() {
        return text(head.pathOffset(), head.pathLength());
    }

    private String authority() {
        return text(head.authorityOffset(), head.authorityLength());
    }

    @Nested
    class RequestLine {
        @Test
        void wrkRequestParsesCompletely() {
            assertEquals(WRK.length(), parse(WRK));
            assertEquals(HttpMethod.GET, head.method());
            assertEquals("GET", text(head.methodOffset(), head.methodLength()));
            assertEquals("/", text(head.targetOffset(), head.targetLength()));
            assertEquals("/", path());
            assertEquals(RequestHead.ORIGIN_FORM, head.targetForm());
            assertFalse(head.isAbsoluteForm());
            assertEquals(1, head.versionMinor());
            assertEquals(1, head.headerCount());
            assertEquals("Host", name(0));
            assertEquals("localhost:8080", value(0));
            assertEquals(HeaderId.HOST, head.headerId(0));
            assertEquals(0, head.hostIndex());
            assertEquals(-1, head.contentLength());
            assertFalse(head.isChunked());
            assertFalse(head.hasBody());
            assertTrue(head.keepAlive());
            assertEquals(-1, head.expectIndex());
            assertEquals(-1, head.upgradeIndex());
        }

        @ParameterizedTest
        @CsvSource({"GET,1", "HEAD,2", "POST,3", "PUT,4", "DELETE,5", "OPTIONS,6", "PATCH,7", "TRACE,9",
                "get,0", "Get,0", "PROPFIND,0", "M-SEARCH,0", "X,0", "GETS,0", "!#$%&'*+-.^_`|~,0"})
        void methodIsATokenMatchedCaseSensitively(String method, int code) {
            String request = method + " / HTTP/1.1\r\nHost: a\r\n\r\n";
            assertEquals(request.length(), parse(request));
            assertEquals(code, head.method());
            assertEquals(method, text(head.methodOffset(), head.methodLength()));
        }

        @ParameterizedTest
        @ValueSource(strings = {"GE(T / HTTP/1.1", " / HTTP/1.1", "G\"ET / HTTP/1.1", "GET\t/ HTTP/1.1",
                "GET  / HTTP/1.1", "GET /  HTTP/1.1", "GET / HTTP/1.1 ", "GET /\tHTTP/1.1", "GET /", "GET",
                "GET / HTTP/1.1 extra", "G\u00C9T / HTTP/1.1"})
        void requestLineWithoutExactlyTwoSingleSpacesIs400(String line) {
            assertEquals(ParseResult.BAD_REQUEST, parse(line + "\r\nHost: a\r\n\r\n"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"/a\u0001b", "/a\u007Fb", "/caf\u00E9", "/\u00FF", "/a\u0000"})
        void targetByteOutsideVisibleAsciiIs400(String target) {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n"));
        }

        @Test
        void targetAtTheUriLimitIsAccepted() {
            String target = "/" + Wire.repeat('a', SMALL.maxUriBytes() - 1);
            String request = "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n";
            assertEquals(request.length(), parse(request, SMALL));
            assertEquals(target, text(head.targetOffset(), head.targetLength()));
        }

        @Test
        void targetOverTheUriLimitIs414() {
            String target = "/" + Wire.repeat('a', SMALL.maxUriBytes());
            assertEquals(ParseResult.URI_TOO_LONG, parse("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", SMALL));
        }

        @Test
        void targetOverTheUriLimitIs414BeforeTheLineEnds() {
            assertEquals(ParseResult.URI_TOO_LONG, parse("GET /" + Wire.repeat('a', SMALL.maxUriBytes()), SMALL));
        }

        @Test
        void targetOverTheDefaultUriLimitIs414() {
            String target = "/" + Wire.repeat('x', HeadLimits.DEFAULT.maxUriBytes());
            assertEquals(ParseResult.URI_TOO_LONG, parse("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n"));
        }

        @Test
        void http10IsAcceptedWithoutHost() {
            String request = "GET / HTTP/1.0\r\n\r\n";
            assertEquals(request.length(), parse(request));
            assertEquals(0, head.versionMinor());
            assertEquals(-1, head.hostIndex());
            assertFalse(head.keepAlive());
        }

        @ParameterizedTest
        @ValueSource(strings = {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9"})
        void wellFormedUnsupportedVersionIs505(String version) {
            assertEquals(ParseResult.VERSION_NOT_SUPPORTED, parse("GET / " + version + "\r\nHost: a\r\n\r\n"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"HTTP/10.0", "HTTP/1.10", "http/1.1", "HTTP/1", "HTTP/1.", "HTTP 1.1", "HTTPS/1.1",
                "HTTP/1.1x", "HTTP/a.b", "FOO", "HTTP/1,1", "HTTP/1.1\u0000"})
        void malformedVersionIs400(String version) {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / " + version + "\r\nHost: a\r\n\r\n"));
        }

        @Test
        void versionThatCannotBecomeValidIs400BeforeItIsComplete() {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTX"));
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTP/1\r"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"G", "GET", "GET ", "GET /", "GET / ", "GET / HTTP/1.", "GET / HTTP/1.1",
                "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"})
        void incompleteHeadNeedsMore(String prefix) {
            assertEquals(ParseResult.NEED_MORE, parse(prefix));
        }

        @Test
        void emptyInputNeedsMore() {
            UnsafeBuffer buf = Wire.direct(16);
            head.reset();
            assertEquals(ParseResult.NEED_MORE, head.parse(buf, 0, 0, HeadLimits.DEFAULT));
        }
    }

    @Nested
    class TargetForms {
        @Test
        void originFormPathExcludesTheQuery() {
            parse("GET /a/b?x=1&y=/z HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("/a/b", path());
            assertEquals("/a/b?x=1&y=/z", text(head.targetOffset(), head.targetLength()));
            assertEquals(0, head.authorityLength());
        }

        @Test
        void absoluteFormGivesAuthorityAndPath() {
            String request = "GET http://example.com:8080/p/q?r HTTP/1.1\r\nHost: other\r\n\r\n";
            assertEquals(request.length(), parse(request));
            assertTrue(head.isAbsoluteForm());
            assertEquals(RequestHead.ABSOLUTE_FORM, head.targetForm());
            assertEquals("example.com:8080", authority());
            assertEquals("/p/q", path());
        }

        @ParameterizedTest
        @CsvSource({"HTTPS://h/x,h,/x", "Http://h,h,''", "http://h?q=1,h,''", "http://[::1]:80/,[::1]:80,/",
                "https://10.0.0.1/a?b,10.0.0.1,/a"})
        void absoluteFormSchemesAreCaseInsensitiveAndPathMayBeEmpty(String target, String authority, String path) {
            parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
            assertTrue(head.isAbsoluteForm());
            assertEquals(authority, authority());
            assertEquals(path, path());
        }

        @ParameterizedTest
        @ValueSource(strings = {"http:///x", "http://", "http://user@h/", "http://u:p@h/", "ftp://h/", "http:/h/",
                "h/x", "example.com:80", "http://h:99999/", "http://h h/", "http://[::1/"})
        void badAbsoluteFormIs400(String target) {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n"));
        }

        @Test
        void authorityFormOnlyWithConnect() {
            String request = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
            assertEquals(request.length(), parse(request));
            assertEquals(HttpMethod.CONNECT, head.method());
            assertEquals(RequestHead.AUTHORITY_FORM, head.targetForm());
            assertEquals("example.com:443", authority());
            assertEquals(0, head.pathLength());
        }

        @ParameterizedTest
        @ValueSource(strings = {"CONNECT / HTTP/1.1", "CONNECT example.com HTTP/1.1", "CONNECT example.com: HTTP/1.1",
                "CONNECT http://example.com/ HTTP/1.1", "CONNECT * HTTP/1.1", "GET example.com:443 HTTP/1.1"})
        void misplacedAuthorityFormIs400(String line) {
            assertEquals(ParseResult.BAD_REQUEST, parse(line + "\r\nHost: example.com\r\n\r\n"));
        }

        @Test
        void asteriskFormOnlyWithOptions() {
            String request = "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n";
            assertEquals(request.length(), parse(request));
            assertEquals(RequestHead.ASTERISK_FORM, head.targetForm());
            assertEquals(ParseResult.BAD_REQUEST, parse("GET * HTTP/1.1\r\nHost: a\r\n\r\n"));
            assertEquals(ParseResult.BAD_REQUEST, parse("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"/a#b", "/a?b#c", "http://h/#", "/#"})
        void fragmentIs400(String target) {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n"));
        }
    }

    @Nested
    class LineEnds {
        @ParameterizedTest
        @ValueSource(strings = {"\r\n", "\n", "\r\n\n", "\n\r\n\n\r\n"})
        void leadingEmptyLinesAreSkippedAndCounted(String leading) {
            String request = leading + WRK;
            assertEquals(request.length(), parse(request));
            String description = HeadFeeding.whole(HeadFeeding.request(head), Wire.bytes(request), HeadLimits.DEFAULT)
                    .description();
            assertTrue(description.contains("method=1@" + leading.length() + "'GET'"), description);
            assertEquals("localhost:8080", value(0));
        }

        @Test
        void tooManyLeadingEmptyLinesIs400() {
            String leading = "\r\n".repeat(RequestHead.MAX_LEADING_EMPTY_LINES);
            assertEquals(leading.length() + WRK.length(), parse(leading + WRK));
            assertEquals(ParseResult.BAD_REQUEST, parse("\n" + leading + WRK));
        }

        @Test
        void bareLineFeedsAreLineEnds() {
            String request = "GET /x HTTP/1.1\nHost: a\nX-A:  b \n\n";
            assertEquals(request.length(), parse(request));
            assertEquals("b", value(1));
        }

        @Test
        void mixedLineEndsAreAccepted() {
            String request = "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\n";
            assertEquals(request.length(), parse(request));
        }

        @ParameterizedTest
        @ValueSource(strings = {"\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\rHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n\rX", "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n",
                "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", "GET\r / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHo\rst: a\r\n\r\n"})
        void bareCarriageReturnIs400(String request) {
            assertEquals(ParseResult.BAD_REQUEST, parse(request));
        }
    }

    @Nested
    class FieldLines {
        @Test
        void valuesAreTrimmedOfSurroundingWhitespace() {
            parseFields("X-A:   spaced  value \t\r\nX-B:\tb\r\nX-C:c\r\n");
            assertEquals("spaced  value", value(1));
            assertEquals("b", value(2));
            assertEquals("c", value(3));
        }

        @Test
        void emptyAndWhitespaceOnlyValuesAreEmpty() {
            parseFields("X-Empty:\r\nX-Blank:   \t \r\n");
            assertEquals("", value(1));
            assertEquals("", value(2));
            assertEquals(3, head.headerCount());
        }

        @Test
        void obsTextAndInnerWhitespaceAreKept() {
            assertTrue(parseFields("X-A: caf\u00E9 \u0080\u00FF\tend\r\n") > 0);
            assertEquals("caf\u00E9 \u0080\u00FF\tend", value(1));
        }

        @ParameterizedTest
        @ValueSource(strings = {"X-A: a\u0000b", "X-A: a\u0001b", "X-A: \u007F", "X-A: a\u001Fb", "X-A: a\u000Bb",
                "X-A: a\u000Cb"})
        void controlBytesInValuesAre400(String line) {
            assertEquals(ParseResult.BAD_REQUEST, parseFields(line + "\r\n"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"X-A : b", "X-A\t: b", "X A: b", "Host : a"})
        void whitespaceBeforeTheColonIs400(String line) {
            assertEquals(ParseResult.BAD_REQUEST, parseFields(line + "\r\n"));
        }

        @ParameterizedTest
        @ValueSource(strings = {": b", ":", "X(A): b", "X/A: b", "X\"A: b", "X@A: b", "X{A}: b", "X-\u00C4: b",
                "no colon at all"})
        void fieldNameMustBeANonEmptyToken(String line) {
            assertEquals(ParseResult.BAD_REQUEST, parseFields(line + "\r\n"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"X-A: b\r\n c\r\n", "X-A: b\r\n\tc\r\n", "X-A: b\n c\n"})
        void obsFoldIs400(String lines) {
            assertEquals(ParseResult.BAD_REQUEST, parseFields(lines));
        }

        @Test
        void whitespaceLineAfterTheRequestLineIs400() {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTP/1.1\r\n Host: a\r\n\r\n"));
        }

        @Test
        void fieldsAtTheLimitAreAccepted() {
            String request = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
            assertEquals(request.length(), parse(request, SMALL));
            assertEquals(SMALL.maxHeaders(), head.headerCount());
        }

        @Test
        void fieldsOverTheLimitAre431() {
            assertEquals(ParseResult.HEADERS_TOO_LARGE,
                    parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", SMALL));
        }

        @Test
        void defaultFieldLimitIs100() {
            StringBuilder fields = new StringBuilder();
            for (int i = 1; i < 100; i++) {
                fields.append("X-").append(i).append(": v\r\n");
            }
            assertTrue(parseFields(fields.toString()) > 0);
            assertEquals(100, head.headerCount());
            assertEquals(ParseResult.HEADERS_TOO_LARGE, parseFields(fields + "X-100: v\r\n"));
        }

        @Test
        void headOfExactlyTheLimitIsAccepted() {
            String start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
            String request = start + Wire.repeat('v', SMALL.maxHeadBytes() - start.length() - 4) + "\r\n\r\n";
            assertEquals(SMALL.maxHeadBytes(), request.length());
            assertEquals(request.length(), parse(request, SMALL));
        }

        @Test
        void headOverTheLimitIs431() {
            String start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
            String request = start + Wire.repeat('v', SMALL.maxHeadBytes() - start.length() - 3) + "\r\n\r\n";
            assertEquals(ParseResult.HEADERS_TOO_LARGE, parse(request, SMALL));
        }

        @Test
        void headOverTheLimitIs431BeforeItEnds() {
            assertEquals(ParseResult.HEADERS_TOO_LARGE,
                    parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + Wire.repeat('v', SMALL.maxHeadBytes()), SMALL));
        }

        @Test
        void leadingEmptyLinesCountTowardsTheHeadLimit() {
            String start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
            String request = start + Wire.repeat('v', SMALL.maxHeadBytes() - start.length() - 4) + "\r\n\r\n";
            assertEquals(SMALL.maxHeadBytes(), request.length());
            assertTrue(parse(request, SMALL) > 0);
            assertEquals(ParseResult.HEADERS_TOO_LARGE, parse("\r\n" + request, SMALL));
        }

        @Test
        void defaultHeadLimitIs16KiB() {
            String filler = "X: " + Wire.repeat('v', 16384) + "\r\n";
            assertEquals(ParseResult.HEADERS_TOO_LARGE, parseFields(filler));
        }

        @Test
        void wellKnownNamesGetTheirIdsInAnyCase() {
            parseFields("content-LENGTH: 0\r\nCONNECTION: x-Trace\r\nX-Forwarded-For: 1.2.3.4\r\nvia: 1.1 p\r\n"
                    + "X-Trace: 1\r\nX-Other: 2\r\n");
            assertEquals(HeaderId.HOST, head.headerId(0));
            assertEquals(HeaderId.CONTENT_LENGTH, head.headerId(1));
            assertEquals(HeaderId.CONNECTION, head.headerId(2));
            assertEquals(HeaderId.X_FORWARDED_FOR, head.headerId(3));
            assertEquals(HeaderId.VIA, head.headerId(4));
            assertEquals(HeaderId.OTHER, head.headerId(5));
            assertEquals(HeaderId.OTHER, head.headerId(6));
        }

        @Test
        void findLocatesTheFirstFieldIgnoringCase() {
            parseFields("X-Api-Key: one\r\nx-api-key: two\r\nX-Api-Ke: no\r\n");
            int index = head.find("x-api-key".getBytes(StandardCharsets.US_ASCII));
            assertEquals(1, index);
            assertEquals("one", value(index));
            assertEquals(0, head.find("host".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(-1, head.find("x-api-keys".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(-1, head.find("x~api-key".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(-1, head.find(new byte[0]));
        }
    }

    @Nested
    class ContentLength {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {"0|0", "5|5", "00012|12", "4611686018427387903|4611686018427387903",
                "7, 7|7", "7,7|7", "7 ,\t7 , 7|7"})
        void validValues(String value, long expected) {
            assertTrue(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + value + "\r\n\r\n") > 0);
            assertEquals(expected, head.contentLength());
            assertEquals(expected > 0, head.hasBody());
            assertFalse(head.isChunked());
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "-1", "+1", "1.0", "12a", "0x10", "1 2", "4611686018427387904",
                "99999999999999999999", "18446744073709551616", "5,", ",5", "5,,5", "5, 6", "\u00B9"})
        void invalidValuesAre400(String value) {
            assertEquals(ParseResult.BAD_REQUEST,
                    parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + value + "\r\n\r\n"));
        }

        @Test
        void repeatedIdenticalFieldsAreAccepted() {
            assertTrue(parseFields("Content-Length: 3\r\ncontent-length: 3\r\n") > 0);
            assertEquals(3, head.contentLength());
        }

        @Test
        void repeatedDifferentFieldsAre400() {
            assertEquals(ParseResult.BAD_REQUEST, parseFields("Content-Length: 3\r\nContent-Length: 4\r\n"));
        }
    }

    @Nested
    class TransferEncoding {
        @ParameterizedTest
        @ValueSource(strings = {"chunked", "CHUNKED", "Chunked", "gzip, chunked", "gzip,chunked",
                "deflate ,\tchunked", "x-gzip;level=1, chunked", "gzip ; a = \"b, c\" , chunked", "compress, x-compress, chunked"})
        void chunkedLastIsAccepted(String value) {
            assertTrue(parseFields("Transfer-Encoding: " + value + "\r\n") > 0);
            assertTrue(head.isChunked());
            assertTrue(head.hasBody());
            assertEquals(-1, head.contentLength());
        }

        @Test
        void codingsMaySpanSeveralFields() {
            assertTrue(parseFields("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n") > 0);
            assertTrue(head.isChunked());
        }

        @ParameterizedTest
        @ValueSource(strings = {"chunked, gzip", "chunked, chunked", "gzip", "deflate", "", "chunked,", ",chunked",
                "gzip,,chunked", "chunked;x=1", "gzip;, chunked", "gzip;a, chunked", "gzip;a=, chunked",
                "gzip;a=\"b, chunked", "chun ked", "\"chunked\"", "chunked\u00E9"})
        void chunkedNotLastOrMalformedIs400(String value) {
            assertEquals(ParseResult.BAD_REQUEST, parseFields("Transfer-Encoding: " + value + "\r\n"));
        }

        @Test
        void chunkedThenAnotherFieldIs400() {
            assertEquals(ParseResult.BAD_REQUEST,
                    parseFields("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"br, chunked", "identity, chunked", "foo;q=1, chunked"})
        void unknownCodingBeforeChunkedIs501(String value) {
            assertEquals(ParseResult.NOT_IMPLEMENTED, parseFields("Transfer-Encoding: " + value + "\r\n"));
        }

        @Test
        void unknownCodingWithoutChunkedIs400() {
            assertEquals(ParseResult.BAD_REQUEST, parseFields("Transfer-Encoding: foo\r\n"));
        }

        @Test
        void transferEncodingInHttp10Is400() {
            assertEquals(ParseResult.BAD_REQUEST,
                    parse("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
        }

        @Test
        void transferEncodingWithContentLengthIs400() {
            assertEquals(ParseResult.BAD_REQUEST,
                    parseFields("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"));
            assertEquals(ParseResult.BAD_REQUEST,
                    parseFields("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"));
        }
    }

    @Nested
    class Host {
        @ParameterizedTest
        @ValueSource(strings = {"example.com", "example.com:8080", "localhost:1", "127.0.0.1", "127.0.0.1:80",
                "[::1]", "[::1]:443", "[2001:db8::1]", "[2001:db8:0:0:0:0:2:1]", "[::ffff:192.0.2.1]",
                "[v1.fe:80]", "ex%41mple", "a-b_c~d!$&'()*+,;=", "a:", "999.1.1.1", "[1:2:3:4:5:6:7::]"})
        void validHostIsAccepted(String host) {
            assertTrue(parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n") > 0);
            assertEquals(0, head.hostIndex());
            assertEquals(host, value(0));
        }

        @ParameterizedTest
        @ValueSource(strings = {"exa mple", "example.com:99999", "example.com:80x", "example.com::80", "[::1",
                "[:::1]", "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[12345::]", "[::1]x", "[::1]:x", "user@host",
                "host/path", "host?q", "ex%4", "ex%zz", ":80", "[]", "[v1]", "[vz.a]", "[::256.1.1.1]",
                "[::01.1.1.1]", "caf\u00E9", "a\tb"})
        void invalidHostIs400(String host) {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
        }

        @Test
        void missingHostInHttp11Is400() {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTP/1.1\r\nX: y\r\n\r\n"));
        }

        @Test
        void repeatedHostIs400() {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"));
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"));
        }

        @Test
        void emptyHostOnlyWithAbsoluteForm() {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET / HTTP/1.1\r\nHost:\r\n\r\n"));
            assertEquals(ParseResult.BAD_REQUEST, parse("CONNECT a:443 HTTP/1.1\r\nHost: \r\n\r\n"));
            assertTrue(parse("GET http://a/ HTTP/1.1\r\nHost:\r\n\r\n") > 0);
            assertEquals(0, head.valueLength(0));
        }

        @Test
        void hostIsStillValidatedWithAbsoluteForm() {
            assertEquals(ParseResult.BAD_REQUEST, parse("GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n"));
        }
    }

    @Nested
    class Connection {
        @Test
        void closeEndsTheConnection() {
            parseFields("Connection: close\r\n");
            assertTrue(head.connectionClose());
            assertFalse(head.keepAlive());
        }

        @Test
        void http10KeepsAliveOnlyWhenAsked() {
            parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
            assertTrue(head.connectionKeepAlive());
            assertTrue(head.keepAlive());
            parse("GET / HTTP/1.0\r\n\r\n");
            assertFalse(head.keepAlive());
        }

        @Test
        void closeWinsOverKeepAlive() {
            parseFields("Connection: keep-alive, close\r\n");
            assertTrue(head.connectionKeepAlive());
            assertFalse(head.keepAlive());
        }

        @Test
        void listedFieldsAreMarkedWhereverTheyAre() {
            parseFields("X-Before: 1\r\nConnection: x-before ,X-AFTER, , upgrade\r\nX-After: 2\r\nX-Other: 3\r\n"
                    + "Upgrade: websocket\r\n");
            assertTrue(head.listedInConnection(1));
            assertFalse(head.listedInConnection(2));
            assertTrue(head.listedInConnection(3));
            assertFalse(head.listedInConnection(4));
            assertTrue(head.listedInConnection(5));
            assertTrue(head.connectionUpgrade());
            assertEquals(5, head.upgradeIndex());
            assertFalse(head.connectionClose());
        }

        @Test
        void optionsMaySpanSeveralFields() {
            parseFields("Connection: keep-alive\r\nConnection: close\r\n");
            assertTrue(head.connectionClose());
            assertTrue(head.connectionKeepAlive());
        }

        @ParameterizedTest
        @ValueSource(strings = {"close;", "close x", "\"close\"", "close, a=b"})
        void optionThatIsNotATokenIs400(String value) {
            assertEquals(ParseResult.BAD_REQUEST, parseFields("Connection: " + value + "\r\n"));
        }

        @Test
        void upgradeWithoutConnectionOptionIsOnlyAnIndex() {
            parseFields("Upgrade: h2c\r\n");
            assertEquals(1, head.upgradeIndex());
            assertFalse(head.connectionUpgrade());
        }
    }

    @Nested
    class Expect {
        @ParameterizedTest
        @ValueSource(strings = {"100-continue", "100-Continue", "100-CONTINUE"})
        void continueIsRecognisedInAnyCase(String value) {
            parse("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: " + value + "\r\n\r\n");
            assertTrue(head.expectContinue());
            assertEquals(2, head.expectIndex());
        }

        @ParameterizedTest
        @ValueSource(strings = {"foo", "100-continue, foo", "100-continued", ""})
        void otherExpectationsAreOnlyAnIndex(String value) {
            parseFields("Expect: " + value + "\r\n");
            assertFalse(head.expectContinue());
            assertEquals(1, head.expectIndex());
        }

        @Test
        void oneUnknownExpectationAmongSeveralFieldsSpoilsContinue() {
            parseFields("Expect: 100-continue\r\nExpect: foo\r\n");
            assertFalse(head.expectContinue());
            assertEquals(1, head.expectIndex());
        }

        @Test
        void continueIsIgnoredInHttp10() {
            parse("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
            assertFalse(head.expectContinue());
            assertEquals(0, head.expectIndex());
        }
    }

    @Nested
    class Pipelining {
        @Test
        void firstParseReturnsExactlyTheFirstHead() {
            String second = "POST /b HTTP/1.1\r\nHost: b\r\nContent-Length: 5\r\n\r\nhello";
            byte[] bytes = Wire.bytes(WRK + second);
            UnsafeBuffer buf = Wire.direct(bytes.length + 8);
            Wire.load(buf, 4, bytes, bytes.length);
            head.reset();
            int first = head.parse(buf, 4, bytes.length, HeadLimits.DEFAULT);
            assertEquals(WRK.length(), first);
            head.reset();
            int next = head.parse(buf, 4 + first, bytes.length - first, HeadLimits.DEFAULT);
            assertEquals(second.length() - "hello".length(), next);
            assertEquals("/b", path());
            assertEquals(5, head.contentLength());
        }

        @Test
        void headsBackToBackAgreeEveryWay() {
            HeadFeeding.Outcome outcome = HeadFeeding.everyWay(HeadFeeding.request(head), Wire.bytes(WRK + WRK),
                    HeadLimits.DEFAULT);
            assertEquals(WRK.length(), outcome.result());
        }

        @Test
        void resultIsStickyUntilReset() {
            byte[] bytes = Wire.bytes(WRK + "bad\r\n");
            UnsafeBuffer buf = Wire.direct(bytes.length);
            Wire.load(buf, 0, bytes, bytes.length);
            head.reset();
            assertEquals(WRK.length(), head.parse(buf, 0, bytes.length, HeadLimits.DEFAULT));
            assertEquals(WRK.length(), head.parse(buf, 0, bytes.length, HeadLimits.DEFAULT));
            head.reset();
            assertEquals(ParseResult.BAD_REQUEST, head.parse(buf, WRK.length(), bytes.length - WRK.length(),
                    HeadLimits.DEFAULT));
            assertEquals(ParseResult.BAD_REQUEST, head.parse(buf, 0, bytes.length, HeadLimits.DEFAULT));
        }
    }
}
