package dev.isthmus.tools.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CoAP load tool against libcoap's {@code coap-server-notls} (Debian libcoap3-bin), started
 * here on an ephemeral port: GET of {@code /time}, PUT and observe of {@code /example_data},
 * whose notifications libcoap sends as CON. Fails (not skips) without the binary.
 */
class CoapBenchLibcoapTest {
    private static final Path SERVER = Path.of("/usr/bin/coap-server-notls");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static Process process;
    private static Path log;
    private static String port;

    @BeforeAll
    static void startLibcoap() throws Exception {
        if (!Files.isExecutable(SERVER)) {
            throw new AssertionError(SERVER + " is missing: apt-get install libcoap3-bin");
        }
        int free;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            free = probe.getLocalPort();
        }
        log = Files.createTempFile("coap-server", ".log");
        process = new ProcessBuilder(SERVER.toString(), "-A", "127.0.0.1", "-p", Integer.toString(free))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        port = Integer.toString(free);
        awaitPong(new InetSocketAddress("127.0.0.1", free));
    }

    /** A CoAP ping (an empty CON) until the server resets it. */
    private static void awaitPong(InetSocketAddress address) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(100);
            byte[] ping = {0x40, 0, 0x12, 0x34};
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    fail("coap-server-notls ended: " + Files.readString(log));
                }
                socket.send(new DatagramPacket(ping, ping.length, address));
                byte[] answer = new byte[64];
                DatagramPacket packet = new DatagramPacket(answer, answer.length);
                try {
                    socket.receive(packet);
                    if (packet.getLength() == 4 && (answer[0] & 0x30) == 0x30 && answer[2] == 0x12) {
                        return;
                    }
                } catch (SocketTimeoutException | java.net.PortUnreachableException e) {
                    Thread.sleep(50);
                }
            }
        }
        fail("coap-server-notls did not answer a ping on " + address + ": " + Files.readString(log));
    }

    @AfterAll
    static void stopLibcoap() throws Exception {
        if (process != null) {
            process.destroy();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    private static BenchRunner coap(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "bench";
        all[1] = "coap";
        System.arraycopy(args, 0, all, 2, args.length);
        return BenchRunner.start(all);
    }

    @Test
    void getTime() throws InterruptedException {
        BenchRunner get = coap("get", "-h", "127.0.0.1", "-p", port, "--path", "/time", "-c", "4", "-N", "300");
        assertEquals(0, get.await(TIMEOUT), get.output());
        Map<String, String> s = get.summary();
        assertEquals("300", s.get("sent"), get.output());
        assertEquals("300", s.get("recv"), get.output());
        assertEquals("300", s.get("ok"), get.output());
        assertEquals("0", s.get("timeout"), get.output());
        assertEquals(300, get.lastTotal("recv"), get.output());
    }

    @Test
    void putAndObserveExampleData() throws InterruptedException {
        BenchRunner put = coap("put", "-h", "127.0.0.1", "-p", port, "--path", "/example_data", "-c", "2", "-N", "50",
                "-s", "20");
        assertEquals(0, put.await(TIMEOUT), put.output());
        assertEquals(50, put.summaryValue("ok"), put.output());

        BenchRunner observe = coap("observe", "-h", "127.0.0.1", "-p", port, "--path", "/example_data", "-c", "3",
                "--publishers", "1", "-R", "100", "-N", "100");
        assertEquals(0, observe.await(TIMEOUT), observe.output());
        Map<String, String> s = observe.summary();
        assertEquals("3", s.get("observe"), observe.output());
        assertEquals("100", s.get("ok"), observe.output());
        // libcoap sends every notification CON and holds the next until it is acknowledged (it may
        // fold several PUTs into one notification): more than a few arrive only when the ACKs do.
        long notifications = Long.parseLong(s.get("notify"));
        assertTrue(notifications > 3 * 5, observe.output());
        assertTrue(Long.parseLong(s.get("notify_n")) > 0, "notifications carry the PUT's send time\n" + observe.output());
        assertTrue(process.isAlive());
    }
}
