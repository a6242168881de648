package dev.isthmus.protocol.mqtt.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The word-at-a-time level scan agrees with splitting on '/' byte by byte, wherever the topic
 * sits in its buffer and whatever follows it, and the hash of a level depends on its bytes
 * only: the same level scanned in different places, or stored in a node, hashes the same.
 */
class LevelNodeTest {
    /** Bytes that matter to the scan: '/', its neighbours, high bytes, and zero (never in a topic, but bytes after it may be). */
    private static final byte[] ALPHABET = {'/', '.', '0', 'a', 'z', '$', (byte) 0xC3, (byte) 0xA9, (byte) 0x80, (byte) 0xFF,
            (byte) 0xAF, 0x2E, 0x30};

    private static final class Node extends LevelNode<Node> {
        Node(UnsafeBuffer buffer, int offset, int length, int hash) {
            super(buffer, offset, length, hash);
        }
    }

    @Test
    void scanFindsEveryLevelEndAndHashesByContentOnly() {
        Gen<byte[]> topics = in -> {
            byte[] bytes = new byte[TopicGenerators.between(in, 0, 40)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly non-slash bytes so that levels get longer than a word.
                bytes[i] = TopicGenerators.between(in, 0, 5) == 0 ? (byte) '/'
                        : ALPHABET[TopicGenerators.between(in, 1, ALPHABET.length - 1)];
            }
            return bytes;
        };
        Gen<byte[]> after = in -> {
            byte[] bytes = new byte[TopicGenerators.between(in, 0, 9)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = ALPHABET[TopicGenerators.between(in, 0, ALPHABET.length - 1)];
            }
            return bytes;
        };
        qt().withExamples(5000).forAll(topics, integers().between(0, 9), after)
                .checkAssert((topic, offset, trailing) -> {
                    UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + topic.length + trailing.length]);
                    buffer.putBytes(offset, topic);
                    buffer.putBytes(offset + topic.length, trailing);
                    // The reference: levels split byte by byte, each hashed alone in a buffer of its own.
                    List<Integer> ends = new ArrayList<>();
                    for (int i = 0; i < topic.length; i++) {
                        if (topic[i] == '/') {
                            ends.add(offset + i);
                        }
                    }
                    ends.add(offset + topic.length);
                    int limit = offset + topic.length;
                    int pos = offset;
                    for (int end : ends) {
                        long scan = LevelNode.scan(buffer, pos, limit);
                        assertEquals(end, LevelNode.end(scan));
                        byte[] level = new byte[end - pos];
                        buffer.getBytes(pos, level);
                        UnsafeBuffer alone = new UnsafeBuffer(level);
                        long aloneScan = LevelNode.scan(alone, 0, level.length);
                        assertEquals(LevelNode.hash(aloneScan), LevelNode.hash(scan), "the hash depends on the bytes only");
                        Node node = new Node(alone, 0, level.length, LevelNode.hash(aloneScan));
                        assertTrue(node.levelEquals(buffer, pos, end - pos));
                        if (level.length > 0) {
                            assertFalse(node.levelEquals(buffer, pos, end - pos - 1));
                        }
                        pos = end + 1;
                    }
                });
    }

    @Test
    void levelsDifferingInOneByteHashApart() {
        // Many levels that differ only in their last byte must spread over a small table.
        int distinct = 0;
        Set<Integer> slots = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            byte[] level = ("device-" + (char) ('0' + i)).getBytes(StandardCharsets.ISO_8859_1);
            long scan = LevelNode.scan(new UnsafeBuffer(level), 0, level.length);
            if (slots.add(LevelNode.hash(scan) & 127)) {
                distinct++;
            }
        }
        assertTrue(distinct > 40, "64 such levels took only " + distinct + " of 128 slots");
    }
}
