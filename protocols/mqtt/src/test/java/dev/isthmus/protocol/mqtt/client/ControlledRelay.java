package dev.isthmus.protocol.mqtt.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on plain sockets between a client and a broker, for making the network misbehave
 * on purpose: {@link #holdFromBroker()} stops passing the broker's bytes on (its acknowledgements
 * never arrive, the connection stays open), {@link #holdFromClient()} likewise the other way,
 * and {@link #cut()} closes every relayed connection at once. A hold applies to the connections
 * open at that moment; connections made afterwards are relayed normally. What each connection
 * carried from the client is kept, for checking what the client sent.
 */
final class ControlledRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress broker;
    private final List<Link> links = new CopyOnWriteArrayList<>();

    ControlledRelay(InetSocketAddress broker) throws IOException {
        this.broker = broker;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("relay-accept").start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket();
                upstream.connect(broker, 5000);
                Link link = new Link(client, upstream);
                links.add(link);
                Thread.ofVirtual().start(() -> link.pump(client, upstream, true));
                Thread.ofVirtual().start(() -> link.pump(upstream, client, false));
            } catch (IOException e) {
                // The listener closed, or the broker is away: the client sees its connection fail.
            }
        }
    }

    /** The broker's bytes on the connections open now are swallowed from here on. */
    void holdFromBroker() {
        links.forEach(link -> link.holdFromBroker = true);
    }

    /** The client's bytes on the connections open now are swallowed from here on. */
    void holdFromClient() {
        links.forEach(link -> link.holdFromClient = true);
    }

    /** Closes every relayed connection, as a network failure would. */
    void cut() {
        links.forEach(Link::close);
    }

    /** Connections relayed so far. */
    int connections() {
        return links.size();
    }

    /** The bytes the client sent on connection {@code index} (0 = the first) and the relay passed on. */
    byte[] fromClient(int index) {
        return links.get(index).fromClient.toByteArray();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
    }

    private static final class Link {
        final Socket client;
        final Socket upstream;
        final ByteArrayOutputStream fromClient = new ByteArrayOutputStream();
        volatile boolean holdFromBroker;
        volatile boolean holdFromClient;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void pump(Socket from, Socket to, boolean clientSide) {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (clientSide ? holdFromClient : holdFromBroker) {
                        continue;
                    }
                    if (clientSide) {
                        synchronized (fromClient) {
                            fromClient.write(buffer, 0, n);
                        }
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // Either side went away: so does the other.
            }
            close();
        }

        void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // Closing a socket twice or after a failure: nothing left to do.
            }
            try {
                upstream.close();
            } catch (IOException ignored) {
                // As above.
            }
        }
    }
}
