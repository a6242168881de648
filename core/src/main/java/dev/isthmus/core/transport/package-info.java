/**
 * The transport SPI: listeners, connections and their handlers, and the per-loop I/O driver
 * a transport supplies. Protocols program against these interfaces only; implementations
 * live in {@code transport.nio} (here) and the io-uring module.
 */
package dev.isthmus.core.transport;
