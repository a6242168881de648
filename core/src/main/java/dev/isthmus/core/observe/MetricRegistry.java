package dev.isthmus.core.observe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.HdrHistogram.Histogram;

/**
 * The process's metrics, rendered in the Prometheus text format (version 0.0.4).
 *
 * <p>Metrics are sharded by event loop: a loop updates only its own shard, so recording costs
 * no contention. Registration happens at start-up (it allocates and synchronises); the hot
 * path holds on to the returned objects.
 *
 * <p>Names should carry the {@code isthmus_} prefix and a unit suffix; labels are given as
 * alternating name/value strings.
 */
public final class MetricRegistry {
    /** Histogram bucket bounds in seconds, from half a millisecond to ten seconds. */
    private static final double[] LATENCY_BUCKETS = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    };

    private final int shards;
    private final Map<String, Family> families = new LinkedHashMap<>();

    /** @param shards how many event loops will record (shard indexes 0..shards-1) */
    public MetricRegistry(int shards) {
        this.shards = Math.max(1, shards);
    }

    public int shards() {
        return shards;
    }

    public synchronized ShardedCounter counter(String name, String help, String... labels) {
        ShardedCounter counter = new ShardedCounter(shards);
        family(name, help, "counter").series.add(new Series(labels(labels), counter::sum, null));
        return counter;
    }

    public synchronized ShardedGauge gauge(String name, String help, String... labels) {
        ShardedGauge gauge = new ShardedGauge(shards);
        family(name, help, "gauge").series.add(new Series(labels(labels), gauge::value, null));
        return gauge;
    }

    /** A gauge whose value is read from {@code value} at scrape time (from the scraping thread). */
    public synchronized void gauge(String name, String help, LongSupplier value, String... labels) {
        family(name, help, "gauge").series.add(new Series(labels(labels), value, null));
    }

    public synchronized LatencyHistogram histogram(String name, String help, String... labels) {
        LatencyHistogram histogram = new LatencyHistogram(shards);
        family(name, help, "histogram").series.add(new Series(labels(labels), null, histogram));
        return histogram;
    }

    private Family family(String name, String help, String type) {
        Family family = families.computeIfAbsent(name, n -> new Family(n, help, type));
        if (!family.type.equals(type)) {
            throw new IllegalArgumentException(name + " is already registered as a " + family.type);
        }
        return family;
    }

    private static String labels(String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        if (pairs.length == 0) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            text.append(i == 0 ? "" : ",").append(pairs[i]).append("=\"").append(escape(pairs[i + 1])).append('"');
        }
        return text.toString();
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** All metrics in the Prometheus text exposition format. */
    public synchronized String scrape() {
        StringBuilder out = new StringBuilder(4096);
        for (Family family : families.values()) {
            out.append("# HELP ").append(family.name).append(' ').append(family.help).append('\n');
            out.append("# TYPE ").append(family.name).append(' ').append(family.type).append('\n');
            for (Series series : family.series) {
                if (series.histogram != null) {
                    writeHistogram(out, family.name, series.labels, series.histogram.snapshot());
                } else {
                    sample(out, family.name, series.labels, Long.toString(series.value.getAsLong()));
                }
            }
        }
        return out.toString();
    }

    private static void writeHistogram(StringBuilder out, String name, String labels, Histogram micros) {
        String prefix = labels.isEmpty() ? "" : labels + ",";
        for (double bound : LATENCY_BUCKETS) {
            long count = micros.getTotalCount() == 0 ? 0
                    : micros.getCountBetweenValues(0, (long) (bound * 1_000_000));
            sample(out, name + "_bucket", prefix + "le=\"" + bound + "\"", Long.toString(count));
        }
        sample(out, name + "_bucket", prefix + "le=\"+Inf\"", Long.toString(micros.getTotalCount()));
        // HdrHistogram keeps no exact sum; mean times count is exact to the histogram's precision.
        double sumSeconds = micros.getTotalCount() == 0 ? 0 : micros.getMean() * micros.getTotalCount() / 1e6;
        sample(out, name + "_sum", labels, Double.toString(sumSeconds));
        sample(out, name + "_count", labels, Long.toString(micros.getTotalCount()));
    }

    private static void sample(StringBuilder out, String name, String labels, String value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    private record Series(String labels, LongSupplier value, LatencyHistogram histogram) {
    }

    private static final class Family {
        final String name;
        final String help;
        final String type;
        final List<Series> series = new ArrayList<>();

        Family(String name, String help, String type) {
            this.name = name;
            this.help = help;
            this.type = type;
        }
    }
}
