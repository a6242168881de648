package dev.isthmus.protocol.mqtt.broker;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;

/** Test glue: string topics into buffers, with bytes around them so offsets are exercised. */
final class Topics {
    private static final int PAD = 3;

    private Topics() {
    }

    /** The topic in UTF-8, {@link #PAD} bytes into a buffer with slashes around it. */
    static UnsafeBuffer buffer(String topic) {
        byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[bytes.length + 2 * PAD]);
        buffer.setMemory(0, buffer.capacity(), (byte) '/');
        buffer.putBytes(PAD, bytes);
        return buffer;
    }

    /** The topic in UTF-8 filling a buffer exactly: nothing to read past its end. */
    static UnsafeBuffer tightBuffer(String topic) {
        return new UnsafeBuffer(topic.getBytes(StandardCharsets.UTF_8));
    }

    static int length(String topic) {
        return topic.getBytes(StandardCharsets.UTF_8).length;
    }

    static <S> int match(TopicTrie<S> trie, String topic, TopicTrie.Visitor<S> visitor) {
        return trie.match(buffer(topic), PAD, length(topic), visitor);
    }
}
