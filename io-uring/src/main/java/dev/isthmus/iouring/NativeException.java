package dev.isthmus.iouring;

import java.io.IOException;
import java.net.ConnectException;

/**
 * A system call or io_uring operation failed; the message names the call and the errno
 * ("connect: ECONNREFUSED (connection refused)"), {@link #errno()} gives the number.
 */
public class NativeException extends IOException {
    private final int errno;

    public NativeException(String call, int errno) {
        super(call + ": " + Errno.name(errno) + (Errno.describe(errno).isEmpty() ? "" : " (" + Errno.describe(errno) + ")"));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** The exception for a failed operation: a {@link ConnectException} for refused connects, as the JDK does. */
    static IOException of(String call, int errno) {
        if (errno == Errno.ECONNREFUSED) {
            return new ConnectException(new NativeException(call, errno).getMessage());
        }
        return new NativeException(call, errno);
    }
}
