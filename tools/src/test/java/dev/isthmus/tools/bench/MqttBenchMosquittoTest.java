package dev.isthmus.tools.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The load tool against a real mosquitto: QoS 2 over 3.1.1 and a 3.1 CONNECT. Fails (not skips) without mosquitto. */
class MqttBenchMosquittoTest {
    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static Process mosquitto;
    private static Path dir;
    private static String port;

    @BeforeAll
    static void startMosquitto() throws Exception {
        assertTrue(Files.isExecutable(MOSQUITTO),
                MOSQUITTO + " is missing: install the broker with `sudo apt-get install mosquitto`");
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }
        port = Integer.toString(free);
        dir = Files.createTempDirectory("isthmus-bench-mosquitto");
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + free + " 127.0.0.1\nallow_anonymous true\n");
        mosquitto = new ProcessBuilder(MOSQUITTO.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), free)) {
                return;
            } catch (IOException e) {
                if (!mosquitto.isAlive() || System.nanoTime() > deadline) {
                    fail("mosquitto did not start on port " + free + ": " + Files.readString(dir.resolve("mosquitto.log")));
                }
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    static void stopMosquitto() throws Exception {
        if (mosquitto != null) {
            mosquitto.destroy();
            mosquitto.waitFor();
        }
    }

    @Test
    void qos2Over311() throws InterruptedException {
        BenchRunner sub = BenchRunner.start("bench", "mqtt", "sub", "-h", "127.0.0.1", "-p", port, "-c", "2",
                "-i", "1", "-t", "m/%i", "-q", "2", "-V", "4", "--duration", "5");
        sub.awaitLine("^1s sub total=2 ", TIMEOUT);
        BenchRunner pub = BenchRunner.start("bench", "mqtt", "pub", "-h", "127.0.0.1", "-p", port, "-c", "2",
                "-i", "1", "-t", "m/%i", "-I", "10", "-L", "100", "-q", "2", "-F", "4", "-V", "4", "--duration", "30");
        assertEquals(0, pub.await(TIMEOUT), pub.output());
        pub.assertTotals(List.of("pub", "pub_succ"), 100);
        assertEquals(0, sub.await(TIMEOUT), sub.output());
        sub.assertTotals(List.of("recv"), 100);
        sub.assertLatencyLine(100);
    }

    @Test
    void mqtt31Connect() throws InterruptedException {
        BenchRunner conn = BenchRunner.start("bench", "mqtt", "conn", "-h", "127.0.0.1", "-p", port, "-c", "3",
                "-V", "3", "--shortids", "--prefix", "c31-", "--duration", "2");
        assertEquals(0, conn.await(TIMEOUT), conn.output());
        conn.assertTotals(List.of("connect_succ"), 3);
    }
}
