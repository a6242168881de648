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
 * a pipe the source keeps for its lifetime: splice(2) moves socket pages into the pipe and
 * from the pipe into the other socket, so the bytes never enter user space.
 *
 * <p>The splices are nonblocking system calls made on the loop itself, and io_uring only
 * waits: when the source has nothing or the target takes nothing, a one-shot POLL_ADD says
 * when to try again. (A SPLICE operation would do the same work on an io-wq worker thread,
 * with a hand-off to it and back for every step, which costs more than the call.) Both
 * sockets are switched to O_NONBLOCK the first time they splice, since splice(2) waits on a
 * blocking socket whatever its flags say; io_uring's own operations do not mind the flag.
 *
 * <p>A splice starts with what the source's multishot receive already brought into user
 * space (it is written to the target first, counted against the limit), then stops the
 * receive and waits until the target's write queue is empty, so bytes leave in order. The end
 * of stream or the limit ends it; the source then receives normally again (after an end of
 * stream it stays ended: the completion says so instead of {@code onReadEnd}).
 */
final class UringSplice implements SpliceCapability {
    /** Asked for with F_SETPIPE_SZ; the kernel may give less (fs.pipe-max-size). */
    private static final int PIPE_BYTES = 1 << 20;
    private static final int FLAGS = Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK;
    /** Fill-and-drain rounds per turn before other connections of the loop get theirs. */
    private static final int ROUNDS_PER_TURN = 4;

    private final UringConnection source;
    private final UringDriver driver;
    private int pipeRead = -1;
    private int pipeWrite = -1;
    private long inPipe;
    private int pipeCapacity;

