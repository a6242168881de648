package dev.isthmus.iouring;

import java.io.IOException;
import java.net.InetSocketAddress;

import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Listener;

/**
 * A listening socket of one io_uring loop, created through FFM, with one multishot accept
 * armed: every connection the kernel accepts arrives as a completion carrying its descriptor.
 * When the process runs out of descriptors the accept pauses for
 * {@value #PAUSE_MILLIS} ms, so established connections can finish first.
 */
final class UringListener extends UringMultishotSocket {
    private static final long PAUSE_MILLIS = 100;

    private final Acceptor acceptor;
    private final Timer resume = new Timer() {
        @Override
        protected void onTimeout(long nowNanos) {
            paused = false;
            if (!closed && !armed) {
                arm();
            }
        }
    };
    private boolean paused;

    private UringListener(UringDriver driver, int fd, Acceptor acceptor) throws IOException {
        super(driver, fd, UringDriver.T_ACCEPT);
        this.acceptor = acceptor;
    }

    static UringListener open(UringDriver driver, InetSocketAddress address, boolean reusePort, int backlog,
                              Acceptor acceptor) throws IOException {
        int fd = bind(driver, address, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, reusePort);
        try {
            // Accepted sockets inherit TCP_NODELAY from the listener: no setsockopt per connection.
            UringConnection.Sockets.setInt(driver, fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            if (Libc.listen(driver.errno, fd, backlog) < 0) {
                throw new NativeException("listen on " + address, Libc.errno(driver.errno));
            }
            UringListener listener = new UringListener(driver, fd, acceptor);
            listener.start();
            return listener;
        } catch (IOException | RuntimeException e) {
            Libc.close(driver.errno, fd);
            throw e;
        }
    }

    @Override
    void arm() {
        long sqe = driver.sqe();
        driver.ring.prepare(sqe, Ring.OP_ACCEPT, fd, 0, 0, 0, userData(UringDriver.T_ACCEPT));
        driver.ring.setIoprio(sqe, Ring.IORING_ACCEPT_MULTISHOT);
        driver.ring.setOpFlags(sqe, Libc.SOCK_CLOEXEC);
        armed = true;
    }

    @Override
    void complete(int type, int result, int flags) {
        boolean more = (flags & Ring.IORING_CQE_F_MORE) != 0;
        if (!more) {
            armed = false;
        }
        if (result >= 0) {
            if (closed) {
                Libc.close(driver.errno, result);
            } else {
                driver.accepted(result, acceptor);
            }
        } else if (!closed && (result == -Errno.EMFILE || result == -Errno.ENFILE || result == -Errno.ENOMEM
                || result == -Errno.ENOBUFS)) {
            driver.acceptFailed(this, new NativeException("accept", -result), PAUSE_MILLIS * 1_000_000L);
            paused = true;
            if (armed) {
                driver.cancel(userData(UringDriver.T_ACCEPT));
            }
            driver.loop.timers().schedule(resume, driver.loop.now() + PAUSE_MILLIS * 1_000_000L);
        }
        // Other failures (a client that reset before being accepted) concern one connection only.
        if (closed) {
            finishCloseIfIdle();
        } else if (!armed && !paused) {
            arm();
        }
    }

    /** A paused accept is not resumed once closed. */
    @Override
    void onClose() {
        driver.loop.timers().cancel(resume);
    }
}
