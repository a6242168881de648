package dev.isthmus.tools.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link CoapBenchConfig}: opens every client's socket, starts the loops, lets the
 * observers register (observe), then lets the senders send and prints the counters every -I
 * seconds from the calling thread. The run ends after -d seconds of load, once -N requests are
 * answered or timed out (observe: and the notifications they caused have arrived), or on
 * SIGINT/SIGTERM; then the observers deregister, the last counter lines are printed, and the
 * summary: a line for people, the latency percentiles, and {@code summary key=value ...}.
 */
public final class CoapBench {
    private static final long SECOND = 1_000_000_000L;
    /** observe with -N: how long the notification count must stand still before the run ends. */
    private static final long NOTIFY_SETTLE_NANOS = 300_000_000L;
    private static final long NOTIFY_SETTLE_MAX_NANOS = 3 * SECOND;

    private final CoapBenchConfig config;
    private final PrintWriter out;
    private volatile boolean stopRequested;
    private volatile Thread reporter;

    private CoapBench(CoapBenchConfig config, PrintWriter out) {
        this.config = config;
        this.out = out;
    }

    /** Runs to the end; the exit status: 0, or 1 when the run could not start or nothing was answered. */
    public static int run(CoapBenchConfig config, PrintWriter out, PrintWriter err) {
        return new CoapBench(config, out).run(err);
    }

