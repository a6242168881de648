package dev.isthmus.protocol.http1;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listening side of the tests' origins: a loopback socket on an ephemeral port whose
 * connections are each served on a virtual thread by the origin's {@link Handler}. Closing it
 * closes the listener and every connection it accepted, which ends the handlers blocked on them.
 */
final class OriginListener implements AutoCloseable {
    /** Serves one accepted connection; the socket is closed when this returns or throws. */
    interface Handler {
        void serve(Socket socket) throws IOException;
    }

    private final ServerSocket server;
    private final Handler handler;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new ArrayList<>();

    OriginListener(int backlog, Handler handler) throws IOException {
        this.server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        this.handler = handler;
        threads.submit(this::acceptLoop);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    private Void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                synchronized (open) {
                    open.add(socket);
                }
                threads.submit(() -> serve(socket));
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private Void serve(Socket socket) {
        try (socket) {
            handler.serve(socket);
        } catch (IOException e) {
            // The peer went away or sent what the origin cannot read: the test sees it in the answer.
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket socket : open) {
                try {
                    socket.close();
                } catch (SocketException ignored) {
                    // already closed
                }
            }
        }
        threads.shutdownNow();
    }
}
