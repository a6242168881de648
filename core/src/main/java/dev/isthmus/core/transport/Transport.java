package dev.isthmus.core.transport;

import java.io.IOException;

import dev.isthmus.core.loop.EventLoop;

/**
 * A way of doing network I/O (NIO selectors, io_uring) behind one SPI, so protocols never
 * know which one runs. The engine asks the transport for one {@link IoDriver} per event loop.
 */
public interface Transport {
    /** Short name for flags and logs ("nio", "uring"). */
    String name();

    /** Creates the driver for {@code loop}; called on the loop thread before it starts. */
    IoDriver open(EventLoop loop) throws IOException;
}
