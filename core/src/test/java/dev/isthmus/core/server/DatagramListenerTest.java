package dev.isthmus.core.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;

/** UDP listeners of a server: one socket per loop on one port, each answering from its own loop. */
class DatagramListenerTest {
    /** Answers each datagram with the index of the loop that got it. */
    private static final class LoopIndexService implements ProtocolService {
        @Override
        public LoopService attach(EventLoop loop) {
            return new Part(loop.index());
        }

        private record Part(int index) implements LoopService, DatagramHandler {
            @Override
            public ConnectionHandler accepted(Connection connection) {
                return null;
            }

            @Override
            public void onDatagram(DatagramEndpoint endpoint, DirectBuffer data, int offset, int length,
                                   InetSocketAddress sender) {
                byte[] answer = ("loop " + index).getBytes(UTF_8);
                endpoint.sendBuffer().putBytes(0, answer);
                endpoint.send(answer.length, sender);
            }
        }
    }

    @Test
    void everyLoopTakesDatagramsOnTheOnePort() throws Exception {
        Server server = Server.builder().threads(2)
                .listenDatagram("udp", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0),
                        new LoopIndexService())
                .build().start();
        try {
            InetSocketAddress address = server.boundAddress("udp");
            Set<String> loopsSeen = new HashSet<>();
            // The kernel picks a loop by the sender's address: enough senders reach both.
            for (int sender = 0; sender < 64 && loopsSeen.size() < 2; sender++) {
                try (DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
                    client.setSoTimeout(10_000);
                    client.send(new DatagramPacket(new byte[] {1}, 1, address));
                    DatagramPacket answer = new DatagramPacket(new byte[16], 16);
                    client.receive(answer);
                    loopsSeen.add(new String(answer.getData(), 0, answer.getLength(), UTF_8));
                }
            }
            assertEquals(Set.of("loop 0", "loop 1"), loopsSeen);
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void aServiceThatTakesNoDatagramsIsRefusedAtStart() throws Exception {
        ProtocolService tcpOnly = loop -> connection -> null;
        Server.Builder builder = Server.builder().threads(1)
                .listenDatagram("udp", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), tcpOnly);
        RuntimeException refused = assertThrows(RuntimeException.class, () -> builder.build().start());
        assertTrue(refused.getMessage().contains("does not take datagrams"), refused.getMessage());
    }
}
