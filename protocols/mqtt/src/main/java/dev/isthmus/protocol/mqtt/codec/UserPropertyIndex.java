package dev.isthmus.protocol.mqtt.codec;

import java.util.Arrays;

/**
 * Where the user properties of a flyweight-decoded packet sit in its buffer: four ints per
 * property (name offset and length, value offset and length) in an array that grows when a packet
 * has more properties than any before it, and is reused afterwards.
 */
final class UserPropertyIndex {
    private int[] entries = new int[4 * 4];
    private int count;

    void clear() {
        count = 0;
    }

    void add(int nameOffset, int nameLength, int valueOffset, int valueLength) {
        int at = 4 * count;
        if (at + 4 > entries.length) {
            entries = Arrays.copyOf(entries, entries.length * 2);
        }
        entries[at] = nameOffset;
        entries[at + 1] = nameLength;
        entries[at + 2] = valueOffset;
        entries[at + 3] = valueLength;
        count++;
    }

    int count() {
        return count;
    }

    int get(int index, int field) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("user property " + index + " of " + count);
        }
        return entries[4 * index + field];
    }
}
