package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.util.Set;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Properties of {@link RequestHead}: generated valid heads parse to exactly what was generated
 * and re-serialise to their canonical bytes; hostile bytes and mutated heads always end in a
 * clean result; and the result never depends on how the bytes were fragmented.
 */
class RequestHeadPropertiesTest {
    private static final Set<Integer> ERRORS = Set.of(ParseResult.BAD_REQUEST, ParseResult.URI_TOO_LONG,
            ParseResult.HEADERS_TOO_LARGE, ParseResult.NOT_IMPLEMENTED, ParseResult.VERSION_NOT_SUPPORTED);
    private static final String VALID_PREFIX = "GET /a?b HTTP/1.1\r\nHost: h\r\n";
    private static final Gen<Integer> CUTS = HttpGenerators.cuts();

    private final RequestHead head = new RequestHead();
    private final HeadFeeding.Parser parser = HeadFeeding.request(head);

    private String text(int offset, int length) {
        return Wire.text(head.buffer(), offset, length);
    }

    @Test
    void validHeadsParseToWhatWasGenerated() {
        qt().withExamples(2000).forAll(HttpGenerators.requests(), CUTS, CUTS).checkAssert((request, a, b) -> {
            byte[] wire = Wire.bytes(request.wire());
            assertEquals(wire.length, HeadFeeding.cutAndWhole(parser, wire, HeadLimits.DEFAULT, a, b).result());

            assertEquals(request.style().leading().length(), head.methodOffset() - HeadFeeding.FIRST_OFFSET);
            assertEquals(request.method(), text(head.methodOffset(), head.methodLength()));
            assertEquals(request.methodCode(), head.method());
            assertEquals(request.target(), text(head.targetOffset(), head.targetLength()));
            assertEquals(request.path(), text(head.pathOffset(), head.pathLength()));
            assertEquals(RequestHead.ORIGIN_FORM, head.targetForm());
            assertEquals(request.minor(), head.versionMinor());
            assertEquals(request.fields().size(), head.headerCount());
            for (int i = 0; i < head.headerCount(); i++) {
                assertEquals(request.fields().get(i).name(), text(head.nameOffset(i), head.nameLength(i)));
                assertEquals(request.fields().get(i).value(), text(head.valueOffset(i), head.valueLength(i)));
            }
            assertEquals(request.hostIndex(), head.hostIndex());
            assertEquals(request.contentLength(), head.contentLength());
            assertEquals(request.chunked(), head.isChunked());
            assertEquals(request.chunked() || request.contentLength() > 0, head.hasBody());
            assertEquals(request.keepAlive(), head.keepAlive());

            String again = text(head.methodOffset(), head.methodLength()) + ' '
                    + text(head.targetOffset(), head.targetLength())
                    + " HTTP/1." + head.versionMinor() + "\r\n" + Describe.fieldLines(head) + "\r\n";
            assertEquals(request.canonical(), again);
            if (request.style().canonical()) {
                assertArrayEquals(wire, Wire.bytes(again));
            }
        });
    }

    @Test
    void hostileBytesEndInACleanResult() {
        qt().withExamples(5000).forAll(HttpGenerators.hostileText(VALID_PREFIX), HttpGenerators.limits(), CUTS, CUTS)
                .checkAssert((text, limits, a, b) -> assertClean(Wire.bytes(text.text()), limits, a, b));
    }

    @Test
    void mutatedValidHeadsEndInACleanResult() {
        Gen<HttpGenerators.Text> mutated =
                HttpGenerators.mutated(HttpGenerators.requests().map(HttpGenerators.Request::wire));
        qt().withExamples(5000).forAll(mutated, HttpGenerators.limits(), CUTS, CUTS)
                .checkAssert((text, limits, a, b) -> assertClean(Wire.bytes(text.text()), limits, a, b));
    }

    private void assertClean(byte[] input, HeadLimits limits, int a, int b) {
        int result = HeadFeeding.cutAndWhole(parser, input, limits, a, b).result();
        assertTrue(result >= 0 || ERRORS.contains(result), () -> "unexpected result " + result);
        assertTrue(result <= Math.min(input.length, limits.maxHeadBytes()), () -> "length " + result);
    }
}
