package dev.isthmus.protocol.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.core.loop.EventLoop;

/**
 * Holds the broker's promise that routing a QoS 0 delivery allocates (almost) nothing on the
 * heap: while one publisher's messages fan out to three subscribers that keep up, the bytes the
 * loop thread allocates per message, counted by the JVM ({@code com.sun.management.ThreadMXBean}),
 * stay under a bound smaller than any object. The clients are raw sockets on other threads.
 */
class BrokerAllocationTest {
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 10_000;
    private static final int ROUNDS = 5;
    /** Bytes per message the loop may allocate: less than the smallest object. */
    private static final double BOUND = 8;

    @ParameterizedTest(name = "published at QoS {0}")
    @ValueSource(ints = {0, 1})
    void routingQos0DeliveriesAllocatesAlmostNothingOnTheLoopThread(int publishQos) throws Exception {
        try (TestBroker broker = TestBroker.start(1)) {
            List<Client> subscribers = new ArrayList<>();
            try (Client publisher = Client.connect(broker, "alloc-pub", 4)) {
                // Two 3.1.1 subscribers share one encoding; a v5 one gets the other.
                subscribers.add(Client.connect(broker, "alloc-sub-1", 4));
                subscribers.add(Client.connect(broker, "alloc-sub-2", 4));
                subscribers.add(Client.connect(broker, "alloc-sub-3", 5));
                for (Client subscriber : subscribers) {
                    subscriber.subscribe("alloc/t");
                }
                byte[] payload = "sixteen bytes!!!".getBytes(UTF_8);
                byte[] packet = publishPacket("alloc/t", payload, publishQos);
                exchange(publisher, subscribers, packet, publishQos, WARM_UP);
                EventLoop loop = broker.loops().getFirst();
                com.sun.management.ThreadMXBean threads =
                        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                // The least of a few rounds: the JIT may still be replacing code that allocates
                // (before escape analysis) in the first ones; code that allocates per message
                // fails every round.
                double least = Double.MAX_VALUE;
                for (int round = 0; round < ROUNDS && least >= BOUND; round++) {
                    long before = threads.getThreadAllocatedBytes(loop.thread().threadId());
                    exchange(publisher, subscribers, packet, publishQos, MEASURED);
                    long after = threads.getThreadAllocatedBytes(loop.thread().threadId());
                    least = Math.min(least, (after - before) / (double) MEASURED);
                }
                assertTrue(least < BOUND, "the loop thread allocated " + least + " bytes per message");
                byte[] last = subscribers.getFirst().lastPayload;
                assertArrayEquals(payload, last);
            } finally {
                for (Client subscriber : subscribers) {
                    subscriber.close();
                }
            }
        }
    }

    /** Publishes {@code count} times, each time waiting for every subscriber's copy (and the PUBACK). */
    private static void exchange(Client publisher, List<Client> subscribers, byte[] packet, int qos, int count)
            throws IOException {
        for (int i = 0; i < count; i++) {
            publisher.out.write(packet);
            if (qos == 1) {
                assertEquals(0x40, publisher.readPacket() & 0xF0, "PUBACK");
            }
            for (Client subscriber : subscribers) {
                assertEquals(0x30, subscriber.readPacket() & 0xF0, "PUBLISH");
            }
        }
    }

    private static byte[] publishPacket(String topic, byte[] payload, int qos) {
        byte[] name = topic.getBytes(UTF_8);
        int remaining = 2 + name.length + (qos > 0 ? 2 : 0) + payload.length;
        byte[] packet = new byte[2 + remaining];
        packet[0] = (byte) (0x30 | qos << 1);
        packet[1] = (byte) remaining;
        packet[3] = (byte) name.length;
        System.arraycopy(name, 0, packet, 4, name.length);
        int at = 4 + name.length;
        if (qos > 0) {
            packet[at + 1] = 7;
            at += 2;
        }
        System.arraycopy(payload, 0, packet, at, payload.length);
        return packet;
    }

    /** A raw MQTT client: CONNECT with a clean session, then packets as bytes. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final DataInputStream in;
        final int level;
        byte[] lastPayload;

        private Client(Socket socket, int level) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            this.level = level;
        }

        static Client connect(TestBroker broker, String id, int level) throws IOException {
            Socket socket = new Socket(broker.host(), broker.port());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            Client client = new Client(socket, level);
            byte[] name = id.getBytes(UTF_8);
            int properties = level == 5 ? 1 : 0;
            int remaining = 10 + properties + 2 + name.length;
            byte[] connect = new byte[2 + remaining];
            byte[] head = {0x10, (byte) remaining, 0, 4, 'M', 'Q', 'T', 'T', (byte) level, 0x02, 0, 60};
            System.arraycopy(head, 0, connect, 0, head.length);
            int at = head.length + properties;
            connect[at + 1] = (byte) name.length;
            System.arraycopy(name, 0, connect, at + 2, name.length);
            client.out.write(connect);
            assertEquals(0x20, client.readPacket(), "CONNACK");
            return client;
        }

        void subscribe(String filter) throws IOException {
            byte[] name = filter.getBytes(UTF_8);
            int properties = level == 5 ? 1 : 0;
            int remaining = 2 + properties + 2 + name.length + 1;
            byte[] subscribe = new byte[2 + remaining];
            subscribe[0] = (byte) 0x82;
            subscribe[1] = (byte) remaining;
            subscribe[3] = 1;
            int at = 4 + properties;
            subscribe[at + 1] = (byte) name.length;
            System.arraycopy(name, 0, subscribe, at + 2, name.length);
            out.write(subscribe);
            assertEquals(0x90, readPacket(), "SUBACK");
        }

        /** Reads one packet; returns its first byte and keeps a PUBLISH's payload. */
        int readPacket() throws IOException {
            int header = in.readUnsignedByte();
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = in.readUnsignedByte();
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            byte[] body = new byte[length];
            in.readFully(body);
            if ((header & 0xF0) == 0x30) {
                int topicLength = (body[0] & 0xFF) << 8 | body[1] & 0xFF;
                int at = 2 + topicLength + ((header >> 1 & 3) > 0 ? 2 : 0);
                if (level == 5) {
                    at += 1 + body[at];
                }
                lastPayload = java.util.Arrays.copyOfRange(body, at, body.length);
            }
            return header;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
