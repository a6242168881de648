package dev.isthmus.core.upstream.balance;

import java.util.Arrays;
import java.util.List;

import org.agrona.DirectBuffer;

import dev.isthmus.core.upstream.Peer;

/**
 * nginx's {@code ip_hash}: the client address picks the peer, so a client keeps its peer while
 * the group is unchanged. The key is the client address as text ({@code 192.168.1.7},
 * {@code 2001:db8::7}, an optional {@code %zone} suffix is ignored). An IPv4 client is hashed by
 * its first three octets (its /24), an IPv6 client by all 16 bytes; an IPv4-mapped IPv6 address
 * counts as IPv6, as it does for an nginx listening on an IPv6 socket.
 *
 * <p>As in nginx: {@code hash = 89}, then {@code hash = (hash * 113 + byte) % 6271} for each
 * byte; {@code hash % totalWeight} walks the peers by weight. When the filter rejects that
 * peer, the same formula runs again over the address from the current hash, for up to 20
 * retries; then (and for groups of fewer than two peers) the pick falls back to smooth weighted
 * round-robin. Key text that is not an address is hashed with CRC-32 and picks
 * {@code crc % totalWeight}, falling back to weighted round-robin if that peer is rejected.
 *
 * <p>Caveats: a retry for the same request starts the sequence again and skips the peers the
 * filter now rejects, where nginx resumes from the previous hash and counts its 20 retries per
 * request; the peer reached is the same unless that budget runs out. As in nginx, the hash
 * stays below 6271, so with a larger total weight the peers whose share lies past 6271 are
 * never picked by hash.
 */
final class IpHash implements BackendSelection {
    private static final int INITIAL_HASH = 89;
    private static final int MULTIPLIER = 113;
    private static final int MODULUS = 6271;
    private static final int MAX_REHASHES = 20;
    private static final int IPV4_HASHED_BYTES = 3;
    private static final int IPV6_BYTES = 16;
    private static final int NOT_AN_ADDRESS = -1;

    /**
     * A parsed address is encoded as this bit, then the multiplier and the constant of its
     * affine map (see {@link #hashKey}); CRC-32 values never reach bit 40.
     */
    private static final long ADDRESS_KEY = 1L << 40;
    private static final int FIELD_BITS = 16;
    private static final int FIELD_MASK = 0xFFFF;

    /** Value of each byte as a hexadecimal digit, -1 for bytes that are none. */
    private static final byte[] HEX_DIGITS = hexDigits();

    /** {@code 113^k mod 6271}, k = 0..16. */
    private static final int[] MULTIPLIER_POWERS = multiplierPowers();

    private final List<Peer> peers;
    private final Peer[] ring;
    private final int[] weights;
    private final long totalWeight;
    private final SmoothWeightedRoundRobin fallback;

    IpHash(List<Peer> peers) {
        this.peers = peers;
        this.ring = peers.toArray(new Peer[0]);
        this.weights = new int[ring.length];
        long total = 0;
        for (int i = 0; i < ring.length; i++) {
            weights[i] = ring[i].weight();
            total += weights[i];
        }
        this.totalWeight = total;
        this.fallback = new SmoothWeightedRoundRobin(peers);
    }

    /**
     * nginx's per-byte step {@code h -> (113 h + b) mod 6271} is affine, so hashing a whole
     * address is one affine map {@code h -> (A h + C) mod 6271}, with {@code A = 113^n} and
     * {@code C} depending on the bytes. Keeping {@code A} and {@code C} in the key lets
     * {@link #select} rehash a 16-byte address any number of times from a single long.
     */
    @Override
    public long hashKey(DirectBuffer key, int offset, int length) {
        int constant = ipv4Constant(key, offset, length);
        int hashedBytes = IPV4_HASHED_BYTES;
        if (constant == NOT_AN_ADDRESS) {
            constant = ipv6Constant(key, offset, length);
            hashedBytes = IPV6_BYTES;
        }
        if (constant == NOT_AN_ADDRESS) {
            return Crc32.compute(key, offset, length);
        }
        return ADDRESS_KEY | (long) MULTIPLIER_POWERS[hashedBytes] << FIELD_BITS | constant;
    }

    @Override
    public Peer select(long keyHash, PeerFilter filter) {
        if (ring.length < 2) {
            return fallback.select(keyHash, filter);
        }
        if ((keyHash & ADDRESS_KEY) == 0) {
            Peer peer = ring[peerAtWeight(keyHash % totalWeight)];
            return filter.accept(peer) ? peer : fallback.select(keyHash, filter);
        }
        int multiplier = (int) (keyHash >>> FIELD_BITS) & FIELD_MASK;
        int constant = (int) keyHash & FIELD_MASK;
        int hash = INITIAL_HASH;
        for (int attempt = 0; attempt <= MAX_REHASHES; attempt++) {
            hash = (hash * multiplier + constant) % MODULUS;
            Peer peer = ring[peerAtWeight(hash % totalWeight)];
            if (filter.accept(peer)) {
                return peer;
            }
        }
        return fallback.select(keyHash, filter);
    }

    @Override
    public List<Peer> peers() {
        return peers;
    }

    private int peerAtWeight(long weight) {
        long remaining = weight;
        int index = 0;
        while (remaining >= weights[index]) {
            remaining -= weights[index];
            index++;
        }
        return index;
    }

