package dev.isthmus.iouring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.SpliceCapability;
import dev.isthmus.core.transport.SpliceCapability.TargetFailedException;

/**
 * Zero-copy forwarding from one connection (the source) to another of the same loop, through
 * two pipes the source keeps for its lifetime: splice(2) moves socket pages into the pipe
 * and from the pipe into the other socket, both as ring operations, so the bytes never enter
 * user space.
 *
 * <p>A splice starts with what the source's multishot receive already brought into user
 * space (it is written to the target first, counted against the limit), then stops the
 * receive and waits until the target's write queue is empty, so bytes leave in order. From
 * then two pipes take turns: while one is filled from the socket (whatever the socket has, up
 * to the pipe's size), the other is drained into the target; a pipe is never filled and
 * drained at once, because a splice into a pipe that waits for the socket holds the pipe's
 * lock. The pipes drain in the order they were filled. The end of stream or the limit ends
 * it, the source then receives
 * normally again (after an end of stream it stays ended: the completion says so instead of
 * {@code onReadEnd}).
 */
final class UringSplice implements SpliceCapability {
    /** Asked for with F_SETPIPE_SZ; the kernel may give less (fs.pipe-max-size). */
    private static final int PIPE_BYTES = 1 << 20;

    private final UringConnection source;
    private final UringDriver driver;
    /** Two pipes, so one can fill while the other drains; index 0 and 1. */
    private final int[] pipeRead = {-1, -1};
    private final int[] pipeWrite = {-1, -1};
    private final long[] inPipe = new long[2];
    private int pipeCapacity;
    /** The pipe to drain next (bytes leave in the order they came: the pipes take turns). */
    private int drainNext;
    private int filling;
    private int draining;

    private boolean active;
    private UringConnection target;
    private long remaining;
    private long moved;
    private SpliceCompletion onDone;
    private boolean waitingForQuiet;
    private boolean waitingForDrain;
    private boolean splicingIn;
    private boolean splicingOut;
    private boolean ended;
    private IOException failure;

    private UringSplice(UringConnection source) {
        this.source = source;
        this.driver = source.driver;
    }

    static SpliceCapability capability(UringConnection connection) {
        if (connection.splice == null) {
            connection.splice = new UringSplice(connection);
        }
        return connection.splice;
    }

    @Override
    public long moved() {
        return moved;
    }

    /** Whether a splice owns the source's reading right now. */
    boolean readsSource() {
        return active;
    }

