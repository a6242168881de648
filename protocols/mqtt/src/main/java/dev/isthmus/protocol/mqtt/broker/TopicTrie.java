package dev.isthmus.protocol.mqtt.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The subscriptions of an MQTT broker, keyed by Topic Filter, and the match of a published
 * topic against all of them (MQTT 5.0 §4.7, shared subscriptions §4.8.2).
 *
 * <p><b>Threading.</b> Single-threaded by design: each event loop keeps its own replica and
 * applies subscribe and unsubscribe to it; there are no locks and no volatile fields. The
 * visitor of {@link #match} must not change the trie nor match again from inside the walk
 * (defer such work until {@code match} returns); both throw {@link IllegalStateException}.
 *
 * <p><b>Matching</b> is the hot path and allocates nothing: the topic comes as UTF-8 bytes in
 * a {@link DirectBuffer}, each level is hashed while scanning for its {@code '/'}, eight bytes
 * at a time, and looked up in the node's child table against stored level words (see
 * {@code LevelNode}); a level is scanned once per match however many branches (exact,
 * {@code +}) reach it. The walk is iterative, with a stack for the branches not taken yet that
 * is sized when filters are added, so deep topics cannot overflow the thread's stack. Each
 * matching filter is visited once; a subscriber that matches through several filters is
 * visited once per filter, and the broker merges (highest QoS, every subscription identifier).
 *
 * <p><b>Node layout.</b> Literal levels live in an open-addressing table per node; the
 * wildcard levels {@code +} and {@code #} are two fields of the node, so a match tries them
 * without a lookup. A node holds the plain subscriptions on its filter (subscriber and options
 * in parallel arrays, indexed by a hash map once there are many) and the shared groups on it.
 * Nodes left without subscriptions and children are pruned at once by {@link #unsubscribe}.
 *
 * <p><b>Shared subscriptions</b> are filters of the form {@code $share/{ShareName}/{filter}}:
 * each group (ShareName and filter) gets a message once, offered round-robin to its members
 * through {@link Visitor#offerShared}, which may decline so the next member is offered it (see
 * {@link SharedGroup}). No-local is not allowed on them (MQTT-3.8.3-4). A {@code $share/} filter
 * is always taken as shared; a broker speaking MQTT 3.1.1 to the client decides itself whether
 * to allow that.
 *
 * <p>Subscribers are told apart by {@code equals}/{@code hashCode}, which must not change while
 * subscribed: session objects with identity equality are ideal.
 *
 * @param <S> the subscriber, e.g. the broker's session object
 */
public final class TopicTrie<S> {
    /** Prefix of a shared subscription's filter. */
    public static final String SHARE_PREFIX = "$share/";

    private static final byte[] NO_BYTES = new byte[0];
    /** Returned by {@link #shareName} for a broken {@code $share/} filter; compared by identity. */
    private static final String MALFORMED_SHARE = new String("malformed $share");

    /**
     * Receives the subscriptions a published topic matches. Implement it on a long-lived object
     * of the broker (not a capturing lambda per message) to keep the publish path allocation-free.
     *
     * @param <S> the subscriber type
     */
    @FunctionalInterface
    public interface Visitor<S> {
        /** A plain subscription matched: deliver, unless the broker's own rules (no-local, ...) say otherwise. */
        void visit(S subscriber, SubscriptionOptions options);

        /**
         * The message is offered to this member of a shared group, the next in round-robin order.
         * Return true to take it, or false (the session's queue is full, it is offline and the
         * broker prefers a connected member, ...) to have it offered to the following member.
         * Each member is offered a message at most once. By default every offer is taken and
         * delivered through {@link #visit}.
         */
        default boolean offerShared(S member, SubscriptionOptions options, SharedGroup<S> group) {
            visit(member, options);
            return true;
        }

        /**
         * Every member of the group declined the message; it is not delivered to the group unless
         * the broker does something here (queue it for a member of its choosing, count a drop).
         */
        default void sharedGroupDeclined(SharedGroup<S> group) {
        }
    }

    private final Node<S> root = new Node<>();
    /** Wraps a filter's bytes for the lookups of subscribe and unsubscribe. */
    private final UnsafeBuffer filterBuffer = new UnsafeBuffer(NO_BYTES);

    private int size;
    private int sharedGroupCount;
    private int nodeCount;
    /** Levels of the deepest filter ever added: bounds the match stack. */
    private int maxDepth;
    private boolean matching;

    /** The match walk's pending nodes and their depths (levels of the topic consumed to reach them). */
    private Node<S>[] stackNodes = newNodeArray(8);
    private int[] stackDepths = new int[8];
    /**
     * The topic's levels scanned so far in the current match, one {@link LevelNode#scan}
     * result per level: nodes at the same depth share a level, which is scanned once.
     */
    private long[] levelScans = new long[8];

    /**
     * Adds a subscription, or replaces the options of the subscriber's existing subscription
     * on exactly this filter (MQTT-3.8.4-3).
     *
     * @param filter     a Topic Filter, or {@code $share/{ShareName}/{filter}}
     * @return true if a subscription of {@code subscriber} on {@code filter} existed and was
     *         replaced (what retain handling 1 needs to know), false if it is new
     * @throws IllegalArgumentException for an invalid filter or ShareName, or no-local on a
     *                                  shared subscription
     */
    public boolean subscribe(String filter, S subscriber, SubscriptionOptions options) {
        requireIdle();
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(options, "options");
        String shareName = shareName(filter);
        if (shareName == MALFORMED_SHARE) {
            throw new IllegalArgumentException("shared subscription needs $share/{ShareName}/{filter} with a ShareName"
                    + " free of wildcards: " + filter);
        }
        String plainFilter = plainFilter(filter, shareName);
        if (shareName != null && options.noLocal()) {
            throw new IllegalArgumentException("no-local on a shared subscription: " + filter);
        }
        if (!TopicMatch.isValidTopicFilter(plainFilter)) {
            throw new IllegalArgumentException("invalid topic filter: " + filter);
        }
        Node<S> node = find(plainFilter, true);
        if (shareName == null) {
            if (node.subscribers == null) {
                node.subscribers = new SubscriberList<>();
            }
            int i = node.subscribers.indexOf(subscriber);
            if (i >= 0) {
                node.subscribers.options[i] = options;
                return true;
            }
            node.subscribers.add(subscriber, options);
        } else {
            SharedGroup<S> group = node.group(shareName);
            if (group == null) {
                group = new SharedGroup<>(shareName, plainFilter);
                node.addGroup(group);
                sharedGroupCount++;
            }
            if (group.put(subscriber, options)) {
                return true;
            }
        }
        size++;
        return false;
    }

    /**
     * Removes the subscriber's subscription on exactly {@code filter} (a {@code $share/} filter
     * leaves that group) and prunes the nodes it leaves empty. Costs a walk down the filter's
     * levels and a constant-time removal (O(members) for a shared group), so the broker can
     * unsubscribe a closing session from each of its filters.
     *
     * @return true if there was such a subscription; false also for a filter that is not valid
     */
    public boolean unsubscribe(String filter, S subscriber) {
        requireIdle();
        Objects.requireNonNull(subscriber, "subscriber");
        String shareName = shareName(filter);
        if (shareName == MALFORMED_SHARE) {
            return false;
        }
        String plainFilter = plainFilter(filter, shareName);
        if (!TopicMatch.isValidTopicFilter(plainFilter)) {
            return false;
        }
        Node<S> node = find(plainFilter, false);
        if (node == null) {
            return false;
        }
        if (shareName == null) {
            SubscriberList<S> subscribers = node.subscribers;
            int i = subscribers == null ? -1 : subscribers.indexOf(subscriber);
            if (i < 0) {
                return false;
            }
            subscribers.removeSwapping(i);
            if (subscribers.count == 0) {
                node.subscribers = null;
            }
        } else {
            SharedGroup<S> group = node.group(shareName);
            if (group == null || !group.remove(subscriber)) {
                return false;
            }
            if (group.size() == 0) {
                node.removeGroup(group);
                sharedGroupCount--;
            }
        }
        size--;
        prune(node);
        return true;
    }

    /**
     * The options of the subscriber's subscription on exactly {@code filter}, or null if it has
     * none (or the filter is not valid).
     */
    public SubscriptionOptions get(String filter, S subscriber) {
        String shareName = shareName(filter);
        if (shareName == MALFORMED_SHARE) {
            return null;
        }
        String plainFilter = plainFilter(filter, shareName);
        if (!TopicMatch.isValidTopicFilter(plainFilter)) {
            return null;
        }
        Node<S> node = find(plainFilter, false);
        if (node == null) {
            return null;
        }
        if (shareName != null) {
            SharedGroup<S> group = node.group(shareName);
            return group == null ? null : group.optionsOf(subscriber);
        }
        SubscriberList<S> subscribers = node.subscribers;
        int i = subscribers == null ? -1 : subscribers.indexOf(subscriber);
        return i < 0 ? null : subscribers.options[i];
    }

    /**
     * Visits every subscription whose filter matches the topic {@code buffer[offset, offset + length)}:
     * each plain subscription through {@link Visitor#visit}, and for each matching shared group
     * one member through {@link Visitor#offerShared} (see {@link SharedGroup} for the order).
     * Allocates nothing.
     *
     * @param buffer the topic as UTF-8, already a valid Topic Name (no wildcards, no U+0000)
     * @return the matching subscriptions: plain subscriptions plus shared groups (counted once
     *         each, whether or not a member took the message); 0 means "no matching subscribers"
     */
    public int match(DirectBuffer buffer, int offset, int length, Visitor<S> visitor) {
        requireIdle();
        matching = true;
        try {
            return walk(buffer, offset, length, visitor);
        } finally {
            matching = false;
        }
    }

    /** Subscriptions in the trie: plain ones plus shared group memberships. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Shared groups in the trie (each ShareName and filter pair with at least one member). */
    public int sharedGroupCount() {
        return sharedGroupCount;
    }

    /** Nodes below the root: one per distinct filter level path; 0 once every subscription is gone. */
    public int nodeCount() {
        return nodeCount;
    }

    /**
     * Depth-first over the nodes the topic reaches. The walk follows one branch in local
     * variables and stacks only the alternative where a level has both a literal child and a
     * {@code +} child, so the common single path costs no stack traffic.
     */
    private int walk(DirectBuffer buffer, int offset, int length, Visitor<S> visitor) {
        final int limit = offset + length;
        // MQTT-4.7.2-1: a first level starting with '$' is hidden from the root's wildcards.
        final boolean dollar = length > 0 && buffer.getByte(offset) == '$';
        final long[] scans = levelScans;
        Node<S>[] nodes = stackNodes;
        int[] depths = stackDepths;
        int top = 0;
        int scanned = 0;
        int matched = 0;
        Node<S> node = root;
        int depth = 0;
        // End of the level above the node (the '/' before its level), or offset - 1 at the root.
        int previousEnd = offset - 1;
        while (true) {
            Node<S> next = null;
            if (depth > 0 && previousEnd == limit) {
                // The whole topic is consumed: the node's own filter matches, and so does
                // "{filter}/#", since '#' also matches its parent level.
                matched += deliver(node, visitor);
                if (node.multi != null) {
                    matched += deliver(node.multi, visitor);
                }
            } else {
                // "a/" has two levels, the second empty: a '/' right before the limit leaves a level to match.
                int start = previousEnd + 1;
                boolean wildcards = depth > 0 || !dollar;
                Node<S> multi = node.multi;
                if (wildcards && multi != null) {
                    matched += deliver(multi, visitor);
                }
                Node<S> plus = wildcards ? node.plus : null;
                if (plus != null || node.childCount() != 0) {
                    // A node with children is above the deepest filter level: depth < maxDepth <= scans.length.
                    if (scanned == depth) {
                        scans[depth] = LevelNode.scan(buffer, start, limit);
                        scanned++;
                    }
                    long scan = scans[depth];
                    int end = LevelNode.end(scan);
                    Node<S> child = node.child(buffer, start, end - start, LevelNode.hash(scan));
                    if (child != null && plus != null) {
                        if (top == nodes.length) {
                            growStack(top + 1);
                            nodes = stackNodes;
                            depths = stackDepths;
                        }
                        nodes[top] = plus;
                        depths[top] = depth + 1;
                        top++;
                    }
                    next = child != null ? child : plus;
                    previousEnd = end;
                }
            }
            if (next != null) {
                node = next;
                depth++;
                continue;
            }
            if (top == 0) {
                return matched;
            }
            top--;
            node = nodes[top];
            depth = depths[top];
            nodes[top] = null;
            previousEnd = LevelNode.end(scans[depth - 1]);
        }
    }

    private static <S> int deliver(Node<S> node, Visitor<S> visitor) {
        int matched = 0;
        SubscriberList<S> subscribers = node.subscribers;
        if (subscribers != null) {
            Object[] members = subscribers.subscribers;
            SubscriptionOptions[] options = subscribers.options;
            int count = subscribers.count;
            for (int i = 0; i < count; i++) {
                @SuppressWarnings("unchecked")
                S subscriber = (S) members[i];
                visitor.visit(subscriber, options[i]);
            }
            matched = count;
        }
        SharedGroup<S>[] groups = node.groups;
        int groupCount = node.groupCount;
        for (int g = 0; g < groupCount; g++) {
            groups[g].offer(visitor);
        }
        return matched + groupCount;
    }

    /** The node of a valid plain filter, created with its path if {@code create}, else null if absent. */
    private Node<S> find(String filter, boolean create) {
        byte[] bytes = filter.getBytes(StandardCharsets.UTF_8);
        UnsafeBuffer buffer = filterBuffer;
        buffer.wrap(bytes);
        try {
            Node<S> node = root;
            int depth = 0;
            int pos = 0;
            while (true) {
                long scan = LevelNode.scan(buffer, pos, bytes.length);
                int end = LevelNode.end(scan);
                int length = end - pos;
                Node<S> next;
                if (length == 1 && bytes[pos] == '+') {
                    next = node.plus;
                    if (next == null && create) {
                        next = new Node<>(buffer, pos, length, LevelNode.hash(scan), Node.PLUS);
                        next.parent = node;
                        node.plus = next;
                        nodeCount++;
                    }
                } else if (length == 1 && bytes[pos] == '#') {
                    next = node.multi;
                    if (next == null && create) {
                        next = new Node<>(buffer, pos, length, LevelNode.hash(scan), Node.MULTI);
                        next.parent = node;
                        node.multi = next;
                        nodeCount++;
                    }
                } else {
                    next = node.child(buffer, pos, length, LevelNode.hash(scan));
                    if (next == null && create) {
                        next = new Node<>(buffer, pos, length, LevelNode.hash(scan), Node.LITERAL);
                        node.addChild(next);
                        nodeCount++;
                    }
                }
                if (next == null) {
                    return null;
                }
                node = next;
                depth++;
                if (end == bytes.length) {
                    break;
                }
                pos = end + 1;
            }
            if (create && depth > maxDepth) {
                maxDepth = depth;
                // A pending entry per level at most, plus the one being expanded; a scan per level.
                if (stackNodes.length < depth + 2) {
                    growStack(depth + 2);
                }
                if (levelScans.length < depth + 1) {
                    levelScans = Arrays.copyOf(levelScans, Math.max(depth + 1, levelScans.length * 2));
                }
            }
            return node;
        } finally {
            buffer.wrap(NO_BYTES);
        }
    }

    /** Removes {@code node} and then its ancestors for as long as they hold nothing. */
    private void prune(Node<S> node) {
        while (node != root && node.isEmpty()) {
            Node<S> parent = node.parent;
            switch (node.kind) {
                case Node.PLUS -> {
                    parent.plus = null;
                    node.parent = null;
                }
                case Node.MULTI -> {
                    parent.multi = null;
                    node.parent = null;
                }
                default -> parent.removeChild(node);
            }
            nodeCount--;
            node = parent;
        }
    }

    /**
     * The ShareName of a {@code $share/{ShareName}/{filter}} filter, null for a plain filter, or
     * {@link #MALFORMED_SHARE} for a {@code $share/} filter without a ShareName, with a wildcard
     * (or U+0000) in it, or without a filter after it.
     */
    private static String shareName(String filter) {
        if (!filter.startsWith(SHARE_PREFIX)) {
            return null;
        }
        int from = SHARE_PREFIX.length();
        int slash = filter.indexOf('/', from);
        if (slash <= from || slash == filter.length() - 1) {
            return MALFORMED_SHARE;
        }
        String name = filter.substring(from, slash);
        return TopicMatch.isValidTopicName(name) ? name : MALFORMED_SHARE;
    }

    /** The filter without its {@code $share/{ShareName}/} prefix, if it has one. */
    private static String plainFilter(String filter, String shareName) {
        return shareName == null ? filter : filter.substring(SHARE_PREFIX.length() + shareName.length() + 1);
    }

    private void requireIdle() {
        if (matching) {
            throw new IllegalStateException("the trie cannot change or match again while a match walks it");
        }
    }

    private void growStack(int capacity) {
        int length = Math.max(capacity, stackNodes.length * 2);
        stackNodes = Arrays.copyOf(stackNodes, length);
        stackDepths = Arrays.copyOf(stackDepths, length);
    }

    @SuppressWarnings("unchecked")
    private static <S> Node<S>[] newNodeArray(int length) {
        return (Node<S>[]) new Node<?>[length];
    }

    /** One filter level: literal, {@code +} or {@code #}, with what is subscribed on the filter ending here. */
    static final class Node<S> extends LevelNode<Node<S>> {
        static final byte ROOT = 0;
        static final byte LITERAL = 1;
        static final byte PLUS = 2;
        static final byte MULTI = 3;

        final byte kind;
        Node<S> plus;
        Node<S> multi;
        /** Plain subscriptions on the filter ending here; null if none. */
        SubscriberList<S> subscribers;
        SharedGroup<S>[] groups = noGroups();
        int groupCount;

        /** The root. */
        Node() {
            this.kind = ROOT;
        }

        Node(DirectBuffer buffer, int offset, int length, int levelHash, byte kind) {
            super(buffer, offset, length, levelHash);
            this.kind = kind;
        }

        boolean isEmpty() {
            return subscribers == null && groupCount == 0 && plus == null && multi == null && childCount() == 0;
        }

        SharedGroup<S> group(String name) {
            for (int i = 0; i < groupCount; i++) {
                if (groups[i].name().equals(name)) {
                    return groups[i];
                }
            }
            return null;
        }

        void addGroup(SharedGroup<S> group) {
            if (groupCount == groups.length) {
                groups = Arrays.copyOf(groups, Math.max(2, groupCount * 2));
            }
            groups[groupCount++] = group;
        }

        void removeGroup(SharedGroup<S> group) {
            for (int i = 0; i < groupCount; i++) {
                if (groups[i] == group) {
                    System.arraycopy(groups, i + 1, groups, i, groupCount - i - 1);
                    groups[--groupCount] = null;
                    if (groupCount == 0) {
                        groups = noGroups();
                    }
                    return;
                }
            }
        }

        @SuppressWarnings("rawtypes")
        private static final SharedGroup[] NO_GROUPS = new SharedGroup[0];

        @SuppressWarnings("unchecked")
        private static <S> SharedGroup<S>[] noGroups() {
            return (SharedGroup<S>[]) NO_GROUPS;
        }
    }
}
