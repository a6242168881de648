package dev.isthmus.core.loop;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

import dev.isthmus.core.buffer.ChunkPool;
import dev.isthmus.core.timer.TimerWheel;
import dev.isthmus.core.transport.IoDriver;
import dev.isthmus.core.transport.Transport;

/**
 * One event loop: a platform thread that runs a duty cycle of "poll I/O, fire due timers, run
 * the inbox" until stopped. Everything a loop owns (its sockets, chunk pools, timer wheel and
 * whatever protocols hang on it) is touched by its thread only, without locks.
 *
 * <p>Other threads talk to a loop through {@link #execute(Runnable)}: the task goes into a
 * JCTools MPSC queue and the loop is woken only when it is about to sleep or sleeping, so a
 * busy loop is never interrupted by wake-up system calls.
 *
 * <p>An exception thrown by a task, timer or handler is logged and counted; it never ends the
 * loop.
 */
public final class EventLoop implements Executor {
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());
    private static final VarHandle SLEEPING;
    private static final int INBOX_CHUNK = 1024;
    private static final int TIMER_BUCKETS = 1024;
    private static final int LARGE_SLAB_BYTES = 256 << 10;
    private static final int SMALL_SLAB_BYTES = 64 << 10;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(EventLoop.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int index;
    private final Transport transport;
    private final Thread thread;
    private final MpscUnboundedVarHandleArrayQueue<Runnable> inbox = new MpscUnboundedVarHandleArrayQueue<>(INBOX_CHUNK);
    private final ChunkPool chunks;
    private final ChunkPool smallChunks;
    private final TimerWheel timers;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicLong uncaughtErrors = new AtomicLong();
    private volatile boolean sleeping;
    private volatile boolean stopRequested;
    private volatile Throwable startFailure;
    private IoDriver driver;
    private long now;

    public EventLoop(int index, Transport transport, LoopSettings settings) {
        this.index = index;
        this.transport = transport;
        // Slabs are zeroed (touched) when allocated, so they are kept small: an idle loop pins
        // 320 KiB, and busy ones grow a slab at a time.
        this.chunks = new ChunkPool(settings.chunkBytes(), Math.max(settings.chunkBytes(), LARGE_SLAB_BYTES),
                settings.maxPoolBytes());
        this.smallChunks = new ChunkPool(settings.smallChunkBytes(), Math.max(settings.smallChunkBytes(), SMALL_SLAB_BYTES),
                settings.maxPoolBytes());
        this.now = System.nanoTime();
        this.timers = new TimerWheel(settings.timerTickNanos(), TIMER_BUCKETS, now);
        this.thread = Thread.ofPlatform().name("isthmus-loop-" + index).unstarted(this::run);
    }

    /** Starts the thread and waits until its I/O driver is open. */
    public void start() throws IOException {
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting loop " + index, e);
        }
        if (startFailure != null) {
            throw new IOException("loop " + index + " failed to start: " + startFailure, startFailure);
        }
    }

    private void run() {
        try {
            driver = transport.open(this);
        } catch (Throwable t) {
            startFailure = t;
            started.countDown();
            terminated.countDown();
            return;
        }
        started.countDown();
        try {
            while (!stopRequested) {
                runOnce();
            }
        } finally {
            runInbox();
            driver.close();
            terminated.countDown();
        }
    }

    private void runOnce() {
        now = System.nanoTime();
        try {
            timers.expire(now);
        } catch (Throwable t) {
            uncaught(t, "timer");
        }
        runInbox();
        long timeout = 0;
        if (inbox.isEmpty()) {
            timeout = timers.nanosToNextTick(now);
            // Announce the sleep, then look once more: a producer that enqueued before seeing
            // the flag is caught by this check, one that enqueued after it wakes us.
            sleeping = true;
            if (!inbox.isEmpty() || stopRequested) {
                timeout = 0;
            }
        }
        try {
            driver.poll(timeout);
        } catch (IOException e) {
            uncaught(e, "poll");
        } finally {
            sleeping = false;
        }
    }

    private void runInbox() {
        Runnable task;
        int budget = INBOX_CHUNK;
        while (budget-- > 0 && (task = inbox.relaxedPoll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                uncaught(t, "task");
            }
        }
    }

    /** Runs {@code task} on this loop. Any thread; from the loop itself it runs after the current event. */
    @Override
    public void execute(Runnable task) {
        if (!inbox.offer(task)) {
            throw new RejectedExecutionException("inbox of loop " + index + " refused a task");
        }
        if (sleeping && SLEEPING.compareAndSet(this, true, false) && !inLoop()) {
            IoDriver io = driver;
            if (io != null) {
                io.wakeup();
            }
        }
    }

    /** Runs {@code task} on the loop and hands back its result; for setup and tests, not hot paths. */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Logs and counts an exception that escaped a callback; the loop goes on. */
    public void uncaught(Throwable t, String where) {
        uncaughtErrors.incrementAndGet();
        LOG.log(System.Logger.Level.ERROR, "loop " + index + ": unexpected error in " + where, t);
    }

    /** Asks the loop to finish its current cycle, close its sockets and end. */
    public void stop() {
        stopRequested = true;
        IoDriver io = driver;
        if (io != null) {
            io.wakeup();
        }
    }

    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The time at the start of the current cycle (System.nanoTime clock); cheap to call often. */
    public long now() {
        return now;
    }

    /**
     * Reads the clock again. A driver calls it when it wakes from waiting, before it dispatches
     * what woke it: a timeout those events schedule must count from now, not from before the
     * wait (after an idle second a 3 s connect timeout would otherwise have 2 s left).
     */
    public void refreshClock() {
        now = System.nanoTime();
    }

    public int index() {
        return index;
    }

    public Thread thread() {
        return thread;
    }

    public IoDriver io() {
        return driver;
    }

    public Transport transport() {
        return transport;
    }

    public TimerWheel timers() {
        return timers;
    }

    /** Large chunks: bodies and heads that outgrow a small chunk. */
    public ChunkPool chunks() {
        return chunks;
    }

    /** Small chunks: where reads start, so idle-ish connections pin little memory. */
    public ChunkPool smallChunks() {
        return smallChunks;
    }

    public long uncaughtErrors() {
        return uncaughtErrors.get();
    }

    @Override
    public String toString() {
        return "loop-" + index;
    }
}