    private int run(PrintWriter err) {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            err.println("isthmus: cannot resolve host " + config.host());
            err.flush();
            return 1;
        }
        CoapBenchRun run = new CoapBenchRun(config, address, out);
        CoapBenchLoop[] loops = new CoapBenchLoop[config.loops()];
        try {
            for (int i = 0; i < loops.length; i++) {
                loops[i] = new CoapBenchLoop(run, i);
            }
            long seq = 0;
            boolean observe = config.mode() == CoapBenchConfig.Mode.OBSERVE;
            int observers = observe ? config.clients() : 0;
            for (int i = 0; i < observers; i++) {
                CoapBenchLoop loop = loops[i % loops.length];
                loop.add(new CoapBenchClient(loop, ++seq, true));
            }
            for (int i = 0; i < config.senders(); i++) {
                CoapBenchLoop loop = loops[i % loops.length];
                loop.add(new CoapBenchClient(loop, ++seq, false));
            }
        } catch (IOException e) {
            err.println("isthmus: cannot open a UDP socket to " + address + ": " + e.getMessage());
            err.flush();
            for (CoapBenchLoop loop : loops) {
                if (loop != null) {
                    loop.closeAll();
                }
            }
            return 1;
        }

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            stopRequested = true;
            LockSupport.unpark(reporter);
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        reporter = Thread.currentThread();
        long start = System.nanoTime();
        StatsPrinter printer = new StatsPrinter(run.counters, out, start);
        try {
            for (CoapBenchLoop loop : loops) {
                loop.start(config.senders(), loops.length);
            }
            long interval = config.reportSeconds() * SECOND;
            long nextPrint = start + interval;
            if (config.mode() == CoapBenchConfig.Mode.OBSERVE && config.clients() > 0) {
                nextPrint = awaitRegistrations(run, loops, printer, nextPrint, interval);
            }
            long loadStart = System.nanoTime();
            if (config.mode() == CoapBenchConfig.Mode.OBSERVE && config.clients() > 0
                    && run.counters.sum(CoapBenchRun.OBSERVE) == 0) {
                synchronized (out) {
                    out.println("no observer registered on " + config.path() + ": nothing to measure");
                }
            } else {
                run.loadStartNanos = loadStart;
                run.phase = CoapBenchRun.LOAD;
                for (CoapBenchLoop loop : loops) {
                    loop.wakeup();
                }
                report(run, loops, printer, loadStart, nextPrint, interval);
            }
            long stopAt = System.nanoTime();
            run.phase = CoapBenchRun.STOP;
            for (CoapBenchLoop loop : loops) {
                loop.wakeup();
            }
            for (CoapBenchLoop loop : loops) {
                loop.join(5_000);
            }
            printer.print(System.nanoTime());
            summary(run, loops, stopAt - loadStart);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.phase = CoapBenchRun.STOP;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down (a signal): the hook is running and waits for us
            }
        }
        long answered = config.mode() == CoapBenchConfig.Mode.OBSERVE ? run.counters.sum(CoapBenchRun.OBSERVE)
                : run.counters.sum(CoapBenchRun.RECV);
        return answered == 0 ? 1 : 0;
    }

    /** Prints the counters until every observer is registered or failed to (or the run is stopped). */
    private long awaitRegistrations(CoapBenchRun run, CoapBenchLoop[] loops, StatsPrinter printer, long nextPrint,
                                    long interval) {
        long deadline = System.nanoTime() + config.timeoutNanos() + SECOND;
        while (!stopRequested && !allFinished(loops)) {
            long answered = run.counters.sum(CoapBenchRun.OBSERVE) + run.counters.sum(CoapBenchRun.OBSERVE_FAIL);
            long now = System.nanoTime();
            if (answered >= config.clients() || now - deadline >= 0) {
                break;
            }
            nextPrint = printIfDue(printer, now, nextPrint, interval);
            LockSupport.parkNanos(Math.min(nextPrint - now, 10_000_000L));
        }
        return nextPrint;
    }

    /** Prints the counters every interval until the end of the load. */
    private void report(CoapBenchRun run, CoapBenchLoop[] loops, StatsPrinter printer, long loadStart, long nextPrint,
                        long interval) {
        long deadline = config.durationSeconds() > 0 ? loadStart + config.durationSeconds() * SECOND : Long.MAX_VALUE;
        long settleStart = 0;
        long lastChange = 0;
        long lastNotify = 0;
        while (true) {
            long now = System.nanoTime();
            if (stopRequested || now - deadline >= 0 || allFinished(loops)) {
                return;
            }
            if (config.count() > 0 && run.completed() >= config.count()) {
                if (config.mode() != CoapBenchConfig.Mode.OBSERVE) {
                    return;
                }
                // The last notifications are still on their way: wait until their count stands still.
                long notify = run.counters.sum(CoapBenchRun.NOTIFY);
                if (settleStart == 0) {
                    settleStart = now;
                    lastChange = now;
                    lastNotify = notify;
                } else if (notify != lastNotify) {
                    lastNotify = notify;
                    lastChange = now;
                }
                if (now - lastChange >= NOTIFY_SETTLE_NANOS || now - settleStart >= NOTIFY_SETTLE_MAX_NANOS) {
                    return;
                }
            }
            nextPrint = printIfDue(printer, now, nextPrint, interval);
            long until = Math.min(nextPrint, deadline);
            // Wake often enough to notice the end of a -N run soon.
            LockSupport.parkNanos(Math.min(until - now, 20_000_000L));
        }
    }

    private static long printIfDue(StatsPrinter printer, long now, long nextPrint, long interval) {
        if (now - nextPrint >= 0) {
            printer.print(now);
            nextPrint += interval;
            if (now - nextPrint >= 0) {
                nextPrint = now + interval;
            }
        }
        return nextPrint;
    }

    private static boolean allFinished(CoapBenchLoop[] loops) {
        for (CoapBenchLoop loop : loops) {
            if (!loop.finished()) {
                return false;
            }
        }
        return true;
    }

    private void summary(CoapBenchRun run, CoapBenchLoop[] loops, long loadNanos) {
        Histogram requests = new Histogram(CoapBenchLoop.HIGHEST_LATENCY_MICROS, 3);
        Histogram notifications = new Histogram(CoapBenchLoop.HIGHEST_LATENCY_MICROS, 3);
        for (CoapBenchLoop loop : loops) {
            requests.add(loop.requestLatency());
            notifications.add(loop.notifyLatency());
        }
        BenchCounters c = run.counters;
        double seconds = Math.max(loadNanos, 1) / 1e9;
        long recv = c.sum(CoapBenchRun.RECV);
        long notify = c.sum(CoapBenchRun.NOTIFY);
        double requestRate = recv / seconds;
        double notifyRate = notify / seconds;
        boolean observe = config.mode() == CoapBenchConfig.Mode.OBSERVE;
        String type = config.confirmable() ? "CON" : "NON";
        String answers = String.format(Locale.ROOT, "%d responses in %.2f s, %.2f/sec (2.xx %d, 4.xx/5.xx %d); "
                        + "%d timeouts, %d resets, %d retransmissions, %d duplicates",
                recv, seconds, requestRate, c.sum(CoapBenchRun.OK), recv - c.sum(CoapBenchRun.OK),
                c.sum(CoapBenchRun.TIMEOUT), c.sum(CoapBenchRun.RST), c.sum(CoapBenchRun.RETRANS),
                c.sum(CoapBenchRun.DUP));
        synchronized (out) {
            if (observe) {
                out.println(String.format(Locale.ROOT, "coap observe %s %s: %d observers (%d registered), "
                                + "%d publisher%s; %d notifications in %.2f s, %.2f/sec; PUT: %s", config.path(), type,
                        config.clients(), c.sum(CoapBenchRun.OBSERVE), config.publishers(),
                        config.publishers() == 1 ? "" : "s", notify, seconds, notifyRate, answers));
                out.println("notify " + latencyLine(notifications, "no notification carried a send time"));
                out.println("put " + latencyLine(requests, "no 2.xx response"));
            } else {
                out.println(String.format(Locale.ROOT, "coap %s %s %s: %d clients; %s", config.mode().label(),
                        config.path(), type, config.clients(), answers));
                out.println(latencyLine(requests, "no 2.xx response"));
            }
            Histogram headline = observe ? notifications : requests;
            StringBuilder line = new StringBuilder("summary");
            line.append(" mode=").append(config.mode().label()).append(" path=").append(config.path())
                    .append(" type=").append(type).append(" clients=").append(config.clients())
                    .append(" publishers=").append(observe ? config.publishers() : 0)
                    .append(" target_rate=").append(format(config.rate()))
                    .append(" outstanding=").append(config.outstanding())
                    .append(" seconds=").append(String.format(Locale.ROOT, "%.3f", seconds));
            for (int i = 0; i < CoapBenchRun.NAMES.length; i++) {
                line.append(' ').append(CoapBenchRun.NAMES[i]).append('=').append(c.sum(i));
            }
            line.append(" ok=").append(c.sum(CoapBenchRun.OK))
                    .append(" req_rate=").append(format(requestRate))
                    .append(" notify_rate=").append(format(notifyRate))
                    .append(" rate=").append(format(observe ? notifyRate : requestRate));
            percentiles(line, "", headline);
            percentiles(line, "req_", requests);
            percentiles(line, "notify_", notifications);
            out.println(line);
            out.flush();
        }
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static void percentiles(StringBuilder line, String prefix, Histogram h) {
        boolean any = h.getTotalCount() > 0;
        line.append(' ').append(prefix).append("p50_us=").append(any ? h.getValueAtPercentile(50) : 0)
                .append(' ').append(prefix).append("p90_us=").append(any ? h.getValueAtPercentile(90) : 0)
                .append(' ').append(prefix).append("p99_us=").append(any ? h.getValueAtPercentile(99) : 0)
                .append(' ').append(prefix).append("p999_us=").append(any ? h.getValueAtPercentile(99.9) : 0)
                .append(' ').append(prefix).append("max_us=").append(any ? h.getMaxValue() : 0)
                .append(' ').append(prefix).append("n=").append(h.getTotalCount());
    }

    private static String latencyLine(Histogram h, String none) {
        return h.getTotalCount() == 0 ? "latency n=0 (" + none + ")" : MqttBench.latencyLine(h);
    }
}
