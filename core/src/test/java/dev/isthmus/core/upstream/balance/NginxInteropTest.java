package dev.isthmus.core.upstream.balance;

import static dev.isthmus.core.upstream.balance.Groups.hashKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.NginxProcess;
import dev.isthmus.core.upstream.Peer;

/**
 * Runs a real nginx with three origins behind one proxy server and checks that our balancers
 * pick the origin nginx picks: {@code hash $arg_key consistent}, {@code ip_hash} and the
 * default smooth weighted round-robin.
 */
class NginxInteropTest {
    private static final String LOOPBACK = NginxProcess.LOOPBACK;
    private static final String[] ORIGIN_NAMES = {"a", "b", "c"};
    private static final int SOCKET_TIMEOUT_MILLIS = 5_000;

    private static NginxProcess nginx;
    private static int[] originPorts;
    private static int proxyPort;

    @BeforeAll
    static void startNginx() throws IOException, InterruptedException {
        nginx = NginxProcess.prepare();
        originPorts = new int[] {NginxProcess.freePort(), NginxProcess.freePort(), NginxProcess.freePort()};
        proxyPort = NginxProcess.freePort();
        nginx.start(httpDirectives(), proxyPort);
    }

    @AfterAll
    static void stopNginx() throws IOException, InterruptedException {
        if (nginx != null) {
            nginx.close();
        }
    }

    /** The group as nginx has it: 127.0.0.1:P1, 127.0.0.1:P2 weight=2, 127.0.0.1:P3. */
    private static List<Peer> hashedGroup() {
        return List.of(new Peer(0, LOOPBACK, originPorts[0], 1), new Peer(1, LOOPBACK, originPorts[1], 2),
                new Peer(2, LOOPBACK, originPorts[2], 1));
    }

    @Test
    void consistentHashPicksTheSamePeerAsNginx() throws IOException {
        BackendSelection ring = BalanceAlgorithm.CONSISTENT_HASH.create(hashedGroup());
        Random random = new Random(2718);
        int[] seen = new int[3];
        for (int i = 0; i < 300; i++) {
            String key = "sensor-" + i + "-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
            String nginxPick = get(null, "/consistent?key=" + key);
            Peer ours = ring.select(hashKey(ring, key), PeerFilter.ANY);
            assertEquals(nginxPick, ORIGIN_NAMES[ours.index()], "key " + key);
            seen[ours.index()]++;
        }
        assertTrue(seen[0] > 0 && seen[1] > 0 && seen[2] > 0, "every origin should get some keys");
    }

    @Test
    void ipHashPicksTheSamePeerAsNginx() throws IOException {
        BackendSelection ipHash = BalanceAlgorithm.IP_HASH.create(hashedGroup());
        int[] seen = new int[3];
        for (int i = 0; i < 120; i++) {
            // Linux routes all of 127/8 to the loopback interface, so each of these is a
            // distinct client address nginx can see.
            String client = "127." + (i * 37 % 256) + "." + ((i * 101 + 7) % 256) + "." + (1 + i % 250);
            String nginxPick = get(InetAddress.getByName(client), "/client");
            Peer ours = ipHash.select(hashKey(ipHash, client), PeerFilter.ANY);
            assertEquals(nginxPick, ORIGIN_NAMES[ours.index()], "client " + client);
            seen[ours.index()]++;
        }
        assertTrue(seen[0] > 0 && seen[1] > 0 && seen[2] > 0, "every origin should get some clients");
    }

    @Test
    void smoothWeightedRoundRobinFollowsNginxsSequence() throws IOException {
        List<Peer> group = List.of(new Peer(0, LOOPBACK, originPorts[0], 5), new Peer(1, LOOPBACK, originPorts[1], 1),
                new Peer(2, LOOPBACK, originPorts[2], 1));
        BackendSelection weighted = BalanceAlgorithm.WEIGHTED_ROUND_ROBIN.create(group);
        StringBuilder nginxSequence = new StringBuilder();
        StringBuilder ourSequence = new StringBuilder();
        for (int i = 0; i < 21; i++) {
            nginxSequence.append(get(null, "/weighted"));
            ourSequence.append(ORIGIN_NAMES[weighted.select(0, PeerFilter.ANY).index()]);
        }
        assertEquals(nginxSequence.toString(), ourSequence.toString());
        assertEquals("aabacaa".repeat(3), ourSequence.toString());
    }

    /** Three origins that answer with their names, and the proxy that balances over them. */
    private static String httpDirectives() {
        StringBuilder origins = new StringBuilder();
        for (int i = 0; i < ORIGIN_NAMES.length; i++) {
            origins.append("server { listen ").append(LOOPBACK).append(':').append(originPorts[i])
                    .append("; return 200 \"").append(ORIGIN_NAMES[i]).append("\"; }\n");
        }
        String p1 = LOOPBACK + ":" + originPorts[0];
        String p2 = LOOPBACK + ":" + originPorts[1];
        String p3 = LOOPBACK + ":" + originPorts[2];
        return origins + """
                upstream consistent { hash $arg_key consistent; server %1$s; server %2$s weight=2; server %3$s; }
                upstream by_client { ip_hash; server %1$s; server %2$s weight=2; server %3$s; }
                upstream weighted { server %1$s weight=5; server %2$s; server %3$s; }
                server {
                    listen %4$s:%5$d;
                    location = /ready { return 200 "ready"; }
                    location /consistent { proxy_pass http://consistent; }
                    location /client { proxy_pass http://by_client; }
                    location /weighted { proxy_pass http://weighted; }
                }
                """.formatted(p1, p2, p3, LOOPBACK, proxyPort);
    }

    /** One HTTP/1.0 GET through the proxy, from {@code client} if given; returns the body. */
    private static String get(InetAddress client, String target) throws IOException {
        try (Socket socket = new Socket()) {
            if (client != null) {
                socket.bind(new InetSocketAddress(client, 0));
            }
            socket.connect(new InetSocketAddress(LOOPBACK, proxyPort), SOCKET_TIMEOUT_MILLIS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.0\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int bodyStart = response.indexOf("\r\n\r\n");
            if (!response.startsWith("HTTP/1.1 200 ") || bodyStart < 0) {
                throw new IOException("unexpected answer to " + target + ": " + response);
            }
            return response.substring(bodyStart + 4);
        }
    }
}
