package dev.isthmus.protocol.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.coap.codec.CoapType;
import dev.isthmus.protocol.coap.codec.MessageView;
import dev.isthmus.protocol.coap.codec.MessageWriter;

/**
 * The message layer in raw datagrams: a duplicate CON is answered with the same ACK and not
 * executed again; malformed CONs get RST and other garbage nothing; ping; an unrecognized
 * critical option is 4.02; a slow handler's request gets an empty ACK and its response as a
 * CON, retransmitted until acknowledged.
 */
class MessageLayerTest {
    private static TestCoapServer server;
    private DatagramSocket client;

    @BeforeAll
    static void start() throws Exception {
        // A short ACK timeout, so the retransmissions of a separate response come quickly.
        server = TestCoapServer.start(1, new CoapSettings(Duration.ofMillis(300), 1.0, 3, 1000, 1024, 1 << 20,
                Duration.ofMillis(100)), null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void open() throws Exception {
        client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        client.setSoTimeout(5_000);
    }

    @AfterEach
    void close() {
        client.close();
    }

    private static byte[] request(int type, int code, int mid, long token, String path, int extraOption) {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        MessageWriter writer = new MessageWriter().wrap(buffer, 0).header(type, code, mid, token, 2);
        writer.optionString(CoapOption.URI_PATH, path);
        if (extraOption > 0) {
            writer.option(extraOption, new byte[] {1});
        }
        byte[] bytes = new byte[writer.length()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    private void send(byte[] datagram) throws Exception {
        client.send(new DatagramPacket(datagram, datagram.length, server.address()));
    }

    private byte[] receive() throws Exception {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        client.receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    private static MessageView view(byte[] datagram) {
        MessageView view = new MessageView();
        assertEquals(MessageView.OK, view.wrap(new UnsafeBuffer(datagram), 0, datagram.length), view.problem());
        return view;
    }

    private static String payloadText(byte[] datagram) {
        MessageView view = view(datagram);
        byte[] payload = new byte[view.payloadLength()];
        view.buffer().getBytes(view.payloadOffset(), payload);
        return TestCoapServer.text(payload);
    }

    @Test
    void aDuplicateConGetsTheSameAckAndRunsOnce() throws Exception {
        int before = server.counted.get();
        byte[] post = request(CoapType.CON, CoapCode.POST, 4711, 0xBEEF, "count", 0);
        send(post);
        byte[] first = receive();
        send(post);
        byte[] second = receive();
        assertArrayEquals(first, second, "the duplicate is answered with the very same message");
        MessageView ack = view(first);
        assertEquals(CoapType.ACK, ack.type());
        assertEquals(4711, ack.messageId());
        assertEquals(0xBEEF, ack.tokenAsLong());
        assertEquals(CoapCode.CHANGED, ack.code());
        assertEquals(before + 1, server.counted.get(), "executed once");
        assertTrue(server.metric("isthmus_coap_duplicates_total") >= 1);
    }

    @Test
    void aFullTableForgetsTheOldestExchangesFirstAndCountsThem() throws Exception {
        // Room for 8 exchanges: 20 requests push the first 12 out early.
        try (TestCoapServer small = TestCoapServer.start(1, new CoapSettings(Duration.ofSeconds(2), 1.5, 4, 8, 1024,
                1 << 20, Duration.ofMillis(500)), null)) {
            List<byte[]> posts = new ArrayList<>();
            for (int mid = 100; mid < 120; mid++) {
                posts.add(request(CoapType.CON, CoapCode.POST, mid, mid, "count", 0));
                client.send(new DatagramPacket(posts.getLast(), posts.getLast().length, small.address()));
                assertEquals(mid, view(receive()).messageId());
            }
            assertEquals(20, small.counted.get());
            assertEquals(12, small.metric("isthmus_coap_exchanges_evicted_total"));
            byte[] last = posts.getLast();
            client.send(new DatagramPacket(last, last.length, small.address()));
            assertEquals("20", payloadText(receive()),
                    "a remembered request is answered again, not run again");
            byte[] first = posts.getFirst();
            client.send(new DatagramPacket(first, first.length, small.address()));
            assertEquals("21", payloadText(receive()),
                    "a forgotten one counts as new");
            assertEquals(21, small.counted.get());
        }
    }

    @Test
    void malformedConGetsResetOtherGarbageNothing() throws Exception {
        long before = server.metric("isthmus_coap_malformed_total");
        // CON, token length 9 (reserved), message ID 0x1234.
        send(new byte[] {0x49, 0x01, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        MessageView reset = view(receive());
        assertEquals(CoapType.RST, reset.type());
        assertEquals(0x1234, reset.messageId());
        assertEquals(CoapCode.EMPTY, reset.code());
        // A NON with a payload marker and no payload, and three stray bytes: dropped without a word.
        send(new byte[] {0x50, 0x01, 0x00, 0x01, (byte) 0xFF});
        send(new byte[] {1, 2, 3});
        // ... while the endpoint goes on serving.
        send(request(CoapType.CON, CoapCode.GET, 9, 1, "hello", 0));
        MessageView hello = view(receive());
        assertEquals(9, hello.messageId(), "the next thing that arrives is the answer to the GET");
        assertEquals(before + 3, server.metric("isthmus_coap_malformed_total"));
    }

    @Test
    void anEmptyConIsAPingAnsweredWithReset() throws Exception {
        send(new byte[] {0x40, 0x00, 0x00, 0x2A});
        MessageView pong = view(receive());
        assertEquals(CoapType.RST, pong.type());
        assertEquals(0x2A, pong.messageId());
    }

    @Test
    void anUnrecognizedCriticalOptionIs402AndAnElectiveOneIgnored() throws Exception {
        send(request(CoapType.CON, CoapCode.GET, 100, 7, "hello", 2049));
        MessageView refused = view(receive());
        assertEquals(CoapCode.BAD_OPTION, refused.code());
        send(request(CoapType.CON, CoapCode.GET, 101, 7, "hello", 2050));
        MessageView served = view(receive());
        assertEquals(CoapCode.CONTENT, served.code());
    }

    @Test
    void aSlowResponseComesSeparatelyAndIsRetransmittedUntilAcknowledged() throws Exception {
        send(request(CoapType.CON, CoapCode.GET, 300, 0x55, "slow", 0));
        MessageView ack = view(receive());
        assertEquals(CoapType.ACK, ack.type());
        assertEquals(CoapCode.EMPTY, ack.code(), "an empty ACK first");
        assertEquals(300, ack.messageId());
        byte[] response = receive();
        MessageView separate = view(response);
        assertEquals(CoapType.CON, separate.type());
        assertEquals(0x55, separate.tokenAsLong());
        assertEquals(CoapCode.CONTENT, separate.code());
        // Not acknowledged: it comes again, the same message.
        assertArrayEquals(response, receive());
        assertArrayEquals(response, receive());
        client.send(new DatagramPacket(new byte[] {0x60, 0x00, (byte) (separate.messageId() >>> 8),
            (byte) separate.messageId()}, 4, server.address()));
        // Acknowledged: after the ping's pong, which the endpoint sends once it has the ACK,
        // no copy comes any more (one may still be on its way before it).
        send(new byte[] {0x40, 0x00, 0x00, 0x01});
        byte[] next;
        while (view(next = receive()).type() != CoapType.RST) {
            assertArrayEquals(response, next);
        }
        send(new byte[] {0x40, 0x00, 0x00, 0x02});
        MessageView pong = view(receive());
        assertEquals(CoapType.RST, pong.type());
        assertEquals(2, pong.messageId(), "nothing in between");
    }
}
