package dev.isthmus.tools.bench;

import java.nio.charset.StandardCharsets;

/**
 * A topic with emqtt-bench's variables: a topic level that is exactly {@code %i} (the client's
 * sequence number), {@code %c} (its client id), {@code %u} (the user name) or {@code %s} (the
 * sequence number of the message, 1 for the first message the process publishes) is replaced.
 * As in emqtt-bench, variables are whole levels: {@code bench/%i} expands, {@code bench/dev%i}
 * does not; {@code %u} stays as it is without a user name.
 */
public final class TopicTemplate {
    private final String[] levels;
    private final boolean perMessage;

    public TopicTemplate(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("the topic is empty");
        }
        this.levels = topic.split("/", -1);
        boolean s = false;
        for (String level : levels) {
            s |= level.equals("%s");
        }
        this.perMessage = s;
    }

    /** Whether the topic has {@code %s} and so differs per message. */
    public boolean perMessage() {
        return perMessage;
    }

    /** The topic of client {@code seq}; a {@code %s} level stays for {@link #expandMessage}. */
    public String expandClient(long seq, String clientId, String userName) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < levels.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            String level = levels[i];
            switch (level) {
                case "%i" -> out.append(seq);
                case "%c" -> out.append(clientId);
                case "%u" -> out.append(userName != null ? userName : level);
                default -> out.append(level);
            }
        }
        return out.toString();
    }

    /** A client's topic (from {@link #expandClient}) for message number {@code messageSeq}. */
    public static String expandMessage(String clientTopic, long messageSeq) {
        String[] parts = clientTopic.split("/", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(parts[i].equals("%s") ? Long.toString(messageSeq) : parts[i]);
        }
        return out.toString();
    }

    /**
     * Writes the per-message topic into {@code out} without allocating (the client part is
     * pre-split into the bytes before and after the one {@code %s} level).
     */
    static final class MessageTopic {
        private final byte[] before;
        private final byte[] after;
        final byte[] buffer;
        int length;

        MessageTopic(String clientTopic) {
            int at = indexOfLevel(clientTopic);
            before = clientTopic.substring(0, at).getBytes(StandardCharsets.UTF_8);
            after = clientTopic.substring(at + 2).getBytes(StandardCharsets.UTF_8);
            buffer = new byte[before.length + after.length + 20];
            System.arraycopy(before, 0, buffer, 0, before.length);
        }

        private static int indexOfLevel(String topic) {
            String[] parts = topic.split("/", -1);
            int at = 0;
            for (String part : parts) {
                if (part.equals("%s")) {
                    return at;
                }
                at += part.length() + 1;
            }
            throw new IllegalArgumentException("no %s level in " + topic);
        }

        /** Fills {@link #buffer}[0, {@link #length}) with the topic of message {@code seq}. */
        void set(long seq) {
            int p = before.length;
            p = putDecimal(buffer, p, seq);
            System.arraycopy(after, 0, buffer, p, after.length);
            length = p + after.length;
        }

        private static int putDecimal(byte[] out, int at, long value) {
            int digits = 1;
            for (long v = value; v >= 10; v /= 10) {
                digits++;
            }
            int end = at + digits;
            long v = value;
            for (int i = end - 1; i >= at; i--) {
                out[i] = (byte) ('0' + (v % 10));
                v /= 10;
            }
            return end;
        }
    }
}
