package dev.isthmus.tools.bench;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.iouring.UringTransport;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one {@link BenchConfig}: starts the event loops, connects the clients at the asked pace
 * from a launcher thread, prints the counters once a second from the calling thread, and ends
 * after {@code --duration}, on SIGINT/SIGTERM, when a pub run's {@code -L} messages are all
 * published and acknowledged, or when every client is gone. At the end every client sends
 * DISCONNECT, the last counter lines are printed, then {@code publish complete} (pub with -L)
 * or the latency line (sub).
 */
public final class MqttBench {
    private static final long SECOND = 1_000_000_000L;

    private final BenchConfig config;
    private final PrintWriter out;
    private volatile boolean stopRequested;
    private volatile Thread reporter;

    private MqttBench(BenchConfig config, PrintWriter out) {
        this.config = config;
        this.out = out;
    }

    /** Runs to the end; the exit status: 0, or 1 when the run could not start or no client connected. */
    public static int run(BenchConfig config, PrintWriter out, PrintWriter err) {
        return new MqttBench(config, out).run(err);
    }

    private int run(PrintWriter err) {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            err.println("isthmus: cannot resolve host " + config.host());
            err.flush();
            return 1;
        }
        for (InetAddress source : config.localAddresses()) {
            if (source.getAddress().length != address.getAddress().getAddress().length) {
                String resolved = address.getAddress().getHostAddress();
                err.println("isthmus: --ifaddr " + source.getHostAddress() + " is not of the address family of "
                        + config.host() + (resolved.equals(config.host()) ? "" : " (" + resolved + ")"));
                err.flush();
                return 1;
            }
        }
        Transport transport;
        try {
            transport = UringTransport.select(config.io());
        } catch (IllegalStateException e) {
            err.println("isthmus: " + e.getMessage());
            err.flush();
            return 1;
        }
        boolean fineTimers = config.mode() == BenchConfig.Mode.PUB && config.messageIntervalNanos() > 0
                && config.messageIntervalNanos() < 50_000_000L;
        LoopSettings settings = new LoopSettings(16 * 1024, 2 * 1024, 256L << 20, fineTimers ? 1_000_000L : 10_000_000L);
        BenchCounters counters = new BenchCounters(config.loops());
        BenchRun run = new BenchRun(config, counters, address, out);
        BenchLoop[] loops = new BenchLoop[config.loops()];
        try {
            for (int i = 0; i < loops.length; i++) {
                EventLoop loop = new EventLoop(i, transport, settings);
                loop.start();
                loops[i] = new BenchLoop(loop, run, i);
            }
        } catch (IOException e) {
            err.println("isthmus: " + e.getMessage());
            err.flush();
            stopLoops(loops);
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
        Thread launcher = Thread.ofPlatform().name("isthmus-bench-launcher").start(() -> launch(loops, start));
        try {
            report(run, counters, launcher, start);
            launcher.interrupt();
            launcher.join(5_000);
            for (BenchLoop loop : loops) {
                try {
                    loop.loop.submit(() -> {
                        loop.disconnectAll();
                        return null;
                    }).get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // the loop is stuck or gone; stopping it closes its sockets anyway
                }
            }
            stopLoops(loops);
            summary(loops, counters);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopLoops(loops);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down (a signal): the hook is running and waits for us
            }
        }
        return counters.sum(BenchCounters.CONNECT_SUCC) == 0 ? 1 : 0;
    }

    /**
     * Starts client after client at the pace of -i or -R, spread over the loops round-robin, and
     * over the --ifaddr addresses round-robin.
     */
    private void launch(BenchLoop[] loops, long start) {
        List<InetAddress> sources = config.localAddresses();
        int sourceCount = Math.max(1, sources.size());
        InetSocketAddress[] locals = new InetSocketAddress[sourceCount];
        String[] prefixes = new String[sourceCount];
        boolean named = config.shortIds() || (config.prefix() != null && !config.prefix().isEmpty());
        for (int i = 0; i < sourceCount; i++) {
            locals[i] = sources.isEmpty() ? null : new InetSocketAddress(sources.get(i), 0);
            prefixes[i] = config.clientIdPrefix(named ? "" : sources.isEmpty() ? hostName() : sources.get(i).getHostAddress());
        }
        long interval = config.clientIntervalNanos();
        for (int i = 0; i < config.count() && !stopRequested; i++) {
            long due = start + i * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
                if (Thread.interrupted() || stopRequested) {
                    return;
                }
            }
            long seq = config.startNumber() + i + 1;
            BenchLoop owner = loops[i % loops.length];
            InetSocketAddress local = locals[i % sourceCount];
            String clientId = prefixes[i % sourceCount] + seq;
            owner.loop.execute(() -> new BenchClient(owner, seq, clientId, local).start());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private void report(BenchRun run, BenchCounters counters, Thread launcher, long start) {
        StatsPrinter printer = new StatsPrinter(counters, out, start);
        long deadline = config.durationSeconds() > 0 ? start + config.durationSeconds() * SECOND : Long.MAX_VALUE;
        long nextPrint = start + SECOND;
        while (true) {
            long now = System.nanoTime();
            if (stopRequested || now - deadline >= 0 || done(counters, launcher)) {
                printer.print(now);
                return;
            }
            if (now - nextPrint >= 0) {
                printer.print(now);
                nextPrint += SECOND;
                if (now - nextPrint >= 0) {
                    nextPrint = now + SECOND;
                }
            }
            long until = Math.min(nextPrint, deadline);
            // Wake often enough to notice the end of a pub run soon.
            LockSupport.parkNanos(Math.min(until - System.nanoTime(), 50_000_000L));
        }
    }

    private boolean done(BenchCounters counters, Thread launcher) {
        long limit = config.limit();
        if (config.mode() == BenchConfig.Mode.PUB && limit > 0 && counters.sum(BenchCounters.PUB) >= limit) {
            if (config.qos() == 0 || counters.sum(BenchCounters.PUB_SUCC) + counters.sum(BenchCounters.PUB_FAIL) >= limit) {
                return true;
            }
        }
        return !launcher.isAlive() && counters.sum(BenchCounters.DISCONNECTED) >= config.count();
    }

    private void summary(BenchLoop[] loops, BenchCounters counters) {
        synchronized (out) {
            if (config.mode() == BenchConfig.Mode.PUB && config.limit() > 0
                    && counters.sum(BenchCounters.PUB) >= config.limit()) {
                out.println("publish complete");
            }
            if (!stopRequested && counters.sum(BenchCounters.DISCONNECTED) >= config.count()) {
                out.println("all clients are gone");
            }
            if (config.mode() == BenchConfig.Mode.SUB) {
                Histogram total = new Histogram(BenchLoop.HIGHEST_LATENCY_MICROS, 3);
                for (BenchLoop loop : loops) {
                    total.add(loop.histogram());
                }
                out.println(latencyLine(total));
            }
            out.flush();
        }
    }

    /** {@code latency p50=.. p90=.. p99=.. p99.9=.. max=.. (us) n=..}. */
    static String latencyLine(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "latency n=0 (no message carried a send timestamp: pub stamps them with -s >= 8 and without -m)";
        }
        return String.format(Locale.ROOT, "latency p50=%d p90=%d p99=%d p99.9=%d max=%d (us) n=%d",
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue(), h.getTotalCount());
    }

    private static void stopLoops(BenchLoop[] loops) {
        for (BenchLoop loop : loops) {
            if (loop != null) {
                loop.loop.stop();
            }
        }
        for (BenchLoop loop : loops) {
            if (loop != null) {
                try {
                    loop.loop.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
