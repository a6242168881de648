package dev.isthmus.protocol.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.coap.codec.CoapType;
import dev.isthmus.protocol.coap.codec.MessageView;
import dev.isthmus.protocol.coap.codec.MessageWriter;

/**
 * A live endpoint under hostile datagrams: random bytes, and requests to its resources with
 * random block-wise, observe, size and unknown options that are then cut short or have bytes
 * overwritten. Whatever arrives, every datagram it sends back is well-formed CoAP, a request
 * from another client right after is answered, and no handler or loop fails.
 */
class HostileDatagramsTest {
    private static final String[] PATHS = {"hello", "echo", "count", "large", "store", "sensors", "temperature",
        ".well-known", "core", "nothing"};
    private static final int[] CODES = {CoapCode.GET, CoapCode.POST, CoapCode.PUT, CoapCode.DELETE, 5, 7, 31, 0x45};
    private static final int[] OPTIONS = {CoapOption.BLOCK1, CoapOption.BLOCK2, CoapOption.OBSERVE, CoapOption.SIZE1,
        CoapOption.SIZE2, CoapOption.CONTENT_FORMAT, CoapOption.ACCEPT, CoapOption.URI_QUERY, CoapOption.ETAG,
        CoapOption.IF_MATCH, CoapOption.MAX_AGE, 2, 9, 2049, 65_000};

    private static TestCoapServer server;
    private static DatagramSocket attacker;
    private static DatagramSocket bystander;

    @BeforeAll
    static void start() throws Exception {
        server = TestCoapServer.start(1, CoapSettings.DEFAULT, null);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        attacker = new DatagramSocket(0, loopback);
        bystander = new DatagramSocket(0, loopback);
        bystander.setSoTimeout(5_000);
    }

    @AfterAll
    static void stop() {
        attacker.close();
        bystander.close();
        server.close();
    }

    private static int between(RandomnessSource in, int min, int max) {
        return integers().between(min, max).generate(in);
    }

    /** A request in the shape the endpoint serves, with options it must take apart. */
    private static byte[] request(RandomnessSource in) {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
        MessageWriter writer = new MessageWriter().wrap(buffer, 0).header(between(in, 0, 3),
                CODES[between(in, 0, CODES.length - 1)], between(in, 0, 65_535), between(in, 0, 1 << 20),
                between(in, 0, 8));
        int[] numbers = new int[between(in, 0, 6)];
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = OPTIONS[between(in, 0, OPTIONS.length - 1)];
        }
        int segments = between(in, 0, 3);
        Arrays.sort(numbers);
        for (int number : numbers) {
            // Options go out in order: the path (11) after those below it.
            while (segments > 0 && number > CoapOption.URI_PATH) {
                writer.optionString(CoapOption.URI_PATH, PATHS[between(in, 0, PATHS.length - 1)]);
                segments--;
            }
            byte[] value = new byte[between(in, 0, 5)];
            for (int i = 0; i < value.length; i++) {
                value[i] = (byte) between(in, 0, 255);
            }
            writer.option(number, value);
        }
        while (segments-- > 0) {
            writer.optionString(CoapOption.URI_PATH, PATHS[between(in, 0, PATHS.length - 1)]);
        }
        if (between(in, 0, 2) == 0) {
            byte[] payload = new byte[between(in, 1, 1100)];
            Arrays.fill(payload, (byte) 'p');
            writer.payload(payload);
        }
        byte[] bytes = new byte[writer.length()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    private static final Gen<byte[]> HOSTILE = in -> {
        switch (between(in, 0, 3)) {
            case 0 -> {
                byte[] noise = new byte[between(in, 0, 64)];
                for (int i = 0; i < noise.length; i++) {
                    noise[i] = (byte) between(in, 0, 255);
                }
                return noise;
            }
            case 1 -> {
                byte[] cut = request(in);
                return Arrays.copyOf(cut, between(in, 0, cut.length));
            }
            case 2 -> {
                byte[] changed = request(in);
                for (int n = between(in, 1, 3); n > 0; n--) {
                    changed[between(in, 0, changed.length - 1)] = (byte) between(in, 0, 255);
                }
                return changed;
            }
            default -> {
                return request(in);
            }
        }
    };

    /** What the endpoint sent the attacker so far: each must parse. */
    private static int drainAttacker(MessageView view) throws IOException {
        attacker.setSoTimeout(1);
        int answers = 0;
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        while (true) {
            try {
                attacker.receive(packet);
            } catch (SocketTimeoutException drained) {
                return answers;
            }
            assertEquals(MessageView.OK, view.wrap(new UnsafeBuffer(packet.getData()), 0, packet.getLength()),
                    () -> "the endpoint sent a malformed datagram: " + view.problem());
            answers++;
        }
    }

    @Test
    void hostileDatagramsNeitherBreakTheEndpointNorReachAnotherClient() throws Exception {
        MessageView view = new MessageView();
        int[] bystanderId = {0};
        int[] answers = {0};
        qt().withExamples(2_000).forAll(HOSTILE).checkAssert(datagram -> {
            try {
                attacker.send(new DatagramPacket(datagram, datagram.length, server.address()));
                byte[] get = get(++bystanderId[0]);
                bystander.send(new DatagramPacket(get, get.length, server.address()));
                DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
                bystander.receive(packet);
                assertEquals(MessageView.OK, view.wrap(new UnsafeBuffer(packet.getData()), 0, packet.getLength()));
                assertEquals(bystanderId[0], view.messageId(), "the bystander's GET is answered, and only it");
                assertEquals(CoapCode.CONTENT, view.code());
                answers[0] += drainAttacker(view);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        answers[0] += drainAttacker(view);
        assertTrue(answers[0] > 0, "some hostile requests were well-formed enough to be answered");
        assertTrue(server.metric("isthmus_coap_malformed_total") > 0);
        for (EventLoop loop : server.server.loops()) {
            assertEquals(0, loop.uncaughtErrors(), "no handler or loop failed");
        }
    }

    private static byte[] get(int messageId) {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        MessageWriter writer = new MessageWriter().wrap(buffer, 0)
                .header(CoapType.CON, CoapCode.GET, messageId & 0xFFFF, messageId, 4)
                .optionString(CoapOption.URI_PATH, "hello");
        byte[] bytes = new byte[writer.length()];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
