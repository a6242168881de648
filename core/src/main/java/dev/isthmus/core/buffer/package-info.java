/**
 * Off-heap buffers: fixed-size reference-counted chunks from per-loop pools, viewed as NIO
 * buffers for I/O and Agrona buffers for codecs. Depends on the JDK and Agrona only.
 */
package dev.isthmus.core.buffer;
