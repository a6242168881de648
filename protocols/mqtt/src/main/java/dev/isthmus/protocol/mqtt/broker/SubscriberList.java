package dev.isthmus.protocol.mqtt.broker;

import java.util.Arrays;

import org.agrona.collections.Hashing;
import org.agrona.collections.Object2IntHashMap;

/**
 * The subscribers of one filter (or of one shared group) with their options, in two parallel
 * arrays that matching reads front to back.
 *
 * <p>Finding a subscriber is a linear scan while the list is short; past
 * {@link #INDEX_THRESHOLD} entries a hash index (subscriber to position, by
 * {@code equals}/{@code hashCode}) takes over, so a broadcast filter with many thousands of
 * subscribers still unsubscribes each in constant time when they all disconnect.
 */
final class SubscriberList<S> {
    /** Entries up to which a scan beats the index: a few equals calls on adjacent references. */
    static final int INDEX_THRESHOLD = 8;
    private static final int INITIAL_CAPACITY = 2;
    private static final int ABSENT = -1;

    Object[] subscribers = new Object[INITIAL_CAPACITY];
    SubscriptionOptions[] options = new SubscriptionOptions[INITIAL_CAPACITY];
    int count;
    private Object2IntHashMap<Object> index;

    /** Position of {@code subscriber}, or -1. */
    int indexOf(Object subscriber) {
        if (index != null) {
            return index.getValue(subscriber);
        }
        for (int i = 0; i < count; i++) {
            if (subscribers[i].equals(subscriber)) {
                return i;
            }
        }
        return ABSENT;
    }

    @SuppressWarnings("unchecked")
    S subscriber(int i) {
        return (S) subscribers[i];
    }

    void add(S subscriber, SubscriptionOptions subscriptionOptions) {
        if (count == subscribers.length) {
            subscribers = Arrays.copyOf(subscribers, count * 2);
            options = Arrays.copyOf(options, count * 2);
        }
        subscribers[count] = subscriber;
        options[count] = subscriptionOptions;
        count++;
        if (index != null) {
            index.put(subscriber, count - 1);
        } else if (count > INDEX_THRESHOLD) {
            index = new Object2IntHashMap<>(count * 2, Hashing.DEFAULT_LOAD_FACTOR, ABSENT);
            for (int i = 0; i < count; i++) {
                index.put(subscribers[i], i);
            }
        }
    }

    /** Removes entry {@code i}, moving the last entry into its place: O(1), order not kept. */
    void removeSwapping(int i) {
        int last = count - 1;
        if (index != null) {
            index.removeKey(subscribers[i]);
        }
        if (i != last) {
            subscribers[i] = subscribers[last];
            options[i] = options[last];
            if (index != null) {
                index.put(subscribers[i], i);
            }
        }
        clear(last);
    }

    /** Removes entry {@code i}, shifting the later entries down: O(n), order kept. */
    void removeShifting(int i) {
        int last = count - 1;
        if (index != null) {
            index.removeKey(subscribers[i]);
        }
        System.arraycopy(subscribers, i + 1, subscribers, i, last - i);
        System.arraycopy(options, i + 1, options, i, last - i);
        if (index != null) {
            for (int j = i; j < last; j++) {
                index.put(subscribers[j], j);
            }
        }
        clear(last);
    }

    private void clear(int last) {
        subscribers[last] = null;
        options[last] = null;
        count = last;
        if (count <= INDEX_THRESHOLD / 2) {
            index = null;
        }
        // Give back the memory of a list that once was large (a broadcast filter after a mass disconnect).
        if (subscribers.length > 4 * INITIAL_CAPACITY && count * 4 <= subscribers.length) {
            subscribers = Arrays.copyOf(subscribers, subscribers.length / 2);
            options = Arrays.copyOf(options, options.length / 2);
        }
    }
}
