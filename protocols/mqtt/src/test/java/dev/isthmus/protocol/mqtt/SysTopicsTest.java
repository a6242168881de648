package dev.isthmus.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.MosquittoClients;
import dev.isthmus.core.testing.MosquittoClients.Result;

/**
 * The broker's statistics under {@code $SYS/broker/} with mosquitto's names, as mosquitto_sub
 * sees them: retained (a late subscriber gets them at once), refreshed every interval, and out
 * of reach of a plain {@code #}.
 */
class SysTopicsTest {
    @Test
    void statisticsArePublishedRetainedAndKeptCurrent() throws Exception {
        MqttSettings settings = MqttSettings.DEFAULT.withSysInterval(Duration.ofMillis(100));
        try (TestBroker broker = TestBroker.start(2, settings)) {
            String port = String.valueOf(broker.port());
            for (int i = 0; i < 5; i++) {
                assertEquals(0, MosquittoClients.publish(10, "-h", broker.host(), "-p", port, "-t", "sys/test",
                        "-m", "m" + i, "-q", "1").exitCode());
            }
            // Every value is retained: a subscriber that comes later gets them all without waiting.
            Map<String, String> first = sys(broker, port);
            assertTrue(first.get("$SYS/broker/version").startsWith("isthmus"), first.toString());
            assertTrue(first.get("$SYS/broker/uptime").endsWith(" seconds"), first.toString());
            // The statistics reflect what happened: five publishes, and the mosquitto_sub asking now.
            long received = Long.parseLong(waitFor(broker, port, "$SYS/broker/publish/messages/received", "5"));
            assertEquals(5, received);
            for (String topic : List.of("clients/connected", "clients/total", "clients/maximum", "bytes/received",
                    "bytes/sent", "subscriptions/count", "retained messages/count", "publish/messages/sent",
                    "load/publish/received/1min", "load/connections/15min")) {
                assertTrue(first.containsKey("$SYS/broker/" + topic), topic + " in " + first.keySet());
            }
            // '#' does not reach '$SYS' topics (MQTT 4.7.2): it sees only the ordinary retained message.
            Result all = MosquittoClients.subscribe(10, "-h", broker.host(), "-p", port, "-t", "#", "-v", "-W", "1");
            assertTrue(all.lines().stream().noneMatch(line -> line.startsWith("$SYS")), all.output());
        }
    }

    @Test
    void zeroIntervalPublishesNothing() throws Exception {
        MqttSettings settings = MqttSettings.DEFAULT.withSysInterval(Duration.ZERO);
        try (TestBroker broker = TestBroker.start(1, settings)) {
            Result sys = MosquittoClients.subscribe(10, "-h", broker.host(), "-p", String.valueOf(broker.port()),
                    "-t", "$SYS/#", "-v", "-W", "1");
            assertEquals(List.of(), sys.lines().stream().filter(line -> !line.startsWith("Timed out")).toList());
        }
    }

    /** Every retained $SYS value, read with one mosquitto_sub that ends after a second. */
    private static Map<String, String> sys(TestBroker broker, String port) throws Exception {
        // Topic and payload separated by a tab: one topic name has a space in it.
        Result result = MosquittoClients.subscribe(10, "-h", broker.host(), "-p", port, "-t", "$SYS/#",
                "-F", "%t\t%p", "-W", "1");
        Map<String, String> values = new HashMap<>();
        for (String line : result.lines()) {
            int tab = line.indexOf('\t');
            if (line.startsWith("$SYS/") && tab > 0) {
                values.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        return values;
    }

    /** The value of {@code topic} once it is {@code expected} (statistics trail the events by an interval). */
    private static String waitFor(TestBroker broker, String port, String topic, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String value;
        do {
            value = sys(broker, port).get(topic);
        } while (!expected.equals(value) && System.nanoTime() < deadline);
        return value;
    }
}
