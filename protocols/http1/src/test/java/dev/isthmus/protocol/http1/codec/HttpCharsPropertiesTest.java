package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Locale;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The word-at-a-time name comparison agrees with plain byte-by-byte ASCII case folding, for any
 * bytes and any lengths, and tells apart names that only a sloppy fold would merge ("^" and "~").
 */
class HttpCharsPropertiesTest {
    @Test
    void foldingAWordFoldsEachByte() {
        qt().forAll(longs().all()).checkAssert(word -> {
            long expected = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                int b = (int) (word >>> (i * 8)) & 0xFF;
                int lower = b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
                expected |= (long) lower << (i * 8);
            }
            assertEquals(expected, HttpChars.toLowerCase(word));
        });
    }

    @Test
    void regionsCompareLikeLowerCasedStrings() {
        Gen<String[]> pairs = in -> {
            String a = HttpGenerators.string(in, HttpGenerators.TCHARS, 0, 40);
            StringBuilder b = new StringBuilder();
            for (char c : a.toCharArray()) {
                int roll = HttpGenerators.between(in, 0, 19);
                b.append(roll == 0 ? HttpGenerators.pick(in, "^~_-aA") : roll < 10 ? Character.toUpperCase(c) : c);
            }
            return new String[] {a, b.toString()};
        };
        qt().withExamples(3000).forAll(pairs).checkAssert(pair -> {
            UnsafeBuffer a = new UnsafeBuffer(Wire.bytes("xy" + pair[0]));
            UnsafeBuffer b = new UnsafeBuffer(Wire.bytes("z" + pair[1]));
            boolean expected = pair[0].toLowerCase(Locale.ROOT).equals(pair[1].toLowerCase(Locale.ROOT));
            assertEquals(expected, HttpChars.equalsIgnoreCase(a, 2, b, 1, pair[0].length()),
                    () -> pair[0] + " vs " + pair[1]);
        });
    }
}
