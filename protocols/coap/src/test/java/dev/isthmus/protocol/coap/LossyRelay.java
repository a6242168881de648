package dev.isthmus.protocol.coap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay between one client and a server that drops a share of the datagrams each way (a
 * fixed seed: the same losses every run). The client talks to {@link #address()}.
 */
final class LossyRelay implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
    private final InetSocketAddress server;
    private final double loss;
    private final Random random = new Random(7252);
    private volatile SocketAddress client;
    final AtomicLong dropped = new AtomicLong();
    private final Thread toServer;
    private final Thread toClient;

    LossyRelay(InetSocketAddress server, double loss) throws IOException {
        this.server = server;
        this.loss = loss;
        this.front = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        this.back = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        toServer = Thread.ofPlatform().daemon().start(() -> pump(front, back, true));
        toClient = Thread.ofPlatform().daemon().start(() -> pump(back, front, false));
    }

    InetSocketAddress address() {
        return (InetSocketAddress) front.getLocalSocketAddress();
    }

    private void pump(DatagramSocket from, DatagramSocket to, boolean upstream) {
        byte[] buffer = new byte[65_536];
        try {
            while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                from.receive(packet);
                if (upstream) {
                    client = packet.getSocketAddress();
                }
                boolean drop;
                synchronized (random) {
                    drop = random.nextDouble() < loss;
                }
                if (drop) {
                    dropped.incrementAndGet();
                    continue;
                }
                SocketAddress target = upstream ? server : client;
                to.send(new DatagramPacket(packet.getData(), packet.getLength(), target));
            }
        } catch (SocketException closed) {
            // the relay was closed
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        front.close();
        back.close();
        toServer.join();
        toClient.join();
    }
}
