package dev.isthmus.protocol.mqtt.broker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The last retained message per topic (MQTT 5.0 §3.3.1.3), in a tree of topic levels, so that
 * a new subscription finds its retained messages by walking the tree with its filter instead
 * of testing every stored topic.
 *
 * <p><b>Threading.</b> Single-threaded, like {@link TopicTrie}: one replica per event loop, no
 * locks. Callbacks of {@link #matching} and {@link #removeIf} must not change the store; doing so
 * throws {@link IllegalStateException}.
 *
 * <p><b>Hot path.</b> Retained PUBLISHes can be frequent (devices republishing their state), so
 * {@link #put(DirectBuffer, int, int, Object)}, {@link #get(DirectBuffer, int, int)} and
 * {@link #remove(DirectBuffer, int, int)} take the topic as UTF-8 bytes and allocate nothing when
 * the topic is already stored; a new topic allocates its missing levels. The String overloads
 * encode first and are meant for tests, administration and restoring persisted state.
 *
 * <p><b>Deletion and expiry.</b> A retained PUBLISH with an empty payload deletes: the broker
 * calls {@link #remove}. Message expiry is the broker's: it keeps the expiry time in {@code M},
 * skips expired messages in its {@link #matching} consumer, and sweeps them out now and then with
 * {@link #removeIf}. Emptied levels are pruned, so the tree holds only paths to stored topics.
 *
 * <p>Topics are expected to be valid Topic Names (see {@link TopicMatch#isValidTopicName}); the
 * String overloads check, the buffer overloads trust the codec.
 *
 * @param <M> the stored message (payload, properties, expiry, and its topic if the broker needs
 *            it back, since {@link #matching} hands over only messages)
 */
public final class RetainedStore<M> {
    private static final byte[] NO_BYTES = new byte[0];

    private final Node<M> root = new Node<>();
    private final UnsafeBuffer topicBuffer = new UnsafeBuffer(NO_BYTES);
    private int size;
    private int nodeCount;
    private boolean walking;

    /**
     * Stores {@code message} as the topic's retained message, replacing the previous one.
     *
     * @return the message replaced, or null
     * @throws IllegalArgumentException if {@code topic} is not a valid Topic Name
     */
    public M put(String topic, M message) {
        requireTopicName(topic);
        Objects.requireNonNull(message, "message");
        byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        topicBuffer.wrap(bytes);
        try {
            return put(topicBuffer, 0, bytes.length, message);
        } finally {
            topicBuffer.wrap(NO_BYTES);
        }
    }

    /**
     * Stores {@code message} for the topic {@code buffer[offset, offset + length)} (UTF-8, a
     * valid Topic Name). Allocates only the levels not stored yet.
     *
     * @return the message replaced, or null
     */
    public M put(DirectBuffer buffer, int offset, int length, M message) {
        requireIdle();
        Objects.requireNonNull(message, "message");
        Node<M> node = root;
        int limit = offset + length;
        int pos = offset;
        while (true) {
            long scan = LevelNode.scan(buffer, pos, limit);
            int end = LevelNode.end(scan);
            Node<M> child = node.child(buffer, pos, end - pos, LevelNode.hash(scan));
            if (child == null) {
                child = new Node<>(buffer, pos, end - pos, LevelNode.hash(scan));
                node.addChild(child);
                nodeCount++;
            }
            node = child;
            if (end == limit) {
                break;
            }
            pos = end + 1;
        }
        M previous = node.message;
        node.message = message;
        if (previous == null) {
            size++;
        }
        return previous;
    }

    /** The topic's retained message, or null. */
    public M get(String topic) {
        if (!TopicMatch.isValidTopicName(topic)) {
            return null;
        }
        Node<M> node = find(topic);
        return node == null ? null : node.message;
    }

    /** The retained message of the topic {@code buffer[offset, offset + length)}, or null. Allocates nothing. */
    public M get(DirectBuffer buffer, int offset, int length) {
        Node<M> node = find(buffer, offset, length);
        return node == null ? null : node.message;
    }

    /**
     * Deletes the topic's retained message, as a retained PUBLISH with an empty payload asks.
     *
     * @return the message removed, or null if there was none
     */
    public M remove(String topic) {
        requireIdle();
        if (!TopicMatch.isValidTopicName(topic)) {
            return null;
        }
        return removeAt(find(topic));
    }

    /** {@link #remove(String)} for a topic in UTF-8 bytes. Allocates nothing. */
    public M remove(DirectBuffer buffer, int offset, int length) {
        requireIdle();
        return removeAt(find(buffer, offset, length));
    }

    /**
     * Hands every retained message whose topic matches {@code filter} to {@code consumer}, with
     * the rules of {@link TopicMatch#matches}: {@code +} one level, {@code #} the parent level
     * and everything below, and no {@code '$'} topics for a filter starting with a wildcard.
     * The walk follows the filter's literal levels down the tree and fans out only at
     * wildcards. Order is unspecified.
     *
     * <p>A {@code $share/} filter gets nothing: shared subscriptions take no retained messages
     * (MQTT 5.0 §4.8.2).
     *
     * @return the messages handed over
     * @throws IllegalArgumentException if {@code filter} is not a valid Topic Filter
     */
    public int matching(String filter, Consumer<? super M> consumer) {
        requireIdle();
        if (filter.startsWith(TopicTrie.SHARE_PREFIX)) {
            return 0;
        }
        if (!TopicMatch.isValidTopicFilter(filter)) {
            throw new IllegalArgumentException("invalid topic filter: " + filter);
        }
        byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        // Split once into levels: starts, ends, and hashes of the literal ones.
        int levels = 1;
        for (byte b : bytes) {
            if (b == '/') {
                levels++;
            }
        }
        UnsafeBuffer filterBuffer = new UnsafeBuffer(bytes);
        int[] starts = new int[levels];
        int[] ends = new int[levels];
        int[] hashes = new int[levels];
        int pos = 0;
        for (int level = 0; level < levels; level++) {
            long scan = LevelNode.scan(filterBuffer, pos, bytes.length);
            starts[level] = pos;
            ends[level] = LevelNode.end(scan);
            hashes[level] = LevelNode.hash(scan);
            pos = ends[level] + 1;
        }

        walking = true;
        try {
            int handed = 0;
            ArrayDeque<Step<M>> steps = new ArrayDeque<>();
            steps.push(new Step<>(root, 0));
            while (!steps.isEmpty()) {
                Step<M> step = steps.pop();
                Node<M> node = step.node();
                int depth = step.depth();
                if (depth == levels) {
                    if (node.message != null) {
                        consumer.accept(node.message);
                        handed++;
                    }
                    continue;
                }
                boolean atRoot = node == root;
                int start = starts[depth];
                int length = ends[depth] - start;
                if (length == 1 && bytes[start] == '#') {
                    // '#' matches the parent level too: "a/#" takes the message on "a".
                    if (!atRoot && node.message != null) {
                        consumer.accept(node.message);
                        handed++;
                    }
                    handed += handDescendants(node, atRoot, consumer);
                } else if (length == 1 && bytes[start] == '+') {
                    Object[] table = node.childTable();
                    if (table != null) {
                        for (Object entry : table) {
                            @SuppressWarnings("unchecked")
                            Node<M> child = (Node<M>) entry;
                            if (child != null && !(atRoot && child.levelStartsWithDollar())) {
                                steps.push(new Step<>(child, depth + 1));
                            }
                        }
                    }
                } else {
                    Node<M> child = node.child(filterBuffer, start, length, hashes[depth]);
                    if (child != null) {
                        steps.push(new Step<>(child, depth + 1));
                    }
                }
            }
            return handed;
        } finally {
            walking = false;
        }
    }

    /**
     * Removes every retained message the predicate accepts (expired ones, say) and prunes the
     * levels left empty. Visits the whole store: meant for an occasional sweep, not per message.
     *
     * @return the messages removed
     */
    public int removeIf(Predicate<? super M> predicate) {
        requireIdle();
        List<Node<M>> emptied = new ArrayList<>();
        walking = true;
        try {
            List<Node<M>> pending = new ArrayList<>();
            pending.add(root);
            while (!pending.isEmpty()) {
                Node<M> node = pending.remove(pending.size() - 1);
                if (node.message != null && predicate.test(node.message)) {
                    emptied.add(node);
                }
                addChildren(node, false, pending);
            }
        } finally {
            walking = false;
        }
        for (Node<M> node : emptied) {
            node.message = null;
            size--;
        }
        for (Node<M> node : emptied) {
            // A node already pruned below a deeper emptied one has lost its parent.
            if (node.parent != null) {
                prune(node);
            }
        }
        return emptied.size();
    }

    /** Stored retained messages. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Levels stored below the root: 0 once every message is gone. */
    public int nodeCount() {
        return nodeCount;
    }

    private Node<M> find(String topic) {
        byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
        topicBuffer.wrap(bytes);
        try {
            return find(topicBuffer, 0, bytes.length);
        } finally {
            topicBuffer.wrap(NO_BYTES);
        }
    }

    private Node<M> find(DirectBuffer buffer, int offset, int length) {
        Node<M> node = root;
        int limit = offset + length;
        int pos = offset;
        while (true) {
            long scan = LevelNode.scan(buffer, pos, limit);
            int end = LevelNode.end(scan);
            node = node.child(buffer, pos, end - pos, LevelNode.hash(scan));
            if (node == null || end == limit) {
                return node;
            }
            pos = end + 1;
        }
    }

    private M removeAt(Node<M> node) {
        if (node == null || node.message == null) {
            return null;
        }
        M previous = node.message;
        node.message = null;
        size--;
        prune(node);
        return previous;
    }

    private void prune(Node<M> node) {
        while (node != root && node.message == null && node.childCount() == 0) {
            Node<M> parent = node.parent;
            parent.removeChild(node);
            nodeCount--;
            node = parent;
        }
    }

    /** Hands over the messages of every node below {@code top}, skipping '$' children of the root. */
    private int handDescendants(Node<M> top, boolean atRoot, Consumer<? super M> consumer) {
        int handed = 0;
        List<Node<M>> pending = new ArrayList<>();
        addChildren(top, atRoot, pending);
        while (!pending.isEmpty()) {
            Node<M> node = pending.remove(pending.size() - 1);
            if (node.message != null) {
                consumer.accept(node.message);
                handed++;
            }
            addChildren(node, false, pending);
        }
        return handed;
    }

    @SuppressWarnings("unchecked")
    private static <M> void addChildren(Node<M> node, boolean skipDollar, List<Node<M>> into) {
        Object[] table = node.childTable();
        if (table == null) {
            return;
        }
        for (Object entry : table) {
            if (entry != null && !(skipDollar && ((Node<M>) entry).levelStartsWithDollar())) {
                into.add((Node<M>) entry);
            }
        }
    }

    private static void requireTopicName(String topic) {
        if (!TopicMatch.isValidTopicName(topic)) {
            throw new IllegalArgumentException("invalid topic name: " + topic);
        }
    }

    private void requireIdle() {
        if (walking) {
            throw new IllegalStateException("the store cannot change while matching or removeIf walks it");
        }
    }

    /** A node of the tree reached with the filter's first {@code depth} levels matched. */
    private record Step<M>(Node<M> node, int depth) {
    }

    /** One topic level and the retained message of the topic ending here, if any. */
    static final class Node<M> extends LevelNode<Node<M>> {
        M message;

        /** The root. */
        Node() {
        }

        Node(DirectBuffer buffer, int offset, int length, int levelHash) {
            super(buffer, offset, length, levelHash);
        }
    }

    @Override
    public String toString() {
        return "RetainedStore[" + size + " messages, " + nodeCount + " levels]";
    }
}
