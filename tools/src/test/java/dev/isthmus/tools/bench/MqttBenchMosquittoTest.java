package dev.isthmus.tools.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import dev.isthmus.core.testing.MosquittoProcess;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The load tool against a real mosquitto: QoS 2 over 3.1.1 and a 3.1 CONNECT. Fails (not skips) without mosquitto. */
class MqttBenchMosquittoTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static MosquittoProcess mosquitto;
    private static String port;

    @BeforeAll
    static void startMosquitto() throws Exception {
        mosquitto = MosquittoProcess.start();
        port = Integer.toString(mosquitto.port());
    }

    @AfterAll
    static void stopMosquitto() throws Exception {
        if (mosquitto != null) {
            mosquitto.close();
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
