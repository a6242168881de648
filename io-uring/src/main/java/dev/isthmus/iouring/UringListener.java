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
final class UringListener extends UringDriver.Completer implements Listener {
    private static final long PAUSE_MILLIS = 100;

    private final UringDriver driver;
    private final int fd;
    private final Acceptor acceptor;
    private final InetSocketAddress localAddress;
    private final Timer resume = new Timer() {
        @Override
        protected void onTimeout(long nowNanos) {
            paused = false;
            if (!closed && !accepting) {
                arm();
            }
        }
    };
    private boolean accepting;
    private boolean paused;
    private boolean closed;
    private boolean descriptorClosed;

    private UringListener(UringDriver driver, int fd, Acceptor acceptor, InetSocketAddress localAddress) {
        this.driver = driver;
        this.fd = fd;
        this.acceptor = acceptor;
        this.localAddress = localAddress;
    }

    static UringListener open(UringDriver driver, InetSocketAddress address, boolean reusePort, int backlog,
                              Acceptor acceptor) throws IOException {
        if (address.isUnresolved()) {
            throw new IOException("unresolved address " + address);
        }
        int family = SocketAddresses.family(address);
        int fd = Libc.socket(driver.errno, family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeException("socket", Libc.errno(driver.errno));
        }
        UringDriver.NativeScratch scratch = driver.scratch();
        try {
            UringConnection.Sockets.setInt(driver, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            if (reusePort) {
                UringConnection.Sockets.setInt(driver, fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            }
            // Accepted sockets inherit TCP_NODELAY from the listener: no setsockopt per connection.
            UringConnection.Sockets.setInt(driver, fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            int length = SocketAddresses.write(address, family, scratch.sockaddr());
            if (Libc.bind(driver.errno, fd, scratch.sockaddr(), length) < 0) {
                throw new NativeException("bind to " + address, Libc.errno(driver.errno));
            }
            if (Libc.listen(driver.errno, fd, backlog) < 0) {
                throw new NativeException("listen on " + address, Libc.errno(driver.errno));
            }
            InetSocketAddress bound = UringConnection.Sockets.address(driver, fd, false);
            UringListener listener = new UringListener(driver, fd, acceptor, bound);
            driver.register(listener);
            listener.arm();
            return listener;
        } catch (IOException | RuntimeException e) {
            Libc.close(driver.errno, fd);
            throw e;
        } finally {
            driver.recycle(scratch);
        }
    }

    private void arm() {
        long sqe = driver.sqe();
        driver.ring.prepare(sqe, Ring.OP_ACCEPT, fd, 0, 0, 0, userData(UringDriver.T_ACCEPT));
        driver.ring.setIoprio(sqe, Ring.IORING_ACCEPT_MULTISHOT);
        driver.ring.setOpFlags(sqe, Libc.SOCK_CLOEXEC);
        accepting = true;
    }

    @Override
    void complete(int type, int result, int flags) {
        boolean more = (flags & Ring.IORING_CQE_F_MORE) != 0;
        if (!more) {
            accepting = false;
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
            if (accepting) {
                driver.cancel(userData(UringDriver.T_ACCEPT));
            }
            driver.loop.timers().schedule(resume, driver.loop.now() + PAUSE_MILLIS * 1_000_000L);
        }
        // Other failures (a client that reset before being accepted) concern one connection only.
        if (closed) {
            finishCloseIfIdle();
        } else if (!accepting && !paused) {
            arm();
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Stops accepting; the socket closes as soon as the kernel has let go of the accept. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        driver.loop.timers().cancel(resume);
        if (accepting) {
            driver.cancel(userData(UringDriver.T_ACCEPT));
        }
        finishCloseIfIdle();
    }

    private void finishCloseIfIdle() {
        if (!accepting && !descriptorClosed) {
            descriptorClosed = true;
            driver.closeDescriptor(fd);
            driver.unregister(this);
        }
    }

    @Override
    void abort() {
        close();
    }

    @Override
    void closeDescriptorNow() {
        if (!descriptorClosed) {
            descriptorClosed = true;
            Libc.close(driver.errno, fd);
            driver.unregister(this);
        }
    }
}
