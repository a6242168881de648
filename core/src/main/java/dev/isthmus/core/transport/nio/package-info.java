/**
 * The NIO transport: a {@link java.nio.channels.Selector} per loop, non-blocking socket
 * channels, gathering writes from off-heap chunks. The default transport and the fallback
 * when io_uring is unavailable.
 */
package dev.isthmus.core.transport.nio;
