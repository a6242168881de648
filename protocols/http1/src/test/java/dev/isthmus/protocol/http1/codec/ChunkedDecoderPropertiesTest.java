package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * Properties of {@link ChunkedDecoder}: random payloads chunked with random sizes, extensions
 * and trailers, followed by the next message, are consumed exactly up to the body's end and
 * report the payload's size, however the bytes are fragmented; hostile bytes end in a clean
 * result.
 */
class ChunkedDecoderPropertiesTest {
    private static final String QUOTABLE = " \t!#$%&'()*+,-./:;<=>?@[]^_`{|}~az09\u0080\u00FF";
    private static final String NEXT_MESSAGE = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";

    /** A chunked body on the wire, then whatever the connection carries after it. */
    record Encoded(String body, String after, int payloadLength) {
        String wire() {
            return body + after;
        }

        @Override
        public String toString() {
            return HttpGenerators.Escape.of(wire());
        }
    }

    record Fragmented(Encoded encoded, List<Integer> sizes) {
    }

    private static String bws(RandomnessSource in) {
        return HttpGenerators.between(in, 0, 3) == 0 ? HttpGenerators.string(in, " \t", 1, 2) : "";
    }

    private static String extensions(RandomnessSource in) {
        StringBuilder out = new StringBuilder();
        int count = HttpGenerators.between(in, 0, 3);
        for (int i = 0; i < count; i++) {
            out.append(bws(in)).append(';').append(bws(in)).append(HttpGenerators.token(in, 8));
            if (HttpGenerators.flip(in)) {
                out.append(bws(in)).append('=').append(bws(in));
                if (HttpGenerators.flip(in)) {
                    out.append(HttpGenerators.token(in, 8));
                } else {
                    out.append('"');
                    int length = HttpGenerators.between(in, 0, 10);
                    for (int c = 0; c < length; c++) {
                        if (HttpGenerators.between(in, 0, 5) == 0) {
                            out.append('\\').append(HttpGenerators.pick(in, QUOTABLE + "\"\\"));
                        } else {
                            out.append(HttpGenerators.pick(in, QUOTABLE));
                        }
                    }
                    out.append('"');
                }
            }
        }
        return out.toString();
    }

    private static String size(RandomnessSource in, int size) {
        String hex = Integer.toHexString(size);
        hex = HttpGenerators.flip(in) ? hex.toUpperCase(Locale.ROOT) : hex;
        return "0".repeat(HttpGenerators.between(in, 0, Math.min(3, ChunkedDecoder.MAX_SIZE_DIGITS - hex.length()))) + hex;
    }

    static Gen<Encoded> bodies() {
        return in -> {
            int payloadLength = HttpGenerators.between(in, 0, 3000);
            StringBuilder out = new StringBuilder();
            int sent = 0;
            while (sent < payloadLength) {
                int chunk = HttpGenerators.between(in, 1, Math.min(500, payloadLength - sent));
                out.append(size(in, chunk)).append(extensions(in)).append(HttpGenerators.lineEnd(in));
                for (int i = 0; i < chunk; i++) {
                    out.append((char) HttpGenerators.between(in, 0, 0xFF));
                }
                out.append(HttpGenerators.lineEnd(in));
                sent += chunk;
            }
            out.append("0".repeat(HttpGenerators.between(in, 1, 3))).append(extensions(in))
                    .append(HttpGenerators.lineEnd(in));
            int trailers = HttpGenerators.between(in, 0, 3);
            for (int i = 0; i < trailers; i++) {
                out.append(HttpGenerators.token(in, 12)).append(':').append(HttpGenerators.ows(in))
                        .append(HttpGenerators.fieldValue(in, 30)).append(HttpGenerators.ows(in))
                        .append(HttpGenerators.lineEnd(in));
            }
            out.append(HttpGenerators.lineEnd(in));
            String after = switch (HttpGenerators.between(in, 0, 2)) {
                case 0 -> "";
                case 1 -> NEXT_MESSAGE;
                default -> HttpGenerators.string(in, HttpGenerators.INTERESTING, 1, 20);
            };
            return new Encoded(out.toString(), after, payloadLength);
        };
    }

    /** Sizes of up to eight random fragments covering {@code length} bytes. */
    private static List<Integer> fragmentSizes(RandomnessSource in, int length) {
        TreeSet<Integer> cuts = new TreeSet<>();
        int count = HttpGenerators.between(in, 0, 8);
        for (int i = 0; i < count && length > 1; i++) {
            cuts.add(HttpGenerators.between(in, 1, length - 1));
        }
        List<Integer> sizes = new ArrayList<>();
        int previous = 0;
        for (int cut : cuts) {
            sizes.add(cut - previous);
            previous = cut;
        }
        sizes.add(length - previous);
        return sizes;
    }

    private static Gen<Fragmented> fragmented(Gen<Encoded> encoded) {
        return in -> {
            Encoded body = encoded.generate(in);
            return new Fragmented(body, fragmentSizes(in, body.wire().length()));
        };
    }

    @Test
    void encodedBodiesAreConsumedExactly() {
        qt().withExamples(1000).forAll(fragmented(bodies())).checkAssert(sample -> {
            byte[] wire = Wire.bytes(sample.encoded().wire());
            ChunkedFeeding.Outcome outcome = ChunkedFeeding.fragments(wire, HeadLimits.DEFAULT, sample.sizes());
            assertEquals(sample.encoded().body().length(), outcome.result());
            assertTrue(outcome.complete());
            assertEquals(sample.encoded().payloadLength(), outcome.dataBytes());
            assertEquals(outcome, ChunkedFeeding.whole(wire, HeadLimits.DEFAULT));
        });
    }

    @Test
    void hostileBytesEndInACleanResult() {
        Gen<Encoded> hostile = in -> new Encoded(
                HttpGenerators.hostileText(HttpGenerators.flip(in) ? "5\r\nhello\r\n" : "0\r\n").generate(in).text(), "", 0);
        qt().withExamples(5000).forAll(fragmented(hostile)).checkAssert(sample -> assertClean(sample));
    }

    @Test
    void mutatedBodiesEndInACleanResult() {
        Gen<Encoded> mutated = in -> new Encoded(HttpGenerators.mutate(in, bodies().generate(in).wire()), "", 0);
        qt().withExamples(3000).forAll(fragmented(mutated)).checkAssert(sample -> assertClean(sample));
    }

    private static void assertClean(Fragmented sample) {
        byte[] wire = Wire.bytes(sample.encoded().wire());
        ChunkedFeeding.Outcome whole = ChunkedFeeding.whole(wire, HeadLimits.DEFAULT);
        int result = whole.result();
        assertTrue(result == ParseResult.BAD_REQUEST || (result >= 0 && result <= wire.length), () -> "result " + result);
        assertEquals(result > 0, whole.complete());
        ChunkedFeeding.Outcome fragmented = ChunkedFeeding.fragments(wire, HeadLimits.DEFAULT, sample.sizes());
        assertEquals(whole.result(), fragmented.result());
        assertEquals(whole.complete(), fragmented.complete());
    }
}
