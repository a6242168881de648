package dev.isthmus.core.upstream.balance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import dev.isthmus.core.upstream.Peer;

/**
 * Ketama consistent hashing, point for point the ring of nginx's {@code hash KEY consistent}
 * (itself compatible with Cache::Memcached::Fast), so a key lands on the same peer here as in
 * an nginx with the same servers and weights. Adding or removing a peer only moves the keys
 * that land on, or leave, that peer.
 *
 * <p>Each peer gets {@code 160 * weight} points. Point {@code j} hashes, with CRC-32, the host
 * text, one zero byte, the port as decimal text and the previous point's hash as four
 * little-endian bytes (zero for the first point). The host text is what nginx sees in
 * {@code server HOST:PORT}, so an IPv6 literal is hashed with its brackets. Points are sorted
 * by unsigned hash; when two points share a hash only one is kept, as in nginx. Which one
 * nginx keeps depends on its {@code qsort}; here it is the one created first (peers in group
 * order). Collisions are rare: about one ring in a thousand has one, at 3,200 points.
 *
 * <p>A key's CRC-32 selects the first point whose hash is at least the key's, wrapping past
 * the last point to the first. If the filter rejects that point's peer, the following points
 * are tried, skipping peers already rejected, so a rejected peer's keys spread over the others
 * exactly as if it had been removed.
 *
 * <p>Caveats: nginx hashes the server text as configured, so a server written there without a
 * port lands elsewhere. A host name resolving to several addresses is one server to nginx,
 * which shares its points among the addresses; here peers with the same host and port have
 * identical points, and only the first of them gets keys.
 */
final class KetamaRing implements BackendSelection {
    private static final int POINTS_PER_WEIGHT = 160;

    private final List<Peer> peers;
    private final Peer[] ring;
    /** Point hashes, sorted as unsigned values, distinct. */
    private final int[] pointHashes;
    /** Index of the peer owning each point. */
    private final int[] pointPeers;
    /** Entry i is {@code pick} when peer i was rejected during that pick; saves clearing. */
    private final long[] rejectedInPick;
    private long pick;

    KetamaRing(List<Peer> peers) {
        this.peers = peers;
        this.ring = peers.toArray(new Peer[0]);
        this.rejectedInPick = new long[ring.length];

        int total = 0;
        for (Peer peer : ring) {
            total = Math.addExact(total, Math.multiplyExact(POINTS_PER_WEIGHT, peer.weight()));
        }
        // The hash with its sign bit flipped in the high half (so a signed sort orders hashes
        // as unsigned) and the creation order in the low half (so equal hashes stay in
        // creation order).
        long[] sortable = new long[total];
        int[] ownerByCreation = new int[total];
        int created = 0;
        for (Peer peer : ring) {
            for (int hash : peerPointHashes(peer)) {
                sortable[created] = (long) (hash ^ Integer.MIN_VALUE) << 32 | created;
                ownerByCreation[created] = peer.index();
                created++;
            }
        }
        Arrays.sort(sortable);

        int[] hashes = new int[total];
        int[] owners = new int[total];
        int distinct = 0;
        for (long point : sortable) {
            int hash = (int) (point >>> 32) ^ Integer.MIN_VALUE;
            if (distinct > 0 && hashes[distinct - 1] == hash) {
                continue;
            }
            hashes[distinct] = hash;
            owners[distinct] = ownerByCreation[(int) point];
            distinct++;
        }
        this.pointHashes = Arrays.copyOf(hashes, distinct);
        this.pointPeers = Arrays.copyOf(owners, distinct);
    }

    @Override
    public Peer select(long keyHash, PeerFilter filter) {
        int points = pointHashes.length;
        if (points == 0) {
            return null;
        }
        long currentPick = ++pick;
        int rejected = 0;
        int point = firstPointAtOrAbove((int) keyHash);
        for (int visited = 0; visited < points; visited++) {
            if (point == points) {
                point = 0;
            }
            int owner = pointPeers[point++];
            if (rejectedInPick[owner] == currentPick) {
                continue;
            }
            Peer peer = ring[owner];
            if (filter.accept(peer)) {
                return peer;
            }
            rejectedInPick[owner] = currentPick;
            if (++rejected == ring.length) {
                return null;
            }
        }
        return null;
    }

    @Override
    public List<Peer> peers() {
        return peers;
    }

    /** @return the index of the first point with hash >= keyHash (unsigned), or the point count */
    private int firstPointAtOrAbove(int keyHash) {
        int low = 0;
        int high = pointHashes.length;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (Integer.compareUnsigned(pointHashes[middle], keyHash) < 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private static int[] peerPointHashes(Peer peer) {
        String host = peer.host().indexOf(':') >= 0 ? "[" + peer.host() + "]" : peer.host();
        byte[] hostBytes = host.getBytes(StandardCharsets.UTF_8);
        byte[] portBytes = Integer.toString(peer.port()).getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[hostBytes.length + 1 + portBytes.length + Integer.BYTES];
        System.arraycopy(hostBytes, 0, input, 0, hostBytes.length);
        System.arraycopy(portBytes, 0, input, hostBytes.length + 1, portBytes.length);
        int previousAt = input.length - Integer.BYTES;

        int[] hashes = new int[POINTS_PER_WEIGHT * peer.weight()];
        CRC32 crc = new CRC32();
        int previous = 0;
        for (int j = 0; j < hashes.length; j++) {
            input[previousAt] = (byte) previous;
            input[previousAt + 1] = (byte) (previous >>> 8);
            input[previousAt + 2] = (byte) (previous >>> 16);
            input[previousAt + 3] = (byte) (previous >>> 24);
            crc.reset();
            crc.update(input);
            previous = (int) crc.getValue();
            hashes[j] = previous;
        }
        return hashes;
    }
}