    @Override
    public void spliceTo(Connection to, long maxBytes, SpliceCompletion done) {
        if (active) {
            throw new IllegalStateException("a splice is already running from " + source);
        }
        if (!(to instanceof UringConnection other) || other.driver != driver || other == source) {
            throw new IllegalArgumentException("splice needs another connection of the same io_uring loop");
        }
        active = true;
        target = other;
        other.spliceInto = this;
        remaining = maxBytes;
        moved = 0;
        inPipe[0] = 0;
        inPipe[1] = 0;
        drainNext = 0;
        onDone = done;
        ended = false;
        failure = null;
        if (!source.isOpen() || !other.isOpen()) {
            failure = new IOException("splice between closed connections");
        } else if (pipeRead[0] < 0) {
            try {
                openPipe();
            } catch (NativeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            // Never call back from inside the caller's own call.
            driver.loop.execute(() -> finish(failure));
            return;
        }
        advance(true);
    }

    private void openPipe() throws NativeException {
        UringDriver.NativeScratch scratch = driver.scratch();
        try {
            MemorySegment fds = scratch.sockaddr();
            for (int i = 0; i < 2; i++) {
                if (Libc.pipe2(driver.errno, fds, Libc.O_CLOEXEC) < 0) {
                    NativeException failure = new NativeException("pipe2", Libc.errno(driver.errno));
                    closePipe();
                    throw failure;
                }
                pipeRead[i] = fds.get(JAVA_INT, 0);
                pipeWrite[i] = fds.get(JAVA_INT, 4);
                int size = Libc.fcntl(driver.errno, pipeWrite[i], Libc.F_SETPIPE_SZ, PIPE_BYTES);
                // Without a bigger pipe the default one (64 KiB) still works, only in smaller steps.
                int capacity = size > 0 ? size : Libc.fcntl(driver.errno, pipeWrite[i], Libc.F_GETPIPE_SZ, 0);
                pipeCapacity = i == 0 ? capacity : Math.min(pipeCapacity, capacity);
            }
        } finally {
            driver.recycle(scratch);
        }
        if (pipeCapacity <= 0) {
            pipeCapacity = 64 * 1024;
        }
    }

    /** Forwards what the source already holds, quiets its receive, waits for the target, then splices. */
    private void advance(boolean insideCaller) {
        if (failure != null) {
            return;
        }
        forwardStash();
        if (!finishedBeforeSplicing(insideCaller)) {
            if (!source.quietSource()) {
                waitingForQuiet = true;
                return;
            }
            forwardStash();
            if (finishedBeforeSplicing(insideCaller)) {
                return;
            }
            if (!target.writesIdle()) {
                waitingForDrain = true;
                target.flush();
                return;
            }
            pump();
        }
    }

    private boolean finishedBeforeSplicing(boolean insideCaller) {
        if (remaining != 0 && !ended) {
            return false;
        }
        target.flush();
        if (insideCaller) {
            driver.loop.execute(() -> finish(null));
        } else {
            finish(null);
        }
        return true;
    }

    private void forwardStash() {
        Chunk chunk;
        while (remaining != 0 && (chunk = source.pollStash()) != null) {
            int start = chunk.start();
            int end = chunk.end();
            int length = end - start;
            if (remaining > 0 && length > remaining) {
                // The limit falls inside this chunk: the rest stays with the source for its handler.
                length = (int) remaining;
                target.write(chunk.retain().window(start, start + length));
                source.unpollStash(chunk.window(start + length, end));
            } else {
                target.write(chunk);
            }
            moved += length;
            if (remaining > 0) {
                remaining -= length;
            }
        }
        if (remaining != 0 && !source.hasStash() && source.takeStashedEnd()) {
            ended = true;
        }
        target.flush();
    }

    /** The source's receive has stopped (its last completion arrived). */
    void sourceQuiet() {
        if (active && waitingForQuiet) {
            waitingForQuiet = false;
            advance(false);
        }
    }

    /** The target's write queue emptied. */
    void targetDrained(UringConnection connection) {
        if (active && waitingForDrain && connection == target) {
            waitingForDrain = false;
            advance(false);
        }
    }

    private void pump() {
        // A splice into a pipe that waits for the socket holds that pipe's lock, so a pipe is
        // never filled and drained at once: one fills while the other drains, then they swap.
        int fill = 1 - drainNext;
        if (inPipe[drainNext] == 0 && !(splicingOut && draining == drainNext)) {
            fill = drainNext;
        }
        if (!splicingIn && !ended && remaining != 0 && inPipe[fill] == 0 && !(splicingOut && draining == fill)) {
            long length = pipeCapacity;
            if (remaining > 0) {
                length = Math.min(length, remaining);
            }
            filling = fill;
            submit(UringDriver.T_SPLICE_IN, source.fd, pipeWrite[fill], (int) length);
            splicingIn = true;
        }
        if (!splicingOut && inPipe[drainNext] > 0 && !(splicingIn && filling == drainNext)) {
            draining = drainNext;
            submit(UringDriver.T_SPLICE_OUT, pipeRead[drainNext], target.fd, (int) inPipe[drainNext]);
            splicingOut = true;
        }
        if (!splicingIn && !splicingOut && inPipe[0] == 0 && inPipe[1] == 0 && (ended || remaining == 0)) {
            finish(null);
        }
    }

    private void submit(int type, int from, int to, int length) {
        long sqe = driver.sqe();
        driver.ring.prepare(sqe, Ring.OP_SPLICE, to, -1L, length, -1L, source.userData(type));
        driver.ring.setSpliceFdIn(sqe, from);
        driver.ring.setOpFlags(sqe, Ring.SPLICE_F_MOVE);
        source.spliceSubmitted();
    }

    /** A splice operation of the source completed. */
    void completed(int type, int result) {
        if (type == UringDriver.T_SPLICE_IN) {
            splicingIn = false;
            if (result > 0) {
                inPipe[filling] += result;
                if (remaining > 0) {
                    remaining -= result;
                }
            } else if (result == 0) {
                ended = true;
            } else if (failure == null) {
                failure = NativeException.of("splice from socket", -result);
            }
        } else {
            splicingOut = false;
            if (result > 0) {
                inPipe[draining] -= result;
                moved += result;
                if (inPipe[draining] == 0) {
                    drainNext = 1 - draining;
                }
            } else if (failure == null) {
                IOException cause = result == 0 ? new IOException("splice to socket moved nothing")
                        : NativeException.of("splice to socket", -result);
                failure = new TargetFailedException(cause.getMessage(), cause);
            }
        }
        if (!active) {
            return;
        }
        if (failure != null) {
            cancelRunning();
            if (!splicingIn && !splicingOut) {
                finish(failure);
            }
            return;
        }
        pump();
    }

    private void cancelRunning() {
        if (splicingIn) {
            driver.cancel(source.userData(UringDriver.T_SPLICE_IN));
        }
        if (splicingOut) {
            driver.cancel(source.userData(UringDriver.T_SPLICE_OUT));
        }
    }

    /** The source or the target closed (or failed) while a splice may be running. */
    void closed(UringConnection connection) {
        if (!active) {
            return;
        }
        if (failure == null) {
            failure = connection == source ? new IOException("source connection closed during splice")
                    : new TargetFailedException("target connection closed during splice", null);
        }
        if (splicingIn || splicingOut) {
            cancelRunning();
        } else {
            // Called from inside close(): the completion comes after it returns.
            driver.loop.execute(() -> finish(failure));
        }
    }

    private void finish(IOException error) {
        if (!active) {
            return;
        }
        active = false;
        waitingForQuiet = false;
        waitingForDrain = false;
        UringConnection to = target;
        target = null;
        to.spliceInto = null;
        SpliceCompletion callback = onDone;
        onDone = null;
        if (inPipe[0] > 0 || inPipe[1] > 0) {
            // Bytes stuck in the pipe belong to a failed transfer: start the next one on a clean pipe.
            closePipe();
            inPipe[0] = 0;
            inPipe[1] = 0;
        }
        if (ended) {
            source.splicedToEnd();
        }
        if (!source.isClosedByUser()) {
            callback.spliced(moved, error);
        }
        source.spliceFinished();
    }

    private void closePipe() {
        for (int i = 0; i < 2; i++) {
            if (pipeRead[i] >= 0) {
                Libc.close(driver.errno, pipeRead[i]);
                Libc.close(driver.errno, pipeWrite[i]);
                pipeRead[i] = -1;
                pipeWrite[i] = -1;
            }
        }
    }

    /** The source is gone and no splice operation is in flight: let the pipe go. */
    void release() {
        closePipe();
    }
}
