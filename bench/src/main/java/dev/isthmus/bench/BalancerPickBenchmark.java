package dev.isthmus.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.balance.BackendSelection;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.core.upstream.balance.PeerFilter;

/**
 * One balancing decision as the proxy makes it: hash the key (keyed algorithms only), select,
 * release. Eight peers with mixed weights, a filter accepting every peer. The 36-byte key sits
 * in off-heap memory with no ByteBuffer in the view, as in the loop's buffer chunks: a UUID for
 * consistent hashing, an IPv6 client address for ip-hash. Run with {@code -prof gc} to see
 * that a pick allocates nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class BalancerPickBenchmark {
    private static final int[] WEIGHTS = {1, 4, 2, 1, 3, 1, 2, 5};
    private static final String UUID_KEY = "c1f8e6a2-0d39-4b8e-9a07-3c5d1e2f4b6a";
    private static final String ADDRESS_KEY = "2001:db8:85a3:4c1e:9d2f:8a2e:370:734";

    @Param({"round-robin", "weighted-round-robin", "least-conn", "ip-hash", "consistent-hash"})
    public String algorithm;

    private BackendSelection selection;
    private boolean keyed;
    /** Keeps the memory behind {@link #key} reachable. */
    private ByteBuffer keyMemory;
    private UnsafeBuffer key;
    private int keyLength;

    @Setup
    public void setUp() {
        BalanceAlgorithm balance = BalanceAlgorithm.fromName(algorithm);
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < WEIGHTS.length; i++) {
            peers.add(new Peer(i, "10.0.0." + (i + 1), 8080, WEIGHTS[i]));
        }
        selection = balance.create(peers);
        keyed = balance.usesKey();

        byte[] text = (balance == BalanceAlgorithm.IP_HASH ? ADDRESS_KEY : UUID_KEY).getBytes(StandardCharsets.US_ASCII);
        keyMemory = ByteBuffer.allocateDirect(64);
        key = new UnsafeBuffer(BufferUtil.address(keyMemory), keyMemory.capacity());
        key.putBytes(0, text);
        keyLength = text.length;
    }

    @Benchmark
    public Peer pick() {
        long keyHash = keyed ? selection.hashKey(key, 0, keyLength) : 0;
        Peer peer = selection.select(keyHash, PeerFilter.ANY);
        selection.release(peer);
        return peer;
    }
}
