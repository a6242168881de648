package dev.isthmus.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.broker.TopicTrie;

/**
 * One PUBLISH topic matched against the broker's subscriptions: a trie of 10,003 subscriptions
 * over 2,000 devices ({@code site/building/device/metric}): 6,000 exact filters, 2,000 with a
 * {@code +} level (ten subscribers each), 2,000 {@code device/#}, and three broad ones
 * ({@code +/+/+/temperature}, {@code site3/#}, {@code #}). The topic sits in off-heap memory as
 * in the loop's buffer chunks; the visitor only sums what it sees.
 *
 * <ul>
 *   <li>{@code hit}: a device's temperature, 15 subscriptions (exact, ten {@code +}, {@code #},
 *       the broad ones)</li>
 *   <li>{@code metric-miss}: a metric nobody subscribed to exactly, 3 subscriptions</li>
 *   <li>{@code unrelated}: a topic outside the hierarchy, only {@code #}</li>
 * </ul>
 *
 * Run with {@code -prof gc} to see that a match allocates nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class TopicMatchBenchmark {
    private static final String[] METRICS = {"temperature", "humidity", "power"};

    @Param({"hit", "metric-miss", "unrelated"})
    public String topic;

    private TopicTrie<Integer> trie;
    private final SummingVisitor visitor = new SummingVisitor();
    /** Keeps the memory behind {@link #buffer} reachable. */
    private ByteBuffer memory;
    private UnsafeBuffer buffer;
    private int length;

    /** Folds every visit into a sum the benchmark returns, so nothing is optimised away. */
    static final class SummingVisitor implements TopicTrie.Visitor<Integer> {
        long sum;

        @Override
        public void visit(Integer subscriber, SubscriptionOptions options) {
            sum += subscriber + options.maxQos();
        }
    }

    @Setup
    public void setUp() {
        trie = new TopicTrie<>();
        int subscriber = 0;
        for (int site = 0; site < 10; site++) {
            for (int building = 0; building < 10; building++) {
                for (int device = 0; device < 20; device++) {
                    String base = "site" + site + "/building" + building + "/device" + device;
                    for (String metric : METRICS) {
                        trie.subscribe(base + '/' + metric, subscriber++, SubscriptionOptions.of(subscriber % 3));
                    }
                    trie.subscribe("site" + site + "/+/device" + device + '/' + METRICS[device % 3], subscriber++,
                            SubscriptionOptions.of(1));
                    trie.subscribe(base + "/#", subscriber++, SubscriptionOptions.of(0));
                }
            }
        }
        trie.subscribe("+/+/+/temperature", subscriber++, SubscriptionOptions.of(0));
        trie.subscribe("site3/#", subscriber++, SubscriptionOptions.of(1));
        trie.subscribe("#", subscriber, SubscriptionOptions.of(2));

        String text = switch (topic) {
            case "hit" -> "site3/building7/device12/temperature";
            case "metric-miss" -> "site3/building7/device12/voltage";
            case "unrelated" -> "factory/line1/robot4/arm";
            default -> throw new IllegalArgumentException(topic);
        };
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        memory = ByteBuffer.allocateDirect(128);
        buffer = new UnsafeBuffer(BufferUtil.address(memory), memory.capacity());
        buffer.putBytes(16, bytes);
        length = bytes.length;
        int expected = switch (topic) {
            case "hit" -> 15;
            case "metric-miss" -> 3;
            default -> 1;
        };
        int matched = trie.match(buffer, 16, length, visitor);
        if (trie.size() != 10_003 || matched != expected) {
            throw new IllegalStateException(trie.size() + " subscriptions, " + matched + " matched, expected " + expected);
        }
    }

    @Benchmark
    public long match() {
        int matched = trie.match(buffer, 16, length, visitor);
        return visitor.sum + matched;
    }
}
