package dev.isthmus.iouring;

import java.io.IOException;
import java.net.InetSocketAddress;

import dev.isthmus.core.transport.Listener;

/**
 * A bound socket of one io_uring loop with one multishot operation armed on it: a listener's
 * accept or a UDP socket's readiness poll. Closing cancels the operation, and the descriptor and
 * the slot are let go only when the kernel's last completion for it has arrived, so no completion
 * can reach a slot or a descriptor number that has been reused.
 */
abstract class UringMultishotSocket extends UringDriver.Completer implements Listener {
    final UringDriver driver;
    final int fd;
    final InetSocketAddress localAddress;
    /** The completion type of the armed operation. */
    private final int operation;
    /** Whether the kernel still holds the operation (its last completion has not come). */
    boolean armed;
    boolean closed;
    private boolean descriptorClosed;

    UringMultishotSocket(UringDriver driver, int fd, int operation) throws IOException {
        this.driver = driver;
        this.fd = fd;
        this.operation = operation;
        this.localAddress = UringConnection.Sockets.address(driver, fd, false);
    }

    /**
     * A new socket of {@code type} with SO_REUSEADDR (and SO_REUSEPORT when asked), bound to
     * {@code address}; closed again when that fails.
     */
    static int bind(UringDriver driver, InetSocketAddress address, int type, boolean reusePort) throws IOException {
        if (address.isUnresolved()) {
            throw new IOException("unresolved address " + address);
        }
        int family = SocketAddresses.family(address);
        int fd = Libc.socket(driver.errno, family, type, 0);
        if (fd < 0) {
            throw new NativeException("socket", Libc.errno(driver.errno));
        }
        UringDriver.NativeScratch scratch = driver.scratch();
        try {
            UringConnection.Sockets.setInt(driver, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            if (reusePort) {
                UringConnection.Sockets.setInt(driver, fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            }
            int length = SocketAddresses.write(address, family, scratch.sockaddr());
            if (Libc.bind(driver.errno, fd, scratch.sockaddr(), length) < 0) {
                throw new NativeException("bind to " + address, Libc.errno(driver.errno));
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            Libc.close(driver.errno, fd);
            throw e;
        } finally {
            driver.recycle(scratch);
        }
    }

    /** Takes a slot of the driver and arms the operation. */
    final void start() {
        driver.register(this);
        arm();
    }

    /** Submits the multishot operation and sets {@link #armed}. */
    abstract void arm();

    /** What a subclass lets go of when it closes, before the operation is cancelled. */
    void onClose() {
    }

    @Override
    public final InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClose();
        if (armed) {
            driver.cancel(userData(operation));
        }
        finishCloseIfIdle();
    }

    /** Once the operation's last completion has come: close the descriptor and free the slot. */
    final void finishCloseIfIdle() {
        if (!armed && !descriptorClosed) {
            descriptorClosed = true;
            driver.closeDescriptor(fd);
            driver.unregister(this);
        }
    }

    @Override
    final void abort() {
        close();
    }

    @Override
    final void closeDescriptorNow() {
        if (!descriptorClosed) {
            descriptorClosed = true;
            Libc.close(driver.errno, fd);
            driver.unregister(this);
        }
    }
}
