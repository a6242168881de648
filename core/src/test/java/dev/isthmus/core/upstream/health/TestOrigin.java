package dev.isthmus.core.upstream.health;

import dev.isthmus.core.upstream.Peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A health-check target on a real loopback socket whose behaviour a test switches at will.
 *
 * <p>Every accepted connection is a probe: it is logged with the mode it was accepted in, the
 * epoch of that mode (one per {@link #mode(Mode)} call), and whether the watched peer was
 * healthy when it arrived. Probes of one peer run one after another, so the state at the arrival
 * of probe k+1 is the checker's verdict after probe k: tests read thresholds off that log
 * instead of off a clock.
 */
final class TestOrigin implements AutoCloseable {
    enum Mode {
        /** Answers 200 (or just closes if nothing is sent, as after a TCP probe). */
        OK,
        /** Answers 500. */
        ERROR,
        /** Answers a line that is not an HTTP status line. */
        GARBAGE,
        /** Reads the request and never answers. */
        HANG,
        /** Not listening at all: connects are refused. */
        REFUSE
    }

    record Probe(int epoch, Mode mode, boolean peerUpAtArrival) {
    }

    /** Mode and epoch change together, so a probe is never tagged with one and served by another. */
    private record Behaviour(int epoch, Mode mode) {
    }

    private final int port;
    private final List<Probe> probes = new CopyOnWriteArrayList<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile Peer watched;
    private volatile Behaviour behaviour;
    private ServerSocket server;

    TestOrigin(Mode initial) {
        if (initial == Mode.REFUSE) {
            throw new IllegalArgumentException("start listening, then switch to REFUSE");
        }
        this.behaviour = new Behaviour(0, initial);
        this.server = listen(0);
        this.port = server.getLocalPort();
    }

    int port() {
        return port;
    }

    /** A peer pointing at this origin, whose health is logged with every probe. */
    Peer peer(int index) {
        Peer peer = new Peer(index, InetAddress.getLoopbackAddress().getHostAddress(), port, 1);
        watched = peer;
        return peer;
    }

    /** Switches behaviour; returns the new epoch, which tags the probes accepted from now on. */
    synchronized int mode(Mode next) {
        Mode previous = behaviour.mode();
        behaviour = new Behaviour(behaviour.epoch() + 1, next);
        if (next == Mode.REFUSE && previous != Mode.REFUSE) {
            closeQuietly(server);
        } else if (next != Mode.REFUSE && previous == Mode.REFUSE) {
            server = listen(port);
        }
        return behaviour.epoch();
    }

    List<Probe> probes() {
        return List.copyOf(probes);
    }

    List<Probe> probesIn(int epoch) {
        return probes.stream().filter(p -> p.epoch() == epoch).toList();
    }

    @Override
    public synchronized void close() {
        behaviour = new Behaviour(behaviour.epoch() + 1, Mode.REFUSE);
        closeQuietly(server);
        connections.forEach(TestOrigin::closeQuietly);
    }

    private ServerSocket listen(int onPort) {
        try {
            ServerSocket socket = new ServerSocket();
            // Lets the same port be bound again right after it was closed (REFUSE, then listen).
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
            Thread.ofVirtual().name("test-origin-accept-" + onPort).start(() -> accept(socket));
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket socket) {
        while (true) {
            Socket connection;
            try {
                connection = socket.accept();
            } catch (IOException e) {
                return;
            }
            connections.add(connection);
            Behaviour current = behaviour;
            Peer peer = watched;
            probes.add(new Probe(current.epoch(), current.mode(), peer != null && peer.isActiveHealthy()));
            Thread.ofVirtual().start(() -> serve(connection, current.mode()));
        }
    }

    private void serve(Socket connection, Mode current) {
        try (connection) {
            boolean requestRead = readRequestHead(connection.getInputStream());
            String answer = switch (current) {
                case OK -> "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                case ERROR -> "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                case GARBAGE -> "200 OK but not HTTP\r\n\r\n";
                case HANG, REFUSE -> null;
            };
            if (requestRead && answer != null) {
                connection.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
            } else if (requestRead && current == Mode.HANG) {
                // Hold the connection until the prober gives up and closes it.
                connection.getInputStream().transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException e) {
            // The prober went away (timeout, close): nothing to answer any more.
        } finally {
            connections.remove(connection);
        }
    }

    /** Reads up to the blank line; false if the peer closed first (a TCP probe sends nothing). */
    private static boolean readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while ((b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == end.length) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing a socket the other side already dropped; nothing to do.
        }
    }
}
