package dev.isthmus.iouring;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;

/**
 * UDP through the transport SPI, on both transports: an endpoint on the loop answers every
 * datagram to its sender (from the loop thread, through its send buffer); a burst larger than
 * one turn's batch is all read; the largest datagram goes through; closing stops it.
 */
class DatagramEndpointTest {
    private EventLoop loop;
    private DatagramSocket client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (loop != null) {
            loop.stop();
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(0, loop.uncaughtErrors(), "no handler or completion may fail unexpectedly");
        }
    }

    /** Answers "echo:" and the datagram, from the loop thread. */
    private static final class Echo implements DatagramHandler {
        volatile Thread thread;

        @Override
        public void onDatagram(DatagramEndpoint endpoint, DirectBuffer data, int offset, int length,
                               InetSocketAddress sender) {
            thread = Thread.currentThread();
            endpoint.sendBuffer().putBytes(0, "echo:".getBytes(UTF_8));
            endpoint.sendBuffer().putBytes(5, data, offset, length);
            endpoint.send(length + 5, sender);
        }
    }

    private DatagramEndpoint bind(String io, DatagramHandler handler) throws Exception {
        loop = new EventLoop(0, UringTransport.select(io), LoopSettings.DEFAULT);
        loop.start();
        DatagramEndpoint endpoint = loop.submit(() -> loop.io().bindDatagram(
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), true, handler)).get();
        client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        client.setSoTimeout(10_000);
        return endpoint;
    }

    private String exchange(InetSocketAddress to, byte[] datagram) throws IOException {
        client.send(new DatagramPacket(datagram, datagram.length, to));
        DatagramPacket answer = new DatagramPacket(new byte[70_000], 70_000);
        client.receive(answer);
        assertEquals(to, answer.getSocketAddress(), "answered from the endpoint's own address");
        return new String(answer.getData(), 0, answer.getLength(), UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void everyDatagramIsAnsweredFromTheLoop(String io) throws Exception {
        Echo echo = new Echo();
        DatagramEndpoint endpoint = bind(io, echo);
        InetSocketAddress address = endpoint.localAddress();
        assertNotEquals(0, address.getPort());
        assertEquals("echo:hello", exchange(address, "hello".getBytes(UTF_8)));
        assertEquals("echo:", exchange(address, new byte[0]), "an empty datagram is a datagram too");
        assertTrue(echo.thread.getName().contains("loop"), echo.thread.getName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void aBurstLargerThanOneBatchIsAllRead(String io) throws Exception {
        InetSocketAddress address = bind(io, new Echo()).localAddress();
        client.setReceiveBufferSize(1 << 20);
        // Two batches of 64 and then some: a full batch must ask for another turn. Not more: the
        // endpoint's receive buffer (rmem_default, 208 KiB here, ~1 KiB per small datagram) must
        // hold the burst while a loaded loop is slow to start on it, or the kernel drops some.
        int count = 130;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < count; i++) {
                byte[] datagram = ("m" + round + "." + i).getBytes(UTF_8);
                client.send(new DatagramPacket(datagram, datagram.length, address));
            }
            Set<String> answers = new HashSet<>();
            DatagramPacket answer = new DatagramPacket(new byte[100], 100);
            while (answers.size() < count) {
                client.receive(answer);
                answers.add(new String(answer.getData(), 0, answer.getLength(), UTF_8));
            }
            assertTrue(answers.contains("echo:m" + round + ".0") && answers.contains("echo:m" + round + "." + (count - 1)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void theLargestDatagramGoesThroughWhole(String io) throws Exception {
        InetSocketAddress address = bind(io, new Echo()).localAddress();
        byte[] big = new byte[65_507 - 5];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        assertEquals("echo:" + new String(big, UTF_8), exchange(address, big));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void aClosedEndpointNoLongerReceives(String io) throws Exception {
        DatagramEndpoint endpoint = bind(io, new Echo());
        InetSocketAddress address = endpoint.localAddress();
        assertEquals("echo:x", exchange(address, "x".getBytes(UTF_8)));
        loop.submit(() -> {
            endpoint.close();
            return null;
        }).get();
        // The port is free again: another socket can take it without SO_REUSEPORT.
        for (int attempt = 0; ; attempt++) {
            try (DatagramSocket taken = new DatagramSocket(address)) {
                assertEquals(address.getPort(), taken.getLocalPort());
                break;
            } catch (java.net.BindException stillOpen) {
                // The ring closes the descriptor on its next submission.
                if (attempt > 100) {
                    throw stillOpen;
                }
                Thread.sleep(20);
            }
        }
    }
}
