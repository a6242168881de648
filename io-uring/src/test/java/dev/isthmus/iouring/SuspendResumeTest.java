package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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

class SuspendResumeTest {
    @Test
    void dataArrivingWhileSuspendedIsDeliveredOnResumeAndNoFalseEnd() throws Exception {
        EventLoop loop = new EventLoop(0, UringTransport.INSTANCE, LoopSettings.DEFAULT);
        loop.start();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        CompletableFuture<String> ended = new CompletableFuture<>();
        ConnectionHandler handler = new ConnectionHandler() {
            boolean first = true;

            @Override
            public void onRead(Connection c, Chunk data) {
                byte[] bytes = new byte[data.readable()];
                data.view().getBytes(data.start(), bytes);
                got.writeBytes(bytes);
                data.release();
                if (first) {
                    first = false;
                    c.suspendRead();
                    Thread.ofVirtual().start(() -> {
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                        loop.execute(c::resumeRead);
                    });
                }
            }

            @Override
            public void onReadEnd(Connection c) {
                ended.complete("end after " + got.size());
            }

            @Override
            public void onError(Connection c, IOException cause) {
                ended.complete("error " + cause);
            }
        };
        Listener listener = loop.submit(() -> loop.io().listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                false, 16, c -> handler)).get();
        try (Socket client = new Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
            OutputStream out = client.getOutputStream();
            out.write(new byte[45_783]);
            out.flush();
            Thread.sleep(600);
            assertFalse(ended.isDone(), () -> ended.join());
            assertEquals(45_783, loop.submit(got::size).get());
        }
        System.err.println(ended.get(5, TimeUnit.SECONDS));
        loop.stop();
        loop.awaitTermination(5, TimeUnit.SECONDS);
    }
}
