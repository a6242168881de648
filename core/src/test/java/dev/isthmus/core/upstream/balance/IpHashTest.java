package dev.isthmus.core.upstream.balance;

import static dev.isthmus.core.upstream.balance.Groups.hashKey;
import static dev.isthmus.core.upstream.balance.Groups.rejecting;
import static dev.isthmus.core.upstream.balance.Groups.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.upstream.Peer;

class IpHashTest {
    private static final int[] WEIGHTS = {1, 2, 3, 1, 5};

    private final BackendSelection selection = BalanceAlgorithm.IP_HASH.create(weighted(WEIGHTS));

    @Test
    void sameAddressAlwaysGetsTheSamePeer() {
        Peer first = pick("192.168.1.7");
        for (int i = 0; i < 20; i++) {
            assertEquals(first, pick("192.168.1.7"));
        }
    }

    @Test
    void addressesOfOneSlash24ShareAPeer() {
        Peer peer = pick("192.168.1.7");
        for (int host = 0; host < 256; host++) {
            assertEquals(peer, pick("192.168.1." + host));
        }
    }

    /** An independent transcription of nginx's loop over the address bytes. */
    private static int nginxPick(byte[] hashedBytes, int[] weights, IntPredicate accepted) {
        int total = 0;
        for (int weight : weights) {
            total += weight;
        }
        int hash = 89;
        for (int tries = 0; tries <= 20; tries++) {
            for (byte b : hashedBytes) {
                hash = (hash * 113 + (b & 0xFF)) % 6271;
            }
            int w = hash % total;
            int peer = 0;
            while (w >= weights[peer]) {
                w -= weights[peer];
                peer++;
            }
            if (accepted.test(peer)) {
                return peer;
            }
        }
        return -1;
    }

    @Test
    void ipv4AndIpv6AddressesPickWhatNginxsFormulaPicks() throws UnknownHostException {
        Random random = new Random(20240611);
        for (int i = 0; i < 2_000; i++) {
            byte[] v4 = new byte[4];
            random.nextBytes(v4);
            String text = InetAddress.getByAddress(v4).getHostAddress();
            assertEquals(nginxPick(Arrays.copyOf(v4, 3), WEIGHTS, peer -> true), pick(text).index(), text);

            byte[] v6 = randomIpv6(random);
            int expected = nginxPick(v6, WEIGHTS, peer -> true);
            for (String form : ipv6Forms(v6)) {
                assertEquals(expected, pick(form).index(), form);
            }
        }
    }

