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
     * {@code onDone} with the number of bytes moved when done or failed.
     */
    void spliceTo(Connection target, long maxBytes, SpliceCompletion onDone);

    /** Told on the loop thread when a splice finished ({@code error} null) or failed. */
    interface SpliceCompletion {
        void spliced(long bytes, Exception error);
    }
}
