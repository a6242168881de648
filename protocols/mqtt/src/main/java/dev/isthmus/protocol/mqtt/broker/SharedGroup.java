package dev.isthmus.protocol.mqtt.broker;

/**
 * The members of one shared subscription ({@code $share/{name}/{filter}}, MQTT 5.0 §4.8.2):
 * each message that matches the filter goes to one member of the group, chosen round-robin.
 * Owned by a {@link TopicTrie}, which creates a group with its first member and drops it with
 * its last; the broker only reads it (in {@link TopicTrie.Visitor#offerShared} and
 * {@link TopicTrie.Visitor#sharedGroupDeclined}).
 *
 * <p>Selection: a cursor names the member to offer the next message to. {@link TopicTrie#match}
 * offers the message to that member and, while the broker declines, to the following ones in
 * order, wrapping around, each at most once. The cursor then moves past the member that took
 * the message, so every member gets its turn however often others decline; if all decline,
 * the cursor moves on by one and the visitor hears {@code sharedGroupDeclined}.
 *
 * <p>Members keep the order in which they joined; a re-subscribe keeps the member's place and
 * only replaces its options. A member that leaves is taken out in place and the cursor adjusted,
 * so the others keep their turns. Leaving costs O(members); groups are expected to be modest
 * (worker pools), unlike plain filters, which can hold any number of subscribers cheaply.
 *
 * @param <S> the subscriber type of the owning trie
 */
public final class SharedGroup<S> {
    private final String name;
    private final String filter;
    final SubscriberList<S> members = new SubscriberList<>();
    /** Position of the member the next message is offered to first; always below size unless empty. */
    private int cursor;

    SharedGroup(String name, String filter) {
        this.name = name;
        this.filter = filter;
    }

    /** The ShareName: the level after {@code $share/}. */
    public String name() {
        return name;
    }

    /** The Topic Filter after the ShareName (without {@code $share/{name}/}). */
    public String filter() {
        return filter;
    }

    /** Members of the group, at least one while the group is in a trie. */
    public int size() {
        return members.count;
    }

    /** Member {@code i}, in joining order, {@code 0 <= i < size()}. */
    public S member(int i) {
        checkIndex(i);
        return members.subscriber(i);
    }

    /** The options member {@code i} subscribed with. */
    public SubscriptionOptions options(int i) {
        checkIndex(i);
        return members.options[i];
    }

    /** Position of the member that is offered the next message first. */
    public int next() {
        return cursor;
    }

    /**
     * Offers the message to members from the cursor on until one accepts; see the class comment.
     * Allocation-free.
     */
    void offer(TopicTrie.Visitor<S> visitor) {
        int n = members.count;
        int start = cursor;
        Object[] subscribers = members.subscribers;
        SubscriptionOptions[] options = members.options;
        int i = start;
        for (int tried = 0; tried < n; tried++) {
            @SuppressWarnings("unchecked")
            S member = (S) subscribers[i];
            int following = i + 1 == n ? 0 : i + 1;
            if (visitor.offerShared(member, options[i], this)) {
                cursor = following;
                return;
            }
            i = following;
        }
        cursor = start + 1 == n ? 0 : start + 1;
        visitor.sharedGroupDeclined(this);
    }

    /** Adds or replaces a member; true if it replaced. */
    boolean put(S subscriber, SubscriptionOptions subscriptionOptions) {
        int i = members.indexOf(subscriber);
        if (i >= 0) {
            members.options[i] = subscriptionOptions;
            return true;
        }
        members.add(subscriber, subscriptionOptions);
        return false;
    }

    /** Removes a member and keeps the cursor on the member that was next; false if absent. */
    boolean remove(Object subscriber) {
        int i = members.indexOf(subscriber);
        if (i < 0) {
            return false;
        }
        members.removeShifting(i);
        if (i < cursor) {
            cursor--;
        }
        if (cursor >= members.count) {
            cursor = 0;
        }
        return true;
    }

    SubscriptionOptions optionsOf(Object subscriber) {
        int i = members.indexOf(subscriber);
        return i < 0 ? null : members.options[i];
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= members.count) {
            throw new IndexOutOfBoundsException("member " + i + " of " + members.count);
        }
    }

    @Override
    public String toString() {
        return "$share/" + name + '/' + filter + " (" + members.count + " members)";
    }
}