    private static int mix(int hash, int octet) {
        return (hash * MULTIPLIER + octet) % MODULUS;
    }

    /** Two bytes, the high one first, with one reduction instead of two. */
    private static int mixGroup(int hash, int group) {
        return (hash * (MULTIPLIER * MULTIPLIER) + (group >>> 8) * MULTIPLIER + (group & 0xFF)) % MODULUS;
    }

    /** @return C for the first three octets of a dotted quad, or NOT_AN_ADDRESS */
    private static int ipv4Constant(DirectBuffer text, int offset, int length) {
        long address = dottedQuad(text, offset, offset + length);
        if (address < 0) {
            return NOT_AN_ADDRESS;
        }
        int constant = mix(0, (int) (address >>> 24));
        constant = mix(constant, (int) (address >>> 16) & 0xFF);
        return mix(constant, (int) (address >>> 8) & 0xFF);
    }

    /**
     * @return C for the 16 bytes of an IPv6 address text (RFC 4291 section 2.2 forms, with an
     *         optional trailing dotted quad and zone), or NOT_AN_ADDRESS
     */
    private static int ipv6Constant(DirectBuffer text, int offset, int length) {
        int end = offset + length;
        if (length >= 1 && text.getByte(offset) == ':' && (length < 2 || text.getByte(offset + 1) != ':')) {
            return NOT_AN_ADDRESS;
        }
        // The bytes before "::" and after it are folded separately: the zeros "::" stands for
        // add nothing, they only shift the leading part by 113 per byte. Bytes are folded into
        // part; at "::" the part folded so far becomes the head, and part starts again as the tail.
        int head = 0;
        int headBytes = 0;
        int part = 0;
        int partBytes = 0;
        int compressedAt = -1;
        int lastColonAt = offset - 2;
        int group = 0;
        int digits = 0;
        int index = offset;
        // One pass, one branch per character: it measured about twice as fast as parsing
        // group by group with nested loops.
        for (; index < end; index++) {
            byte c = text.getByte(index);
            int digit = HEX_DIGITS[c & 0xFF];
            if (digit >= 0) {
                if (++digits > 4) {
                    return NOT_AN_ADDRESS;
                }
                group = group << 4 | digit;
            } else if (c == ':') {
                if (digits > 0) {
                    part = mixGroup(part, group);
                    partBytes += 2;
                    group = 0;
                    digits = 0;
                } else if (lastColonAt == index - 1) {
                    if (compressedAt >= 0) {
                        return NOT_AN_ADDRESS;
                    }
                    compressedAt = index;
                    head = part;
                    headBytes = partBytes;
                    part = 0;
                    partBytes = 0;
                } else if (index != offset) {
                    return NOT_AN_ADDRESS;
                }
                lastColonAt = index;
            } else if (c == '.' && digits > 0 && lastColonAt == index - digits - 1) {
                int quadEnd = index;
                while (quadEnd < end && text.getByte(quadEnd) != '%') {
                    quadEnd++;
                }
                long address = dottedQuad(text, index - digits, quadEnd);
                if (address < 0) {
                    return NOT_AN_ADDRESS;
                }
                part = mixGroup(mixGroup(part, (int) (address >>> 16)), (int) address & 0xFFFF);
                partBytes += 4;
                digits = 0;
                index = quadEnd;
                break;
            } else if (c == '%') {
                break;
            } else {
                return NOT_AN_ADDRESS;
            }
        }
        if (digits > 0) {
            part = mixGroup(part, group);
            partBytes += 2;
        } else if (lastColonAt == index - 1 && compressedAt != index - 1) {
            return NOT_AN_ADDRESS;
        }
        if (compressedAt < 0) {
            // No "::": the part is the whole address.
            return partBytes == IPV6_BYTES ? part : NOT_AN_ADDRESS;
        }
        if (headBytes + partBytes > IPV6_BYTES - 2) {
            return NOT_AN_ADDRESS;
        }
        return (head * MULTIPLIER_POWERS[IPV6_BYTES - headBytes] + part) % MODULUS;
    }

    /** @return the address as an unsigned 32-bit value, or -1 unless [start, end) is a dotted quad */
    private static long dottedQuad(DirectBuffer text, int start, int end) {
        long address = 0;
        int octets = 0;
        int value = 0;
        int digits = 0;
        for (int index = start; index < end; index++) {
            byte c = text.getByte(index);
            if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return -1;
                }
                value = value * 10 + (c - '0');
            } else if (c == '.' && digits > 0 && value <= 255 && octets < 3) {
                address = address << 8 | value;
                octets++;
                value = 0;
                digits = 0;
            } else {
                return -1;
            }
        }
        if (octets != 3 || digits == 0 || value > 255) {
            return -1;
        }
        return address << 8 | value;
    }

    private static byte[] hexDigits() {
        byte[] values = new byte[256];
        Arrays.fill(values, (byte) -1);
        for (int i = 0; i < 10; i++) {
            values['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            values['a' + i] = (byte) (10 + i);
            values['A' + i] = (byte) (10 + i);
        }
        return values;
    }

    private static int[] multiplierPowers() {
        int[] powers = new int[IPV6_BYTES + 1];
        powers[0] = 1;
        for (int k = 1; k < powers.length; k++) {
            powers[k] = powers[k - 1] * MULTIPLIER % MODULUS;
        }
        return powers;
    }
}
