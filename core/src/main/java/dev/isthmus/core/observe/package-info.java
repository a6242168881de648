/**
 * Observability: per-loop sharded counters, gauges and latency histograms (HdrHistogram),
 * their Prometheus rendering, and the admin listener that serves them. Recording is
 * wait-free and allocation-free; only scraping takes locks.
 */
package dev.isthmus.core.observe;
