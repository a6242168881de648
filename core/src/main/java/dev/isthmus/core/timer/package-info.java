/**
 * Timeouts for one event loop: a hashed timer wheel of intrusive timers, so idle, read,
 * connect and response timeouts are rescheduled on every event without allocating.
 * Depends on the JDK only.
 */
package dev.isthmus.core.timer;
