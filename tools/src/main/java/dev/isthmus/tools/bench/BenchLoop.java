package dev.isthmus.tools.bench;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.FlushBatch;
import dev.isthmus.protocol.mqtt.codec.AckView;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the bench keeps per event loop: its clients, the codec objects they share (one PUBLISH
 * encoder and the views, reused for every message), its row of counters, its latency histogram,
 * and the once-per-iteration flush of the clients that wrote something. Loop thread only, except
 * {@link #histogram()} after the loop has ended.
 */
final class BenchLoop {
    /** Microseconds; anything above an hour is recorded as an hour. */
    static final long HIGHEST_LATENCY_MICROS = 3_600_000_000L;

    final EventLoop loop;
    final BenchRun run;
    final int row;
    final PublishEncoder encoder = new PublishEncoder();
    final PublishView publishView = new PublishView();
    final AckView ackView = new AckView();
    private final Histogram histogram = new Histogram(HIGHEST_LATENCY_MICROS, 3);
    final List<BenchClient> clients = new ArrayList<>();

    private final FlushBatch<BenchClient> flushes;

    private BenchClient[] ready = new BenchClient[64];
    private BenchClient[] spare = new BenchClient[64];
    private int readyCount;
    private boolean readyScheduled;
    private final Runnable runReady = this::runReady;

    BenchLoop(EventLoop loop, BenchRun run, int row) {
        this.loop = loop;
        this.run = run;
        this.row = row;
        this.flushes = new FlushBatch<>(loop);
    }

    void count(int counter) {
        run.counters.increment(row, counter);
    }

    /** Records one end-to-end latency in microseconds (negative clock differences count as 0). */
    void recordLatency(long micros) {
        long v = Math.min(Math.max(micros, 0), HIGHEST_LATENCY_MICROS);
        long expected = run.config.expectedIntervalMicros();
        if (expected > 0) {
            histogram.recordValueWithExpectedInterval(v, expected);
        } else {
            histogram.recordValue(v);
        }
    }

    Histogram histogram() {
        return histogram;
    }

    /** {@code client} wrote; its bytes go out at the end of this loop iteration. */
    void markDirty(BenchClient client) {
        flushes.add(client);
    }

    /** {@code client} has more to publish now; it continues on the next turn of the loop, after I/O. */
    void continueLater(BenchClient client) {
        if (client.queued) {
            return;
        }
        client.queued = true;
        if (readyCount == ready.length) {
            ready = Arrays.copyOf(ready, readyCount * 2);
            spare = new BenchClient[ready.length];
        }
        ready[readyCount++] = client;
        if (!readyScheduled) {
            readyScheduled = true;
            loop.execute(runReady);
        }
    }

    private void runReady() {
        readyScheduled = false;
        int count = readyCount;
        BenchClient[] batch = ready;
        ready = spare;
        spare = batch;
        readyCount = 0;
        for (int i = 0; i < count; i++) {
            BenchClient client = batch[i];
            batch[i] = null;
            client.queued = false;
            client.pump(loop.now());
        }
    }

    /** Sends DISCONNECT on every connected client and flushes (the end of the run). */
    void disconnectAll() {
        for (BenchClient client : clients) {
            client.disconnect();
        }
        flushes.flushNow();
    }
}
