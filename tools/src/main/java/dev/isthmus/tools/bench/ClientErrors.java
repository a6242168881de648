package dev.isthmus.tools.bench;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client-level problems of one run, one line each as emqtt-bench prints them
 * ({@code client(N): what}); after 100 such lines they are only counted. Any thread.
 */
final class ClientErrors {
    private static final int MAX_LINES = 100;

    private final PrintWriter out;
    private final AtomicInteger lines = new AtomicInteger();

    ClientErrors(PrintWriter out) {
        this.out = out;
    }

    void report(long seq, String what) {
        int n = lines.incrementAndGet();
        if (n <= MAX_LINES) {
            synchronized (out) {
                out.println("client(" + seq + "): " + what);
                if (n == MAX_LINES) {
                    out.println("(further client errors are counted, not printed)");
                }
                out.flush();
            }
        }
    }
}
