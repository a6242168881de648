package dev.isthmus.protocol.mqtt.codec;

import static dev.isthmus.protocol.mqtt.codec.MqttGenerators.between;
import static dev.isthmus.protocol.mqtt.codec.MqttGenerators.flip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The data representations against independent references: the UTF-8 check agrees with the
 * JDK's strict decoder (plus the U+0000 rule) on near-UTF-8 byte strings of every length and
 * alignment, topic names and filters agree with a split-on-'/' reading of the rules, and
 * variable byte integers round-trip at every length.
 */
class MqttWirePropertiesTest {
    private static final String[] PIECES = {"a", "b", "/", "+", "#", "$share/", "é", "€", "\uD834\uDD1E", "\u0000",
        "\uFFFF", "abcdefgh", "\u007F"};

    /** Near-UTF-8: encoded strings with an occasional raw byte, cut or flipped. */
    private static Gen<byte[]> nearUtf8() {
        return in -> {
            StringBuilder s = new StringBuilder();
            int n = between(in, 0, 24);
            for (int i = 0; i < n; i++) {
                s.append(PIECES[between(in, 0, PIECES.length - 1)]);
            }
            byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
            if (bytes.length > 0 && flip(in)) {
                int at = between(in, 0, bytes.length - 1);
                bytes[at] = switch (between(in, 0, 3)) {
                    case 0 -> (byte) between(in, 0x80, 0xFF);
                    case 1 -> (byte) (bytes[at] ^ (1 << between(in, 0, 7)));
                    case 2 -> (byte) 0xED;
                    default -> (byte) 0xC0;
                };
            }
            if (bytes.length > 0 && between(in, 0, 4) == 0) {
                bytes = Arrays.copyOf(bytes, between(in, 0, bytes.length - 1));
            }
            return bytes;
        };
    }

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return s.indexOf('\u0000') < 0;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The bytes at a random offset of a buffer padded with bytes that would change the answer if read. */
    private static UnsafeBuffer placed(byte[] bytes, int offset) {
        UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(offset + bytes.length + 8));
        buf.setMemory(0, buf.capacity(), (byte) 0);
        buf.putBytes(offset, bytes);
        return buf;
    }

    @Test
    void utf8CheckAgreesWithTheJdk() {
        qt().withExamples(20_000).forAll(nearUtf8()).checkAssert(bytes -> {
            int offset = bytes.length % 8;
            boolean ours = MqttWire.checkUtf8(placed(bytes, offset), offset, bytes.length) == 0;
            assertEquals(jdkAccepts(bytes), ours, () -> Hex.of(bytes));
        });
    }

    @Test
    void topicNameCheckIsUtf8WithoutWildcards() {
        qt().withExamples(20_000).forAll(nearUtf8()).checkAssert(bytes -> {
            int result = MqttWire.checkTopicName(placed(bytes, 3), 3, bytes.length);
            boolean wildcard = false;
            for (byte b : bytes) {
                wildcard |= b == '+' || b == '#';
            }
            if (!jdkAccepts(bytes)) {
                // Either failure may be reported, depending on which comes first.
                assertEquals(true, result == MqttWire.MALFORMED || (wildcard && result == MqttWire.TOPIC_NAME_INVALID));
            } else {
                assertEquals(wildcard ? MqttWire.TOPIC_NAME_INVALID : 0, result, () -> Hex.of(bytes));
            }
        });
    }

    /** The rules of §4.7.1 and §4.8.2, read level by level. */
    private static boolean referenceFilterValid(String filter) {
        if (filter.isEmpty()) {
            return false;
        }
        String f = filter;
        if (f.startsWith("$share/")) {
            String rest = f.substring("$share/".length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                return false;
            }
            String group = rest.substring(0, slash);
            if (group.contains("+") || group.contains("#")) {
                return false;
            }
            f = rest.substring(slash + 1);
            if (f.isEmpty()) {
                return false;
            }
        }
        String[] levels = f.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                return false;
            }
            if (level.contains("+") && !level.equals("+")) {
                return false;
            }
        }
        return true;
    }

    @Test
    void topicFilterCheckAgreesWithTheLevelRules() {
        Gen<String> filters = in -> {
            StringBuilder s = new StringBuilder();
            int n = between(in, 0, 10);
            for (int i = 0; i < n; i++) {
                s.append(PIECES[between(in, 0, 7)]);
            }
            return s.toString();
        };
        qt().withExamples(20_000).forAll(filters).checkAssert(filter -> {
            byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
            boolean ours = MqttWire.checkTopicFilter(placed(bytes, 1), 1, bytes.length) == 0;
            assertEquals(referenceFilterValid(filter), ours, filter);
        });
    }

    @Test
    void variableByteIntegersRoundTripAtEveryLength() {
        int[] edges = {0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, MqttWire.MAX_VARIABLE_BYTE_INTEGER};
        UnsafeBuffer buf = Hex.direct(8);
        for (int value : edges) {
            int n = MqttWire.putVbi(buf, 0, value);
            assertEquals(MqttWire.vbiLength(value), n);
            assertEquals(value | ((long) n << 32), MqttWire.vbi(buf, 0, n));
            assertEquals(MqttWire.MALFORMED, MqttWire.vbi(buf, 0, n - 1), "truncated");
        }
        qt().withExamples(5000).forAll(org.quicktheories.generators.SourceDSL.integers()
                .between(0, MqttWire.MAX_VARIABLE_BYTE_INTEGER)).checkAssert(value -> {
            int n = MqttWire.putVbi(buf, 0, value);
            assertEquals(value | ((long) n << 32), MqttWire.vbi(buf, 0, 8));
        });
    }
}
