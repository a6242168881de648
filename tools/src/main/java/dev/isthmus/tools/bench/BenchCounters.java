package dev.isthmus.tools.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The run's counters, one row per event loop: each loop adds to its own row alone (a plain
 * read and an ordered write, no atomic read-modify-write, no sharing of cache lines between
 * loops), and the reporter sums the rows. The launcher thread counts on its own row too.
 * Each bench names the counters it prints ({@link #names()}); a row may hold a few unprinted
 * ones after them.
 */
final class BenchCounters {
    /** emqtt-bench's counter names, in the order it prints them. */
    static final String[] NAMES = {"recv", "sub", "pub", "pub_succ", "sub_fail", "pub_fail", "pub_overrun",
            "connect_succ", "connect_fail"};
    static final int RECV = 0;
    static final int SUB = 1;
    static final int PUB = 2;
    static final int PUB_SUCC = 3;
    static final int SUB_FAIL = 4;
    static final int PUB_FAIL = 5;
    static final int PUB_OVERRUN = 6;
    static final int CONNECT_SUCC = 7;
    static final int CONNECT_FAIL = 8;
    /** Not printed: clients whose connection ended (closed by the broker or failed later). */
    static final int DISCONNECTED = 9;
    private static final int STRIDE = 16; // 128 bytes per row: no false sharing

    private final AtomicLongArray cells;
    private final int rows;
    private final String[] names;

    /** The MQTT bench's counters ({@link #NAMES}). */
    BenchCounters(int rows) {
        this(NAMES, rows);
    }

    /** Counters printed under {@code names}, in that order (at most 16 counters in a row, printed or not). */
    BenchCounters(String[] names, int rows) {
        if (names.length > STRIDE) {
            throw new IllegalArgumentException("more than " + STRIDE + " counters");
        }
        this.names = names.clone();
        this.rows = rows;
        this.cells = new AtomicLongArray(rows * STRIDE);
    }

    /** The printed counters' names, by index. */
    String[] names() {
        return names;
    }

    /** Adds {@code n} to {@code counter} of {@code row}; only the row's own thread may call it. */
    void add(int row, int counter, long n) {
        int i = row * STRIDE + counter;
        cells.lazySet(i, cells.get(i) + n);
    }

    void increment(int row, int counter) {
        add(row, counter, 1);
    }

    long sum(int counter) {
        long total = 0;
        for (int r = 0; r < rows; r++) {
            total += cells.get(r * STRIDE + counter);
        }
        return total;
    }
}
