/**
 * Event loops: one platform thread per loop, its duty cycle, its inbox for work handed in
 * from other threads (virtual threads running blocking hooks, the admin server), and the
 * group that starts and stops them. Depends on the transport SPI, buffers and timers.
 */
package dev.isthmus.core.loop;
