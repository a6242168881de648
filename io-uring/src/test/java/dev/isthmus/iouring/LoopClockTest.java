package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.Listener;
import dev.isthmus.core.transport.Transport;

/**
 * After a loop slept with nothing to do, the events that wake it see the current time, not
 * the time it went to sleep: otherwise a timeout they start (a 3 s connect timeout after 5 s
 * of idleness) would be over before it began. Both transports.
 */
class LoopClockTest {
    @ParameterizedTest
    @ValueSource(strings = {"nio", "uring"})
    void eventsAfterAnIdleWaitSeeTheCurrentTime(String io) throws Exception {
        Transport transport = UringTransport.select(io);
        EventLoop loop = new EventLoop(0, transport, LoopSettings.DEFAULT);
        loop.start();
        try {
            CompletableFuture<Long> staleness = new CompletableFuture<>();
            Listener listener = loop.submit(() -> loop.io().listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    false, 16, connection -> {
                        // Accepting is what wakes the loop here: it happens right after the wait.
                        staleness.complete(System.nanoTime() - loop.now());
                        return new Closer();
                    })).get();
            // Nothing scheduled, nothing connected: the loop sleeps until the client comes.
            Thread.sleep(2000);
            try (Socket client = new Socket(listener.localAddress().getAddress(), listener.localAddress().getPort())) {
                long behind = staleness.get(5, TimeUnit.SECONDS);
                assertTrue(behind < TimeUnit.MILLISECONDS.toNanos(1000),
                        "the loop's clock was " + behind / 1_000_000 + " ms behind after the idle wait");
            }
        } finally {
            loop.stop();
            loop.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Drops what arrives and closes at the end of stream. */
    private static final class Closer implements ConnectionHandler {
        @Override
        public void onRead(Connection connection, Chunk data) {
            data.release();
        }

        @Override
        public void onReadEnd(Connection connection) {
            connection.close();
        }

        @Override
        public void onError(Connection connection, IOException cause) {
        }
    }
}
