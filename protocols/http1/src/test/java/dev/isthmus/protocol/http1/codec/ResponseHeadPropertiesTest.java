package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Properties of {@link ResponseHead}: generated valid heads parse to what was generated;
 * hostile bytes and mutated heads end in a length, NEED_MORE or 502, however fragmented.
 */
class ResponseHeadPropertiesTest {
    private static final String VALID_PREFIX = "HTTP/1.1 200 OK\r\nServer: s\r\n";
    private static final Gen<Integer> CUTS = integers().between(0, 10_000);

    private final ResponseHead head = new ResponseHead();
    private final HeadFeeding.Parser parser = HeadFeeding.response(head);

    private String text(int offset, int length) {
        return Wire.text(head.buffer(), offset, length);
    }

    @Test
    void validHeadsParseToWhatWasGenerated() {
        qt().withExamples(2000).forAll(HttpGenerators.responses(), CUTS, CUTS).checkAssert((response, a, b) -> {
            byte[] wire = Wire.bytes(response.wire());
            HeadFeeding.Outcome fragmented = HeadFeeding.prefixes(parser, wire, HeadLimits.DEFAULT,
                    RequestHeadPropertiesTest.cut(wire, Math.min(a, b)), RequestHeadPropertiesTest.cut(wire, Math.max(a, b)));
            HeadFeeding.Outcome whole = HeadFeeding.whole(parser, wire, HeadLimits.DEFAULT);
            assertEquals(wire.length, whole.result());
            assertEquals(whole, fragmented);
            assertEquals(response.status(), head.status());
            assertEquals(response.minor(), head.versionMinor());
            assertEquals(response.reason(), text(head.reasonOffset(), head.reasonLength()));
            assertEquals(response.fields().size(), head.headerCount());
            StringBuilder again = new StringBuilder("HTTP/1.").append(head.versionMinor()).append(' ')
                    .append(head.status()).append(' ').append(text(head.reasonOffset(), head.reasonLength()))
                    .append("\r\n");
            for (int i = 0; i < head.headerCount(); i++) {
                again.append(text(head.nameOffset(i), head.nameLength(i))).append(": ")
                        .append(text(head.valueOffset(i), head.valueLength(i))).append("\r\n");
            }
            assertEquals(response.canonical(), again.append("\r\n").toString());
        });
    }

    @Test
    void hostileBytesEndInACleanResult() {
        qt().withExamples(5000).forAll(HttpGenerators.hostileText(VALID_PREFIX), HttpGenerators.limits(), CUTS, CUTS)
                .checkAssert((text, limits, a, b) -> assertClean(Wire.bytes(text.text()), limits, a, b));
    }

    @Test
    void mutatedValidHeadsEndInACleanResult() {
        Gen<HttpGenerators.Text> mutated = in -> new HttpGenerators.Text(
                HttpGenerators.mutate(in, HttpGenerators.responses().generate(in).wire()));
        qt().withExamples(5000).forAll(mutated, HttpGenerators.limits(), CUTS, CUTS)
                .checkAssert((text, limits, a, b) -> assertClean(Wire.bytes(text.text()), limits, a, b));
    }

    private void assertClean(byte[] input, HeadLimits limits, int a, int b) {
        HeadFeeding.Outcome whole = HeadFeeding.whole(parser, input, limits);
        int result = whole.result();
        assertTrue(result >= 0 || result == ParseResult.BAD_GATEWAY, () -> "unexpected result " + result);
        assertTrue(result <= Math.min(input.length, limits.maxHeadBytes()), () -> "length " + result);
        HeadFeeding.Outcome fragmented = HeadFeeding.prefixes(parser, input, limits,
                RequestHeadPropertiesTest.cut(input, Math.min(a, b)), RequestHeadPropertiesTest.cut(input, Math.max(a, b)));
        assertEquals(whole, fragmented);
    }
}