    @Test
    void rejectedPeerContinuesNginxsHashSequence() throws UnknownHostException {
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            byte[] v4 = new byte[4];
            random.nextBytes(v4);
            String text = InetAddress.getByAddress(v4).getHostAddress();
            int usual = pick(text).index();
            int expected = nginxPick(Arrays.copyOf(v4, 3), WEIGHTS, peer -> peer != usual);
            Peer picked = selection.select(hashKey(selection, text), rejecting(usual));
            assertNotNull(picked, text);
            assertNotEquals(usual, picked.index(), text);
            if (expected >= 0) {
                assertEquals(expected, picked.index(), text);
            }
        }
    }

    @Test
    void ipv4MappedAddressesHashAllSixteenBytes() {
        byte[] mapped = HexFormat.of().parseHex("00000000000000000000ffffc0a80107");
        int expected = nginxPick(mapped, WEIGHTS, peer -> true);
        assertEquals(expected, pick("::ffff:192.168.1.7").index());
        assertEquals(expected, pick("::FFFF:c0a8:107").index());
        assertEquals(expected, pick("0:0:0:0:0:ffff:192.168.1.7").index());
    }

    @Test
    void zoneOfAScopedAddressIsIgnored() {
        assertEquals(hashKey(selection, "fe80::1"), hashKey(selection, "fe80::1%eth0"));
        assertEquals(hashKey(selection, "fe80::1"), hashKey(selection, "fe80:0:0:0:0:0:0:1%2"));
    }

    @Test
    void textThatIsNoAddressIsHashedWithCrc32() {
        List<String> notAddresses = List.of("", "not-an-ip", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1..2.3",
                "1.2.3.4 ", "01234.1.1.1", ":::", "1::2::3", "12345::", ":1::", "1::2:", "1:2:3:4:5:6:7:8:9",
                "1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8", "::ffff:1.2.3", "::1.2.3.4:5", "g::1", "[::1]", "%eth0");
        int total = 0;
        for (int weight : WEIGHTS) {
            total += weight;
        }
        for (String text : notAddresses) {
            CRC32 crc = new CRC32();
            crc.update(text.getBytes(StandardCharsets.UTF_8));
            assertEquals(crc.getValue(), hashKey(selection, text), text);
            int w = (int) (crc.getValue() % total);
            int expected = 0;
            while (w >= WEIGHTS[expected]) {
                w -= WEIGHTS[expected];
                expected++;
            }
            assertEquals(expected, pick(text).index(), text);
        }
        for (String address : List.of("::", "::1", "1::", "1:2:3:4:5:6:7::", "1:2:3:4:5::7.8.9.10", "0.0.0.0")) {
            CRC32 crc = new CRC32();
            crc.update(address.getBytes(StandardCharsets.UTF_8));
            assertNotEquals(crc.getValue(), hashKey(selection, address), address);
        }
    }

    @Test
    void manyClientsSpreadRoughlyByWeight() {
        Random random = new Random(42);
        int[] counts = new int[WEIGHTS.length];
        int clients = 20_000;
        for (int i = 0; i < clients; i++) {
            String text = (1 + random.nextInt(223)) + "." + random.nextInt(256) + "." + random.nextInt(256) + ".1";
            counts[pick(text).index()]++;
        }
        int total = 12;
        for (int i = 0; i < WEIGHTS.length; i++) {
            double expected = (double) clients * WEIGHTS[i] / total;
            assertTrue(counts[i] > expected * 0.75 && counts[i] < expected * 1.25,
                    "peer " + i + " got " + counts[i] + " of " + clients + ", expected about " + expected);
        }
    }

    @Test
    void returnsNullWhenEveryPeerIsRejected() {
        assertNull(selection.select(hashKey(selection, "10.1.2.3"), rejecting(0, 1, 2, 3, 4)));
        assertNull(selection.select(hashKey(selection, "no address"), rejecting(0, 1, 2, 3, 4)));
    }

    private Peer pick(String address) {
        return selection.select(hashKey(selection, address), PeerFilter.ANY);
    }

    /** Random bytes with a run of zero groups now and then, so "::" gets exercised. */
    private static byte[] randomIpv6(Random random) {
        byte[] address = new byte[16];
        random.nextBytes(address);
        int zeroGroups = random.nextInt(5);
        int from = random.nextInt(9 - zeroGroups);
        for (int group = from; group < from + zeroGroups; group++) {
            address[2 * group] = 0;
            address[2 * group + 1] = 0;
        }
        return address;
    }

    /** Full, zero-padded upper case, and "::"-compressed spellings of one address. */
    private static List<String> ipv6Forms(byte[] address) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xFF) << 8 | (address[2 * i + 1] & 0xFF);
        }
        StringBuilder full = new StringBuilder();
        StringBuilder padded = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            full.append(i == 0 ? "" : ":").append(Integer.toHexString(groups[i]));
            padded.append(i == 0 ? "" : ":").append(String.format("%04X", groups[i]));
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        if (bestLength == 0) {
            return List.of(full.toString(), padded.toString());
        }
        StringBuilder compressed = new StringBuilder();
        for (int i = 0; i < bestStart; i++) {
            compressed.append(i == 0 ? "" : ":").append(Integer.toHexString(groups[i]));
        }
        compressed.append("::");
        for (int i = bestStart + bestLength; i < 8; i++) {
            compressed.append(i == bestStart + bestLength ? "" : ":").append(Integer.toHexString(groups[i]));
        }
        return List.of(full.toString(), padded.toString(), compressed.toString());
    }
}
