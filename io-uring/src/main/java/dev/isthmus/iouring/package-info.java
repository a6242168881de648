/**
 * The io_uring transport: raw system calls through the FFM API (no JNI, no liburing), one
 * ring per event loop, multishot accept and receive into provided buffers from the loop's
 * chunk pool, batched sends, and splice(2) for zero-copy forwarding. Depends on core only;
 * selected with {@code --io uring|auto}, falling back to NIO where the kernel says no.
 */
package dev.isthmus.iouring;
