package dev.isthmus.tools.bench;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * emqtt-bench's per-second lines: for each counter that changed since it was last printed,
 * {@code <elapsed> <name> total=<N> rate=<R>/sec}, the rate over the time since that last print
 * with two decimals, the elapsed time as emqtt-bench writes it ({@code 5s}, {@code 1m0s},
 * {@code 2h3m4s}).
 */
final class StatsPrinter {
    private final BenchCounters counters;
    private final PrintWriter out;
    private final long startNanos;
    private final String[] names;
    private final long[] lastValue;
    private final long[] lastNanos;

    StatsPrinter(BenchCounters counters, PrintWriter out, long startNanos) {
        this.counters = counters;
        this.out = out;
        this.startNanos = startNanos;
        this.names = counters.names();
        this.lastValue = new long[names.length];
        this.lastNanos = new long[names.length];
        java.util.Arrays.fill(lastNanos, startNanos);
    }

    void print(long nowNanos) {
        StringBuilder lines = new StringBuilder();
        String elapsed = null;
        for (int i = 0; i < names.length; i++) {
            long value = counters.sum(i);
            if (value == lastValue[i]) {
                continue;
            }
            long elapsedMillis = Math.max(1, (nowNanos - lastNanos[i]) / 1_000_000);
            if (elapsed == null) {
                elapsed = formatElapsed((nowNanos - startNanos) / 1_000_000_000L);
            }
            lines.append(elapsed).append(' ').append(names[i]).append(" total=").append(value)
                    .append(" rate=")
                    .append(String.format(Locale.ROOT, "%.2f", (value - lastValue[i]) * 1000.0 / elapsedMillis))
                    .append("/sec\n");
            lastValue[i] = value;
            lastNanos[i] = nowNanos;
        }
        if (!lines.isEmpty()) {
            synchronized (out) {
                out.print(lines);
                out.flush();
            }
        }
    }

    /** Seconds as emqtt-bench's fmt_tdiff writes them: units from days down to seconds, no leading zero units. */
    static String formatElapsed(long seconds) {
        if (seconds <= 0) {
            return "0s";
        }
        long s = seconds % 60;
        long m = seconds / 60 % 60;
        long h = seconds / 3600 % 24;
        long d = seconds / 86400;
        StringBuilder b = new StringBuilder();
        if (d > 0) {
            b.append(d).append('d');
        }
        if (seconds >= 3600) {
            b.append(h).append('h');
        }
        if (seconds >= 60) {
            b.append(m).append('m');
        }
        return b.append(s).append('s').toString();
    }
}
