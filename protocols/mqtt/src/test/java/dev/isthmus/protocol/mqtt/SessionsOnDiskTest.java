package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.isthmus.protocol.mqtt.store.SessionLog;
import dev.isthmus.protocol.mqtt.store.SessionLogs;

/**
 * Sessions on disk across restarts of the broker: persistent sessions with their subscriptions,
 * queued and in-flight QoS 1/2 messages, retained messages, the QoS 2 messages a client is
 * sending, and v5 session expiry counted over the time the broker was down. Real Paho clients,
 * and raw bytes where a client has to misbehave on purpose (hold an acknowledgement back, resend
 * with an old packet identifier).
 */
class SessionsOnDiskTest {
    @TempDir
    Path directory;

    private TestBroker broker;
    private final List<AutoCloseable> clients = new ArrayList<>();

    private SessionLog log;

    private void startBroker() throws Exception {
        log = SessionLog.open(directory);
        broker = TestBroker.start(2, MqttSettings.DEFAULT, log);
    }

    /** A graceful restart: the server stops (its clients are closed), the log is reopened. */
    private void restartBroker() throws Exception {
        broker.close();
        startBroker();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            try {
                client.close();
            } catch (Exception ignored) {
                // already closed by the broker's restart
            }
        }
        if (broker != null) {
            broker.close();
        }
    }

    private MqttClient paho(String id, boolean cleanSession, BlockingQueue<String> inbox) throws Exception {
        MqttClient client = new MqttClient(broker.uri(), id, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                inbox.add(topic + " " + new String(message.getPayload(), UTF_8));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        options.setMaxInflight(1000);
        boolean present = client.connectWithResult(options).getSessionPresent();
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        });
        sessionPresent = present;
        return client;
    }

    private boolean sessionPresent;

    private RawClient raw(String id, boolean cleanSession) throws Exception {
        RawClient client = RawClient.connect(broker.host(), broker.port(), id, cleanSession);
        clients.add(client);
        return client;
    }

    @Test
    void aPahoSessionItsQueuedMessagesAndRetainedMessagesSurviveARestart() throws Exception {
        startBroker();
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        MqttClient keeper = paho("keeper", false, inbox);
        keeper.subscribe("plant/#", 2);
        keeper.disconnect();
        MqttClient publisher = paho("plant-publisher", true, new LinkedBlockingQueue<>());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            publisher.publish("plant/a", ("a-" + i).getBytes(UTF_8), 1, false);
            expected.add("plant/a a-" + i);
        }
        for (int i = 0; i < 40; i++) {
            publisher.publish("plant/b", ("b-" + i).getBytes(UTF_8), 2, false);
            expected.add("plant/b b-" + i);
        }
        publisher.publish("plant/config", "v7".getBytes(UTF_8), 1, true);
        expected.add("plant/config v7");
        publisher.publish("plant/fleeting", "qos 0 is not kept for an absent session".getBytes(UTF_8), 0, false);
        publisher.disconnect();

        restartBroker();
        paho("keeper", false, inbox);
        assertTrue(sessionPresent, "the session came back from disk");
        List<String> received = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            String message = inbox.poll(10, TimeUnit.SECONDS);
            assertNotNull(message, "only " + received + " arrived");
            received.add(message);
        }
        // Paho hands a QoS 2 message over at its PUBREL, a QoS 1 one at once: the order holds per topic.
        for (String topic : List.of("plant/a ", "plant/b ", "plant/config ")) {
            assertEquals(expected.stream().filter(m -> m.startsWith(topic)).toList(),
                    received.stream().filter(m -> m.startsWith(topic)).toList(), "every message once, in order");
        }
        // The subscription came back too: new messages reach the session.
        MqttClient later = paho("plant-publisher-2", true, new LinkedBlockingQueue<>());
        later.publish("plant/a", "after".getBytes(UTF_8), 1, false);
        assertEquals("plant/a after", inbox.poll(10, TimeUnit.SECONDS), "nothing in between");

        BlockingQueue<String> fresh = new LinkedBlockingQueue<>();
        paho("newcomer", true, fresh).subscribe("plant/config", 1);
        assertEquals("plant/config v7", fresh.poll(10, TimeUnit.SECONDS), "the retained message is still there");
    }

    @Test
    void aQos1MessageForAPersistentSessionIsAcknowledgedOnlyOnceItIsOnDisk() throws Exception {
        startBroker();
        raw("durable-sub", false).subscribe(1, "durable/#", 1);
        RawClient publisher = raw("durable-pub", true);
        RawClient other = raw("durable-other", true);
        SessionLogs.holdWrites(log, true);
        try {
            publisher.publish("durable/t", "kept", 1, 1, false);
            // Nobody keeps this one: its PUBACK does not wait for the disk.
            other.publish("volatile/t", "not kept", 1, 2, false);
            assertEquals(2, other.expect(RawClient.PUBACK).packetId());
            publisher.setReadTimeout(300);
            assertThrows(java.net.SocketTimeoutException.class, publisher::read, "PUBACK before the disk had it");
        } finally {
            SessionLogs.holdWrites(log, false);
        }
        publisher.setReadTimeout(10_000);
        assertEquals(1, publisher.expect(RawClient.PUBACK).packetId());
    }

    @Test
    void aV5SessionExpiryCountsTheTimeTheBrokerWasDown() throws Exception {
        startBroker();
        var longLived = new org.eclipse.paho.mqttv5.client.MqttClient(broker.uri(), "long-lived",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        var shortLived = new org.eclipse.paho.mqttv5.client.MqttClient(broker.uri(), "short-lived",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        longLived.connect(v5Options(false, 3600));
        longLived.subscribe("v5/#", 1);
        longLived.disconnect();
        shortLived.connect(v5Options(false, 1));
        shortLived.subscribe("v5/#", 1);
        shortLived.disconnect();
        longLived.close();
        shortLived.close();
        broker.close();
        // Longer than the short session's expiry, while no broker runs.
        Thread.sleep(1_500);
        startBroker();

        var again = new org.eclipse.paho.mqttv5.client.MqttClient(broker.uri(), "long-lived",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        assertTrue(again.connectWithResult(v5Options(false, 3600)).getSessionPresent(), "3600 s have not passed");
        again.disconnect();
        again.close();
        var gone = new org.eclipse.paho.mqttv5.client.MqttClient(broker.uri(), "short-lived",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        assertFalse(gone.connectWithResult(v5Options(false, 1)).getSessionPresent(), "1 s has passed");
        gone.disconnect();
        gone.close();
    }

    private static MqttConnectionOptions v5Options(boolean cleanStart, long sessionExpiry) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(cleanStart);
        options.setSessionExpiryInterval(sessionExpiry);
        options.setAutomaticReconnect(false);
        return options;
    }

    @Test
    void messagesInFlightAreResentWithTheirIdentifiersAfterARestart() throws Exception {
        startBroker();
        RawClient holder = raw("holder", false);
        holder.subscribe(1, "hold/#", 2);
        RawClient sender = raw("hold-sender", true);
        sender.publish("hold/one", "first", 1, 1, false);
        sender.expect(RawClient.PUBACK);
        sender.publish("hold/two", "second", 2, 2, false);
        sender.expect(RawClient.PUBREC);
        sender.ack(RawClient.PUBREL, 2);
        sender.expect(RawClient.PUBCOMP);
        RawClient.Packet first = holder.expect(RawClient.PUBLISH);
        RawClient.Packet second = holder.expect(RawClient.PUBLISH);
        assertEquals("first", first.payload());
        assertEquals("second", second.payload());
        // Neither is acknowledged: the holder goes away without a word.
        holder.close();
        sender.close();

        restartBroker();
        holder = raw("holder", false);
        assertTrue(holder.sessionPresent);
        RawClient.Packet firstAgain = holder.expect(RawClient.PUBLISH);
        RawClient.Packet secondAgain = holder.expect(RawClient.PUBLISH);
        assertEquals(List.of("first", "second"), List.of(firstAgain.payload(), secondAgain.payload()),
                "resent in the order first sent (4.6)");
        assertTrue(firstAgain.dup() && secondAgain.dup(), "resent with DUP");
        assertEquals(first.publishId(), firstAgain.publishId());
        assertEquals(second.publishId(), secondAgain.publishId(), "QoS 2 keeps its identifier");
        holder.ack(RawClient.PUBACK, firstAgain.publishId());
        holder.ack(RawClient.PUBREC, secondAgain.publishId());
        assertEquals(second.publishId(), holder.expect(RawClient.PUBREL).packetId());
        holder.close();

        restartBroker();
        holder = raw("holder", false);
        // The QoS 2 delivery was released: only its PUBREL is resent; the QoS 1 one is done.
        assertEquals(second.publishId(), holder.expect(RawClient.PUBREL).packetId());
        holder.ack(RawClient.PUBCOMP, second.publishId());
        RawClient marker = raw("hold-marker", true);
        marker.publish("hold/end", "marker", 1, 1, false);
        marker.expect(RawClient.PUBACK);
        RawClient.Packet next = holder.expect(RawClient.PUBLISH);
        assertEquals("marker", next.payload(), "nothing acknowledged came again");
        holder.ack(RawClient.PUBACK, next.publishId());
    }

    @Test
    void aQos2MessageFromAClientIsPassedOnOnceAcrossARestart() throws Exception {
        startBroker();
        RawClient watcher = raw("once-watcher", false);
        watcher.subscribe(1, "once/#", 1);
        RawClient sender = raw("once-sender", false);
        sender.publish("once/x", "exactly", 2, 7, false);
        assertEquals(7, sender.expect(RawClient.PUBREC).packetId());
        RawClient.Packet delivered = watcher.expect(RawClient.PUBLISH);
        assertEquals("exactly", delivered.payload());
        watcher.ack(RawClient.PUBACK, delivered.publishId());
        // A round trip after the PUBACK: its SUBACK comes once what came before is on disk, so the
        // restart cannot catch the PUBACK unread and rightly deliver the QoS 1 copy again.
        watcher.subscribe(2, "once/#", 1);
        // The sender misses the PUBREC's effect: it goes before sending PUBREL.
        sender.close();

        restartBroker();
        sender = raw("once-sender", false);
        assertTrue(sender.sessionPresent);
        sender.publish("once/x", "exactly", 2, 7, true);
        assertEquals(7, sender.expect(RawClient.PUBREC).packetId());
        sender.ack(RawClient.PUBREL, 7);
        assertEquals(7, sender.expect(RawClient.PUBCOMP).packetId());
        sender.publish("once/end", "marker", 1, 8, false);
        sender.expect(RawClient.PUBACK);
        watcher = raw("once-watcher", false);
        RawClient.Packet next = watcher.expect(RawClient.PUBLISH);
        assertEquals("marker", next.payload(), "the resent QoS 2 message was not passed on again");
    }
}
