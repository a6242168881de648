package dev.isthmus.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

class MetricRegistryTest {
    @Test
    void countersSumTheirShardsAcrossThreads() throws Exception {
        MetricRegistry registry = new MetricRegistry(4);
        ShardedCounter counter = registry.counter("isthmus_test_total", "test", "kind", "a");
        CountDownLatch done = new CountDownLatch(4);
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            for (int shard = 0; shard < 4; shard++) {
                int mine = shard;
                threads.submit(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        counter.increment(mine);
                    }
                    done.countDown();
                });
            }
            done.await();
        }
        assertEquals(400_000, counter.sum());
        assertTrue(registry.scrape().contains("isthmus_test_total{kind=\"a\"} 400000\n"), registry.scrape());
    }

    @Test
    void histogramRendersCumulativeBucketsAcrossScrapes() {
        MetricRegistry registry = new MetricRegistry(2);
        LatencyHistogram histogram = registry.histogram("isthmus_latency_seconds", "test");
        histogram.recordNanos(0, 300_000);
        histogram.recordNanos(1, 2_000_000);
        String first = registry.scrape();
        assertTrue(first.contains("# TYPE isthmus_latency_seconds histogram\n"), first);
        assertTrue(first.contains("isthmus_latency_seconds_bucket{le=\"5.0E-4\"} 1\n"), first);
        assertTrue(first.contains("isthmus_latency_seconds_bucket{le=\"0.0025\"} 2\n"), first);
        assertTrue(first.contains("isthmus_latency_seconds_count 2\n"), first);
        histogram.recordNanos(0, 7_000_000_000L);
        String second = registry.scrape();
        assertTrue(second.contains("isthmus_latency_seconds_bucket{le=\"5.0\"} 2\n"), second);
        assertTrue(second.contains("isthmus_latency_seconds_bucket{le=\"+Inf\"} 3\n"), second);
        assertTrue(second.contains("isthmus_latency_seconds_count 3\n"), second);
    }

    @Test
    void gaugesAndEscapingAndTypeClashes() {
        MetricRegistry registry = new MetricRegistry(1);
        ShardedGauge gauge = registry.gauge("isthmus_open", "open things", "name", "a\"b");
        gauge.increment(0);
        gauge.increment(0);
        gauge.decrement(0);
        assertTrue(registry.scrape().contains("isthmus_open{name=\"a\\\"b\"} 1\n"), registry.scrape());
        assertThrows(IllegalArgumentException.class, () -> registry.counter("isthmus_open", "clash"));
    }
}
