package dev.isthmus.core.transport;

/**
 * Moving bytes from one connection to another without copying them through user space
 * (splice(2) through a pipe). Transports that cannot do it return null from
 * {@link Connection#splice()}; protocols then forward through chunks.
 */
public interface SpliceCapability {
    /**
     * Forwards up to {@code maxBytes} (or until end of stream when negative) arriving on this
     * connection to {@code target} inside the kernel; the transport calls
     * {@code onDone} with the number of bytes moved when done or failed, never from within
     * this call. Bytes the connection had already received are written to {@code target}
     * first (and counted). The end of stream ends the splice (with fewer bytes than asked, when
     * a limit was given) instead of {@code onReadEnd}; the connection reads as usual afterwards.
     */
    void spliceTo(Connection target, long maxBytes, SpliceCompletion onDone);

    /**
     * Bytes the running (or the last) splice from this connection has moved so far, for
     * progress-based idle timeouts: no callback arrives while a splice runs.
     */
    long moved();

    /**
     * Told on the loop thread when a splice finished ({@code error} null) or failed; a
     * failure on the target's side (it went away, or was closed) comes as
     * {@link TargetFailedException}, anything else concerns the source.
     */
    interface SpliceCompletion {
        void spliced(long bytes, Exception error);
    }

    /** The splice failed because of its target, not its source. */
    final class TargetFailedException extends java.io.IOException {
        public TargetFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