    private boolean active;
    private UringConnection target;
    private long remaining;
    private long moved;
    private SpliceCompletion onDone;
    private boolean waitingForQuiet;
    private boolean waitingForDrain;
    /** A POLL_ADD waits for the source to become readable. */
    private boolean pollingIn;
    /** A POLL_ADD waits for the target to become writable. */
    private boolean pollingOut;
    private boolean turnScheduled;
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
        inPipe = 0;
        onDone = done;
        ended = false;
        failure = null;
        if (!source.isOpen() || !other.isOpen()) {
            failure = new IOException("splice between closed connections");
        } else {
            try {
                if (pipeRead < 0) {
                    openPipe();
                }
                source.makeNonBlocking();
                other.makeNonBlocking();
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
            if (Libc.pipe2(driver.errno, fds, Libc.O_CLOEXEC | Libc.O_NONBLOCK) < 0) {
                throw new NativeException("pipe2", Libc.errno(driver.errno));
            }
            pipeRead = fds.get(JAVA_INT, 0);
            pipeWrite = fds.get(JAVA_INT, 4);
        } finally {
            driver.recycle(scratch);
        }
        int size = Libc.fcntl(driver.errno, pipeWrite, Libc.F_SETPIPE_SZ, PIPE_BYTES);
        // Without a bigger pipe the default one (64 KiB) still works, only in smaller steps.
        pipeCapacity = size > 0 ? size : Libc.fcntl(driver.errno, pipeWrite, Libc.F_GETPIPE_SZ, 0);
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
            if (insideCaller) {
                scheduleTurn();
            } else {
                pump();
            }
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

    private void scheduleTurn() {
        if (!turnScheduled) {
            turnScheduled = true;
            driver.loop.execute(this::turn);
        }
    }

    private void turn() {
        turnScheduled = false;
        if (active && !waitingForQuiet && !waitingForDrain) {
            pump();
        }
    }

    /**
     * Fills the pipe from the source and drains it into the target until one of them would
     * wait (then a POLL_ADD waits for it), the transfer is done, or this turn's rounds are used
     * up (then the loop's other work comes first and the next turn follows).
     */
    private void pump() {
        for (int round = 0; failure == null; round++) {
            if (round == ROUNDS_PER_TURN) {
                scheduleTurn();
                return;
            }
            boolean progress = false;
            if (!pollingIn && !ended && remaining != 0 && inPipe < pipeCapacity) {
                long length = pipeCapacity - inPipe;
                if (remaining > 0) {
                    length = Math.min(length, remaining);
                }
                long result = Libc.splice(driver.errno, source.fd, pipeWrite, length, FLAGS);
                if (result > 0) {
                    inPipe += result;
                    if (remaining > 0) {
                        remaining -= result;
                    }
                    progress = true;
                } else if (result == 0) {
                    ended = true;
                } else {
                    int errno = Libc.errno(driver.errno);
                    if (errno == Errno.EINTR) {
                        progress = true;
                    } else if (errno != Errno.EAGAIN) {
                        failure = new NativeException("splice from socket", errno);
                    } else if (inPipe == 0) {
                        pollingIn = true;
                        poll(source, Ring.POLLIN | Ring.POLLRDHUP, UringDriver.T_SPLICE_IN);
                    }
                    // EAGAIN with bytes in the pipe may mean the pipe has no free slot (socket
                    // fragments can fill its slots before its bytes): polling the source would
                    // spin. Draining below either makes room (another round) or waits for the
                    // target, whose readiness brings the next attempt.
                }
            }
            if (!pollingOut && inPipe > 0 && failure == null) {
                long result = Libc.splice(driver.errno, pipeRead, target.fd, inPipe, FLAGS);
                if (result > 0) {
                    inPipe -= result;
                    moved += result;
                    progress = true;
                } else {
                    int errno = result == 0 ? 0 : Libc.errno(driver.errno);
                    if (errno == Errno.EAGAIN) {
                        pollingOut = true;
                        poll(target, Ring.POLLOUT, UringDriver.T_SPLICE_OUT);
                    } else if (errno == Errno.EINTR) {
                        progress = true;
                    } else {
                        String message = errno == 0 ? "splice to socket moved nothing"
                                : new NativeException("splice to socket", errno).getMessage();
                        failure = new TargetFailedException(message, null);
                    }
                }
            }
            if (!progress) {
                break;
            }
        }
        if (failure != null) {
            cancelPolls();
            if (!pollingIn && !pollingOut) {
                finish(failure);
            }
        } else if (!pollingIn && !pollingOut && inPipe == 0 && (ended || remaining == 0)) {
            finish(null);
        }
    }

    /** One-shot readiness wait on {@code connection}'s socket, named after the source's slot. */
    private void poll(UringConnection connection, int events, int type) {
        long sqe = driver.sqe();
        driver.ring.prepare(sqe, Ring.OP_POLL_ADD, connection.fd, 0, 0, 0, source.userData(type));
        driver.ring.setOpFlags(sqe, events);
        source.spliceSubmitted();
    }

    /** A readiness wait of the source completed: the socket is ready, failed, or the wait was cancelled. */
    void completed(int type, int result) {
        if (type == UringDriver.T_SPLICE_IN) {
            pollingIn = false;
        } else {
            pollingOut = false;
        }
        if (!active) {
            return;
        }
        if (failure != null) {
            if (!pollingIn && !pollingOut) {
                finish(failure);
            }
            return;
        }
        if (result < 0 && result != -Errno.ECANCELED) {
            // The poll itself failed (not the socket: its errors come from the next splice).
            IOException cause = NativeException.of("poll", -result);
            failure = type == UringDriver.T_SPLICE_IN ? cause : new TargetFailedException(cause.getMessage(), cause);
            cancelPolls();
            if (!pollingIn && !pollingOut) {
                finish(failure);
            }
            return;
        }
        pump();
    }

    private void cancelPolls() {
        if (pollingIn) {
            driver.cancel(source.userData(UringDriver.T_SPLICE_IN));
        }
        if (pollingOut) {
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
        if (pollingIn || pollingOut) {
            cancelPolls();
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
        if (inPipe > 0) {
            // Bytes stuck in the pipe belong to a failed transfer: start the next one on a clean pipe.
            closePipe();
            inPipe = 0;
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
        if (pipeRead >= 0) {
            Libc.close(driver.errno, pipeRead);
            Libc.close(driver.errno, pipeWrite);
            pipeRead = -1;
            pipeWrite = -1;
        }
    }

    /** The source is gone and no readiness wait is in flight: let the pipe go. */
    void release() {
        closePipe();
    }
}
