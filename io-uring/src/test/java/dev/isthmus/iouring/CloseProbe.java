package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.Listener;

class CloseProbe {
    @Test
    void probe() throws Exception {
        EventLoop loop = new EventLoop(0, UringTransport.INSTANCE, LoopSettings.DEFAULT);
        loop.start();
        java.util.concurrent.LinkedBlockingQueue<Connection> accepted = new java.util.concurrent.LinkedBlockingQueue<>();
        ConnectionHandler handler = new ConnectionHandler() {
            public void onRead(Connection c, Chunk d) { d.release(); }
            public void onReadEnd(Connection c) { }
            public void onError(Connection c, IOException e) { }
        };
        Listener listener = loop.submit(() -> loop.io().listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                false, 16, c -> { accepted.add(c); return handler; })).get();
        for (int i = 0; i < 3; i++) {
            try (Socket client = new Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
                client.setSoTimeout(3000);
                Connection c = accepted.poll(5, TimeUnit.SECONDS);
                Thread.sleep(50);
                loop.execute(c::close);
                assertEquals(-1, client.getInputStream().read());
            }
        }
        loop.stop();
        loop.awaitTermination(5, TimeUnit.SECONDS);
    }
}
