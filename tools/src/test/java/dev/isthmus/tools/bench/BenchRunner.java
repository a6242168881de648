package dev.isthmus.tools.bench;

import dev.isthmus.tools.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Runs {@code isthmus bench mqtt|coap ...} in-process on its own thread, through the CLI's entry point. */
final class BenchRunner {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Thread thread;
    private final String description;
    private volatile int status = -1;

    private BenchRunner(String... args) {
        description = String.join(" ", args);
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        thread = Thread.ofPlatform().name("bench " + args[2]).start(() -> status = cli.execute(args));
    }

    static BenchRunner start(String... args) {
        return new BenchRunner(args);
    }

    String output() {
        return out + err.toString();
    }

    /** Waits for a line of output matching {@code regex}. */
    void awaitLine(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (p.matcher(output()).find()) {
                return;
            }
            Thread.sleep(20);
        }
        fail("no line matching " + regex + " from `" + description + "` within " + timeout + ":\n" + output());
    }

    int await(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (thread.isAlive()) {
            fail("`" + description + "` still running after " + timeout + ":\n" + output());
        }
        return status;
    }

    /** The last {@code total=} printed for {@code counter}, or -1. */
    long lastTotal(String counter) {
        Matcher m = Pattern.compile("^\\d\\S* " + counter + " total=(\\d+) rate=\\d+\\.\\d\\d/sec$", Pattern.MULTILINE)
                .matcher(output());
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    void assertTotals(List<String> counters, long expected) {
        for (String counter : counters) {
            assertEquals(expected, lastTotal(counter), counter + " in the output of `" + description + "`:\n" + output());
        }
    }

    void assertLatencyLine(long n) {
        assertEquals(n, latencyCount(), output());
    }

    /**
     * With --expected-interval-us the histogram adds the samples a stall longer than the interval
     * hid (coordinated omission), so it may count more than arrived: at least {@code n}.
     */
    void assertCorrectedLatencyLine(long n) {
        long count = latencyCount();
        assertTrue(count >= n, "latency n=" + count + " < " + n + "\n" + output());
    }

    private long latencyCount() {
        Pattern p = Pattern.compile("^latency p50=(\\d+) p90=(\\d+) p99=(\\d+) p99\\.9=(\\d+) max=(\\d+) \\(us\\) n=(\\d+)$",
                Pattern.MULTILINE);
        Matcher m = p.matcher(output());
        assertTrue(m.find(), "no latency line in:\n" + output());
        long p50 = Long.parseLong(m.group(1));
        long max = Long.parseLong(m.group(5));
        assertTrue(p50 <= max && max < 10_000_000, "latencies look wrong:\n" + output());
        return Long.parseLong(m.group(6));
    }

    /** The {@code summary key=value ...} line of {@code isthmus bench coap}, as a map. */
    Map<String, String> summary() {
        Matcher m = Pattern.compile("^summary (.*)$", Pattern.MULTILINE).matcher(output());
        assertTrue(m.find(), "no summary line in:\n" + output());
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : m.group(1).split(" ")) {
            int equals = pair.indexOf('=');
            assertTrue(equals > 0, "not key=value: " + pair + " in:\n" + output());
            values.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return values;
    }

    /** A number of the summary line. */
    long summaryValue(String key) {
        String value = summary().get(key);
        assertTrue(value != null, "no " + key + " in the summary of `" + description + "`:\n" + output());
        return Long.parseLong(value);
    }
}
