package dev.isthmus.core.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waiting for something that happens on another thread or in another process, with a generous
 * deadline instead of a fixed sleep: the wait is as short as the machine allows, and a condition
 * that never comes fails the test naming what was awaited.
 */
public final class Conditions {
    private Conditions() {
    }

    /** Polls {@code condition} every 10 ms until it holds; fails after {@code patience}. */
    public static void await(BooleanSupplier condition, Duration patience, String what) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + patience.toSeconds() + " s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
