package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Locale;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The word-at-a-time helpers agree with plain byte-by-byte code: case folding for any bytes,
 * name comparison for any lengths (telling apart "^" and "~", which a sloppy fold would merge),
 * and the value, target, token, host-name and byte scans for any bytes.
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
    void wordAtATimeScansStopWhereByteScansStop() {
        Gen<byte[]> runs = in -> {
            byte[] bytes = new byte[HttpGenerators.between(in, 0, 40)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly valid bytes, so that the scans run long before they stop.
                int kind = HttpGenerators.between(in, 0, 19);
                bytes[i] = (byte) (kind == 0 ? HttpGenerators.between(in, 0, 0xFF)
                        : kind < 6 ? HttpGenerators.pick(in, HttpGenerators.TCHARS)
                        : kind < 10 ? HttpGenerators.pick(in, HttpGenerators.HOST_CHARS)
                        : HttpGenerators.between(in, 0x21, 0x7E));
            }
            return bytes;
        };
        qt().withExamples(5000).forAll(runs).checkAssert(bytes -> {
            UnsafeBuffer buf = new UnsafeBuffer(new byte[bytes.length + 2]);
            buf.putBytes(1, bytes);
            int to = 1 + bytes.length;
            int field = 1;
            while (field < to && HttpChars.isFieldChar(buf.getByte(field))) {
                field++;
            }
            int target = 1;
            while (target < to && HttpChars.isTargetChar(buf.getByte(target))) {
                target++;
            }
            int token = 1;
            while (token < to && HttpChars.isToken(buf.getByte(token))) {
                token++;
            }
            int question = 1;
            while (question < to && buf.getByte(question) != '?') {
                question++;
            }
            assertEquals(field, HttpChars.skipFieldChars(buf, 1, to));
            assertEquals(target, HttpChars.skipTargetChars(buf, 1, to));
            assertEquals(token, HttpChars.skipToken(buf, 1, to));
            assertEquals(question, HttpChars.indexOf(buf, 1, to, HttpChars.QUESTION));
            int hostWords = HttpChars.skipHostNameWords(buf, 1, to);
            assertEquals(0, (hostWords - 1) % Long.BYTES);
            for (int i = 1; i < hostWords; i++) {
                byte b = buf.getByte(i);
                assertTrue(Character.isLetterOrDigit(b) && b < 0x80 || b == '-' || b == '.', () -> "byte " + b);
            }
            if (hostWords + Long.BYTES <= to) {
                boolean wholeWord = true;
                for (int i = hostWords; i < hostWords + Long.BYTES; i++) {
                    byte b = buf.getByte(i);
                    wholeWord &= b >= 0 && (Character.isLetterOrDigit(b) || b == '-' || b == '.');
                }
                assertFalse(wholeWord, "stopped before a word of host-name bytes");
            }
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
