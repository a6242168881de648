package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The chunked-body rules; every input also goes through {@link ChunkedFeeding#everyWay}. */
class ChunkedDecoderTest {
    private static final HeadLimits SMALL_TRAILERS = new HeadLimits(256, 32, 4, 16);

    private static ChunkedFeeding.Outcome scan(String body) {
        return ChunkedFeeding.everyWay(Wire.bytes(body), HeadLimits.DEFAULT);
    }

    private static void assertBody(String body, long dataBytes) {
        ChunkedFeeding.Outcome outcome = scan(body);
        assertEquals(body.length(), outcome.result(), body);
        assertTrue(outcome.complete());
        assertEquals(dataBytes, outcome.dataBytes());
    }

    private static void assertMalformed(String body) {
        assertEquals(ParseResult.BAD_REQUEST, scan(body).result(), body);
    }

    @Test
    void singleChunk() {
        assertBody("5\r\nhello\r\n0\r\n\r\n", 5);
    }

    @Test
    void emptyBody() {
        assertBody("0\r\n\r\n", 0);
        assertBody("000\r\n\r\n", 0);
    }

    @Test
    void severalChunksWithHexSizesInAnyCase() {
        assertBody("a\r\n0123456789\r\nB\r\nhello world\r\n01\r\n!\r\n0\r\n\r\n", 22);
    }

    @Test
    void chunkDataMayHoldAnyByte() {
        assertBody("6\r\n\r\n0\r\n\u0000\r\n0\r\n\r\n", 6);
    }

    @Test
    void bareLineFeedsAreLineEnds() {
        assertBody("5\nhello\n0\n\n", 5);
        assertBody("5\r\nhello\n0\nX: y\n\r\n", 5);
    }

    @Test
    void scanStopsExactlyAtTheEndOfTheBody() {
        String body = "3\r\nabc\r\n0\r\n\r\n";
        ChunkedFeeding.Outcome outcome = scan(body + "GET / HTTP/1.1\r\n\r\n");
        assertEquals(body.length(), outcome.result());
        assertTrue(outcome.complete());
        assertEquals(3, outcome.dataBytes());
    }

    @Test
    void scanAfterTheEndConsumesNothing() {
        ChunkedDecoder decoder = new ChunkedDecoder();
        byte[] bytes = Wire.bytes("0\r\n\r\nnext");
        UnsafeBuffer buf = Wire.direct(bytes.length);
        buf.putBytes(0, bytes);
        assertEquals(5, decoder.scan(buf, 0, bytes.length));
        assertEquals(0, decoder.scan(buf, 5, bytes.length - 5));
        assertTrue(decoder.isComplete());
    }

    @Test
    void incompleteBodyConsumesEverythingAndCountsData() {
        ChunkedFeeding.Outcome outcome = scan("a\r\n01234");
        assertEquals(ParseResult.NEED_MORE, outcome.result());
        assertFalse(outcome.complete());
        assertEquals(5, outcome.dataBytes());
        assertEquals(ParseResult.NEED_MORE, scan("5\r\nhello\r\n0\r\nX: y\r\n").result());
        assertEquals(ParseResult.NEED_MORE, scan("3fffffffffffffff\r\n").result());
    }

    @Test
    void sizeHasAtMostSixteenDigitsAndStaysBelowTwoToThe62() {
        assertBody("0000000000000001\r\nx\r\n0\r\n\r\n", 1);
        assertMalformed("00000000000000001\r\nx\r\n0\r\n\r\n");
        assertMalformed("4000000000000000\r\n");
        assertMalformed("ffffffffffffffff\r\n");
        assertMalformed("10000000000000000\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\r\nhello\r\n0\r\n\r\n", ";a\r\n", "x\r\n", "0x5\r\nhello\r\n", "-5\r\n", " 5\r\n",
            "5 \r\nhello\r\n0\r\n\r\n", "5\t\r\n", "5\rX", "5\r\r\n", "5g\r\n", "+5\r\n"})
    void malformedSizeLine(String body) {
        assertMalformed(body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"5;a\r\nhello\r\n0\r\n\r\n", "5;a=b\r\nhello\r\n0\r\n\r\n",
            "5 ; a = b ;c\r\nhello\r\n0\r\n\r\n", "5;a=\"q s;\\\"x\\\\\"\r\nhello\r\n0\r\n\r\n",
            "5\t;\ta\t=\t\"\u00E9\"\r\nhello\r\n0\r\n\r\n", "5;a;b;c=d\r\nhello\r\n0;last=1\r\n\r\n",
            "5;a=\"\" ;b\r\nhello\r\n0\r\n\r\n", "5;a ;b\r\nhello\r\n0\r\n\r\n"})
    void extensionsAreAccepted(String body) {
        assertBody(body, 5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"5;\r\n", "5;=b\r\n", "5;a=\r\n", "5;a=\"b\r\n", "5;a=\"b\u0001\"\r\n", "5;a=b\u0001\r\n",
            "5;a\u0001\r\n", "5;a=\"b\rc\"\r\n", "5;a\rb\r\n", "5;a=b c\r\n", "5;a=b \r\n", "5;a \r\n",
            "5;a=\"b\" c\r\n", "5;a=\"b\\\u0001\"\r\n", "5;a@b\r\n", "5;a=b=c\r\n", "5;a\u007F\r\n", "5;;a\r\n"})
    void malformedExtensions(String line) {
        assertMalformed(line + "hello\r\n0\r\n\r\n");
    }

    @Test
    void extensionsAreLimitedPerLine() {
        String atLimit = ";" + Wire.repeat('e', ChunkedDecoder.MAX_EXTENSION_BYTES - 1);
        String body = "1" + atLimit + "\r\nx\r\n1" + atLimit + "\r\ny\r\n0" + atLimit + "\r\n\r\n";
        assertBody(body, 2);
        assertMalformed("1" + atLimit + "e\r\nx\r\n0\r\n\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"5\r\nhelloX\r\n0\r\n\r\n", "5\r\nhello\rX0\r\n\r\n", "5\r\nhello\r\r\n0\r\n\r\n",
            "5\r\nhello 0\r\n\r\n", "5\r\nhello0\r\n\r\n"})
    void chunkDataMustEndWithALineEnd(String body) {
        assertMalformed(body);
    }

    @Test
    void trailerFieldsAreAccepted() {
        assertBody("5\r\nhello\r\n0\r\nX-Sum: abc\r\nX-Empty:\r\nx-t:  v\u00E9 w \r\n\r\n", 5);
    }

    @ParameterizedTest
    @ValueSource(strings = {" X: y\r\n", "X : y\r\n", ": y\r\n", "X: y\r\n z\r\n", "X: a\u0001b\r\n", "X: a\rb\r\n",
            "X y\r\n", "X(: y\r\n", "X: y\r\r\n", "\r\r\n", "\tX: y\r\n", "X: \u007F\r\n"})
    void malformedTrailers(String trailer) {
        assertMalformed("0\r\n" + trailer + "\r\n");
    }

    @Test
    void trailerSectionIsLimited() {
        String fits = "X: " + Wire.repeat('v', SMALL_TRAILERS.maxTrailerBytes() - 5) + "\r\n";
        String body = "0\r\n" + fits + "\r\n";
        ChunkedFeeding.Outcome outcome = ChunkedFeeding.everyWay(Wire.bytes(body), SMALL_TRAILERS);
        assertEquals(body.length(), outcome.result());
        outcome = ChunkedFeeding.everyWay(Wire.bytes("0\r\nX" + fits + "\r\n"), SMALL_TRAILERS);
        assertEquals(ParseResult.BAD_REQUEST, outcome.result());
        outcome = ChunkedFeeding.everyWay(Wire.bytes("0\r\n" + fits + "Y: z\r\n\r\n"), SMALL_TRAILERS);
        assertEquals(ParseResult.BAD_REQUEST, outcome.result());
    }

    @Test
    void failureIsStickyUntilReset() {
        ChunkedDecoder decoder = new ChunkedDecoder();
        byte[] bytes = Wire.bytes("z\r\n0\r\n\r\n");
        UnsafeBuffer buf = Wire.direct(bytes.length);
        buf.putBytes(0, bytes);
        assertEquals(ParseResult.BAD_REQUEST, decoder.scan(buf, 0, bytes.length));
        assertEquals(ParseResult.BAD_REQUEST, decoder.scan(buf, 3, bytes.length - 3));
        decoder.reset(HeadLimits.DEFAULT);
        assertEquals(bytes.length - 3, decoder.scan(buf, 3, bytes.length - 3));
        assertTrue(decoder.isComplete());
    }

    @Test
    void zeroLengthScanConsumesNothing() {
        ChunkedDecoder decoder = new ChunkedDecoder();
        assertEquals(0, decoder.scan(Wire.direct(4), 0, 0));
        assertFalse(decoder.isComplete());
    }
}
