package dev.isthmus.protocol.mqtt.bridge;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.isthmus.core.config.BridgeTopicConfig;
import dev.isthmus.protocol.mqtt.broker.TopicMatch;

/**
 * A bridge's topic entries at work: which entry a message falls under, and its topic on the
 * other side, as mosquitto maps it: the prefix of the side it comes from is taken off (when the
 * topic starts with it) and the other side's prefix put on. The first matching entry, in the
 * configured order, decides. Immutable.
 */
final class BridgeTopics {
    private final BridgeTopicConfig[] out;
    private final BridgeTopicConfig[] in;

    BridgeTopics(List<BridgeTopicConfig> topics) {
        this.out = topics.stream().filter(t -> t.direction().out()).toArray(BridgeTopicConfig[]::new);
        this.in = topics.stream().filter(t -> t.direction().in()).toArray(BridgeTopicConfig[]::new);
    }

    /**
     * The remote topic (UTF-8) of a message published locally on {@code topic}, or null when no
     * {@code out} entry matches; {@code utf8} (the topic's own bytes) comes back as it is when the
     * entry maps nothing.
     */
    byte[] remoteTopic(String topic, byte[] utf8) {
        for (BridgeTopicConfig entry : out) {
            if (TopicMatch.matches(entry.localFilter(), topic)) {
                return remap(topic, utf8, entry.localPrefix(), entry.remotePrefix());
            }
        }
        return null;
    }

    /** The local topic (UTF-8) of a message the remote broker sent on {@code topic}, or null when no {@code in} entry matches. */
    byte[] localTopic(String topic) {
        for (BridgeTopicConfig entry : in) {
            if (TopicMatch.matches(entry.remoteFilter(), topic)) {
                return remap(topic, null, entry.remotePrefix(), entry.localPrefix());
            }
        }
        return null;
    }

    private static byte[] remap(String topic, byte[] utf8, String from, String to) {
        if (from.isEmpty() && to.isEmpty()) {
            return utf8 != null ? utf8 : topic.getBytes(StandardCharsets.UTF_8);
        }
        String rest = !from.isEmpty() && topic.startsWith(from) ? topic.substring(from.length()) : topic;
        return (to + rest).getBytes(StandardCharsets.UTF_8);
    }
}
