package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Properties of {@link ResponseHead}: generated valid heads parse to what was generated;
 * hostile bytes and mutated heads end in a length, NEED_MORE or 502, however fragmented.
 */
class ResponseHeadPropertiesTest {
    private static final String VALID_PREFIX = "HTTP/1.1 200 OK\r\nServer: s\r\n";
    private static final Gen<Integer> CUTS = HttpGenerators.cuts();

    private final ResponseHead head = new ResponseHead();
    private final HeadFeeding.Parser parser = HeadFeeding.response(head);

    private String text(int offset, int length) {
        return Wire.text(head.buffer(), offset, length);
    }

    @Test
    void validHeadsParseToWhatWasGenerated() {
        qt().withExamples(2000).forAll(HttpGenerators.responses(), CUTS, CUTS).checkAssert((response, a, b) -> {
            byte[] wire = Wire.bytes(response.wire());
            assertEquals(wire.length, HeadFeeding.cutAndWhole(parser, wire, HeadLimits.DEFAULT, a, b).result());
            assertEquals(response.status(), head.status());
            assertEquals(response.minor(), head.versionMinor());
            assertEquals(response.reason(), text(head.reasonOffset(), head.reasonLength()));
            assertEquals(response.fields().size(), head.headerCount());
            String again = "HTTP/1." + head.versionMinor() + ' ' + head.status() + ' '
                    + text(head.reasonOffset(), head.reasonLength()) + "\r\n" + Describe.fieldLines(head) + "\r\n";
            assertEquals(response.canonical(), again);
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
                HttpGenerators.mutated(HttpGenerators.responses().map(HttpGenerators.Response::wire));
        qt().withExamples(5000).forAll(mutated, HttpGenerators.limits(), CUTS, CUTS)
                .checkAssert((text, limits, a, b) -> assertClean(Wire.bytes(text.text()), limits, a, b));
    }

    private void assertClean(byte[] input, HeadLimits limits, int a, int b) {
        int result = HeadFeeding.cutAndWhole(parser, input, limits, a, b).result();
        assertTrue(result >= 0 || result == ParseResult.BAD_GATEWAY, () -> "unexpected result " + result);
        assertTrue(result <= Math.min(input.length, limits.maxHeadBytes()), () -> "length " + result);
    }
}
