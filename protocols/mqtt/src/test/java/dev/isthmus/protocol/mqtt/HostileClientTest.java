package dev.isthmus.protocol.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.testing.MosquittoClients;

/**
 * Clients that break the protocol get the protocol's own answer (a v5 DISCONNECT with the
 * reason code, a refusing CONNACK, or a closed connection), a log line and a metric, and
 * nobody else notices. Raw sockets, so the bytes are exactly the broken ones.
 */
class HostileClientTest {
    private static TestBroker broker;

    @BeforeAll
    static void start() throws IOException {
        broker = TestBroker.start(2, new MqttSettings(4096, 32, 1000, Duration.ofMillis(500), 0, true));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static final byte[] CONNECT_V5 = {
        0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0, 0, 1, 'h'};
    private static final byte[] CONNECT_V3 = {
        0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 1, 'g'};

    private static Socket connect() throws IOException {
        Socket socket = new Socket(broker.host(), broker.port());
        socket.setSoTimeout(10_000);
        return socket;
    }



    private static long protocolErrors() {
        Matcher m = Pattern.compile("isthmus_mqtt_protocol_errors_total\\{listener=\"mqtt\"} (\\d+)")
                .matcher(broker.metricsText());
        assertTrue(m.find(), broker.metricsText());
        return Long.parseLong(m.group(1));
    }

    @Test
    void aMalformedPublishGetsDisconnect0x81AndOthersCarryOn() throws Exception {
        long before = protocolErrors();
        try (Socket bad = connect()) {
            bad.getOutputStream().write(CONNECT_V5);
            assertEquals(0x20, MqttWire.readPacket(bad.getInputStream())[0] & 0xFF, "CONNACK");
            // QoS 3 does not exist.
            bad.getOutputStream().write(new byte[] {0x36, 5, 0, 1, 't', 0, 1});
            byte[] disconnect = MqttWire.readPacket(bad.getInputStream());
            assertEquals(0xE0, disconnect[0] & 0xFF, "DISCONNECT");
            assertEquals(0x81, disconnect[2] & 0xFF, "Malformed Packet");
            assertTrue(MqttWire.closedByPeer(bad.getInputStream()));
        }
        assertEquals(before + 1, protocolErrors());
        // The broker goes on serving everybody else.
        assertEquals(0, MosquittoClients.publish(10, "-h", broker.host(), "-p", String.valueOf(broker.port()),
                "-t", "still/here", "-r", "-m", "yes").exitCode());
        assertEquals(List.of("yes"), MosquittoClients.subscribe(10, "-h", broker.host(), "-p",
                String.valueOf(broker.port()), "-t", "still/here", "-C", "1").lines());
    }

    @Test
    void aPacketOverTheLimitGetsDisconnect0x95() throws Exception {
        try (Socket big = connect()) {
            big.getOutputStream().write(CONNECT_V5);
            MqttWire.readPacket(big.getInputStream());
            // Remaining length 10,000 against a limit of 4096: refused before the body comes.
            big.getOutputStream().write(new byte[] {0x30, (byte) 0x90, 0x4E});
            byte[] disconnect = MqttWire.readPacket(big.getInputStream());
            assertEquals(0xE0, disconnect[0] & 0xFF);
            assertEquals(0x95, disconnect[2] & 0xFF, "Packet too large");
            assertTrue(MqttWire.closedByPeer(big.getInputStream()));
        }
    }

    @Test
    void aV311ClientThatBreaksTheProtocolIsClosedWithoutAnswer() throws Exception {
        try (Socket bad = connect()) {
            bad.getOutputStream().write(CONNECT_V3);
            assertEquals(0x20, MqttWire.readPacket(bad.getInputStream())[0] & 0xFF);
            // SUBSCRIBE with the wrong flag bits (0000 instead of 0010).
            bad.getOutputStream().write(new byte[] {(byte) 0x80, 6, 0, 1, 0, 1, 'a', 0});
            assertTrue(MqttWire.closedByPeer(bad.getInputStream()));
        }
    }

    @Test
    void anUnknownProtocolLevelGetsConnackCode1() throws Exception {
        try (Socket old = connect()) {
            byte[] mqtt31 = {0x10, 15, 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 0x02, 0, 60, 0, 1, 'o'};
            old.getOutputStream().write(mqtt31);
            byte[] connack = MqttWire.readPacket(old.getInputStream());
            assertEquals(0x20, connack[0] & 0xFF);
            assertEquals(0x01, connack[3] & 0xFF, "unacceptable protocol version");
            assertTrue(MqttWire.closedByPeer(old.getInputStream()));
        }
    }

    @Test
    void aFirstPacketThatIsNotAConnectEndsTheConnection() throws Exception {
        try (Socket bad = connect()) {
            bad.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(MqttWire.closedByPeer(bad.getInputStream()));
        }
    }

    @Test
    void aConnectionThatNeverSendsConnectIsClosed() throws Exception {
        try (Socket idle = connect()) {
            assertTrue(MqttWire.closedByPeer(idle.getInputStream()), "closed after the connect timeout");
        }
    }

    @Test
    void aClientSilentPastItsKeepAliveIsClosedAndItsWillPublished() throws Exception {
        try (LiveSubscriber watcher = new LiveSubscriber("-h", broker.host(), "-p", String.valueOf(broker.port()),
                "-t", "lost/+", "-v");
             Socket silent = connect()) {
            // Keep alive 1 s, will "lost/k" = "bye" at QoS 0.
            byte[] connect = {0x10, 26, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 1, 0, 1, 'k',
                0, 6, 'l', 'o', 's', 't', '/', 'k', 0, 3, 'b', 'y', 'e'};
            silent.getOutputStream().write(connect);
            assertEquals(0x20, MqttWire.readPacket(silent.getInputStream())[0] & 0xFF);
            assertTrue(MqttWire.closedByPeer(silent.getInputStream()), "closed after one and a half keep-alive intervals");
            assertEquals(List.of("lost/k bye"), watcher.messages(1));
        }
    }

    @Test
    void topicAliasesNameTopicsForTheRestOfTheConnection() throws Exception {
        try (LiveSubscriber watcher = new LiveSubscriber("-h", broker.host(), "-p", String.valueOf(broker.port()),
                "-V", "mqttv5", "-t", "alias/t", "-v");
             Socket client = connect()) {
            client.getOutputStream().write(CONNECT_V5);
            MqttWire.readPacket(client.getInputStream());
            // Topic "alias/t" with alias 1, then alias 1 alone (empty topic), then an alias above the maximum.
            client.getOutputStream().write(new byte[] {0x30, 16, 0, 7, 'a', 'l', 'i', 'a', 's', '/', 't', 3, 0x23, 0, 1,
                'o', 'n', 'e'});
            client.getOutputStream().write(new byte[] {0x30, 9, 0, 0, 3, 0x23, 0, 1, 't', 'w', 'o'});
            assertEquals(List.of("alias/t one", "alias/t two"), watcher.messages(2));
            client.getOutputStream().write(new byte[] {0x30, 9, 0, 0, 3, 0x23, 0, 65, 'b', 'a', 'd'});
            byte[] disconnect = MqttWire.readPacket(client.getInputStream());
            assertEquals(0xE0, disconnect[0] & 0xFF);
            assertEquals(0x94, disconnect[2] & 0xFF, "Topic Alias invalid");
        }
    }

    @Test
    void aSecondConnectionWithTheSameClientIdTakesTheSessionOver() throws Exception {
        byte[] connectTwin = {0x10, 17, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0, 0, 4, 't', 'w', 'i', 'n'};
        try (Socket first = connect(); Socket second = connect()) {
            first.getOutputStream().write(connectTwin);
            assertEquals(0x20, MqttWire.readPacket(first.getInputStream())[0] & 0xFF);
            second.getOutputStream().write(connectTwin);
            assertEquals(0x20, MqttWire.readPacket(second.getInputStream())[0] & 0xFF);
            byte[] disconnect = MqttWire.readPacket(first.getInputStream());
            assertEquals(0xE0, disconnect[0] & 0xFF);
            assertEquals(0x8E, disconnect[2] & 0xFF, "Session taken over");
            assertTrue(MqttWire.closedByPeer(first.getInputStream()));
            // The new connection works: PINGREQ, PINGRESP.
            second.getOutputStream().write(new byte[] {(byte) 0xC0, 0});
            assertEquals(0xD0, MqttWire.readPacket(second.getInputStream())[0] & 0xFF);
        }
    }
}
